/**
 * Engine throughput (issue 4): the raw PostgreSQL claim cycle as the yardstick, the engine's
 * end-to-end attempt rate with in-process fake agents, dispatch latency (ready → claimed), and a
 * 1,000-node × 20-step noop task on PostgreSQL and on PGlite.
 * PostgreSQL comes from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres);
 * each run creates and drops its own database. BENCH_SKIP_PGLITE=1 skips the (long) PGlite run;
 * BENCH_ENGINE_SMALL=1 stops after the 200-node throughput figures.
 *
 * Profile (node --cpu-prof, 200 × 20 on PostgreSQL, before group commit): a third of the Node
 * process's time went to socket writes (writev), one per statement: the cost is round trips, not
 * SQL. Group commit (reportAndClaim) now writes concurrent reports in one transaction of five
 * statements; its batch figures are printed.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../../db/client";
import { migrate } from "../../db/migrate";
import { expandPlan, type PlanNode } from "../../domain/taskgraph/plan";
import { taskGraphSchema } from "../../domain/taskgraph/schema";
import {
  applyAttemptEvents,
  claimAttempt,
  launchTask,
  reportAndClaim,
  reportBatchStats,
  type Dispatch,
} from "../../server/engine/executor";
import { getTask } from "../../db/queries/engine";
import { createWorkWaiter } from "../../server/engine/wake";
import { newCluster, planFor } from "../../test/engine-fixtures";

const BASE = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const opts = { heartbeatSeconds: 600, queueSeconds: 0 };

async function withPgDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `cairn_bench_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } catch (e) {
    console.error("bench failed:", e);
    throw e;
  } finally {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

/** insert + SKIP LOCKED claim + complete, from 16 connections, for `seconds`. */
async function rawClaimCycle(url: string, seconds: number): Promise<number> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query("create table job (id bigserial primary key, status text not null)");
  await setup.query("create index job_ready on job (id) where status = 'ready'");
  await setup.end();
  const pool = new pg.Pool({ connectionString: url, max: 16 });
  pool.on("error", () => {});
  const until = performance.now() + seconds * 1000;
  let cycles = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      const c = await pool.connect();
      try {
        while (performance.now() < until) {
          await c.query("insert into job (status) values ('ready')");
          const r = await c.query(
            "update job set status = 'claimed' where id = (select id from job where status = 'ready' order by id for update skip locked limit 1) returning id",
          );
          if (r.rows[0])
            await c.query("update job set status = 'done' where id = $1", [r.rows[0].id]);
          cycles++;
        }
      } finally {
        c.release();
      }
    }),
  );
  await pool.end();
  return cycles / seconds;
}

const STEPS = 20;

function chainPlan(nodeCount: number) {
  const graph = taskGraphSchema.parse({
    name: "deploy",
    steps: Array.from({ length: STEPS }, (_, i) => ({
      id: `s${String(i).padStart(2, "0")}`,
      type: "shell",
      script: `steps/s${i}.sh`,
      selector: { all: true },
      ...(i > 0 ? { requires: [`s${String(i - 1).padStart(2, "0")}`] } : {}),
    })),
  });
  const nodes: PlanNode[] = Array.from({ length: nodeCount }, (_, i) => ({
    id: `node-${String(i).padStart(4, "0")}`,
    roles: ["compute"],
  }));
  return { plan: expandPlan(graph, { nodes, changedSettings: [], intentKind: "deploy" }), nodes };
}

/** Fake agents: `workers` loops, each serving its share of nodes: claim → started → exited 0. */
async function runTask(database: Database, nodeCount: number, workers: number) {
  const clusterId = await newCluster(database.db, `bench-${randomBytes(3).toString("hex")}`);
  const { plan, nodes } = chainPlan(nodeCount);
  const started = performance.now();
  const { task } = await launchTask(database.db, {
    clusterId,
    kind: "deploy",
    plan,
    mode: "noop",
    intent: { kind: "deploy" },
    actor: "bench",
    now: new Date(),
  });
  const launchMs = performance.now() - started;
  /** Ready → claimed, for attempts claimed by a poll. */
  const latencies: number[] = [];
  let piggybacked = 0;
  let attempts = 0;
  // One agent loop per node, as on real nodes; at most `workers` talk to the engine at once (a
  // FIFO semaphore, so waiting agents cost no CPU).
  let free = workers;
  const queue: (() => void)[] = [];
  const acquire = () =>
    free > 0 ? (free--, Promise.resolve()) : new Promise<void>((r) => queue.push(r));
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else free++;
  };
  await Promise.all(
    nodes.map(async ({ id: nodeId }) => {
      let readySince = performance.now();
      let next: Dispatch | null = null;
      for (let done = 0; done < STEPS;) {
        await acquire();
        try {
          let d = next;
          if (!d) {
            // Dispatch latency: from the later of "the step became ready" and "the agent asked"
            // (agents here wait for a free connection first) to the attempt being claimed.
            const asked = Math.max(readySince, performance.now());
            d = await claimAttempt(database.db, { nodeId, now: new Date() }, opts);
            if (!d) continue;
            latencies.push(performance.now() - asked);
          }
          // As the agent does: a fast step's `started` and `exited` go in one request that also
          // asks for the next attempt, which the engine claims in the same transaction.
          const r = await reportAndClaim(
            database.db,
            {
              attemptId: d.attempt.id,
              events: [
                { type: "started", epoch: d.attempt.epoch },
                { type: "exited", epoch: d.attempt.epoch, exitCode: 0 },
              ],
              now: new Date(),
              nodeId,
            },
            opts,
          );
          next = r.next;
          // A piggybacked claim happens in the transaction that made the step ready: 0 ms.
          if (next) piggybacked++;
          readySince = performance.now();
          attempts++;
          done++;
        } finally {
          release();
        }
      }
    }),
  );
  const wallMs = performance.now() - started;
  const final = await getTask(database.db, { id: task.id });
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    status: final?.status ?? "?",
    attempts,
    launchMs,
    wallMs,
    attemptsPerSecond: attempts / ((wallMs - launchMs) / 1000),
    p50: pct(0.5),
    p99: pct(0.99),
    polled: latencies.length,
    piggybacked,
  };
}

/**
 * The dispatch path of a long-polling agent, alone on the engine: the node waits on LISTEN, an
 * ending makes its next step ready (NOTIFY at commit), the poll wakes and claims. Ready → claimed,
 * per step of a 100-step chain.
 */
async function notifyLatency(database: Database) {
  const clusterId = await newCluster(database.db, `notify-${randomBytes(3).toString("hex")}`);
  const ids = Array.from({ length: 100 }, (_, i) => `n${i}`);
  const plan = planFor(
    ids.map((id, i) => ({ id, ...(i > 0 ? { requires: [ids[i - 1]!] } : {}) })),
    ["notify-node"],
  );
  await launchTask(database.db, {
    clusterId,
    kind: "deploy",
    plan,
    mode: "noop",
    intent: { kind: "deploy" },
    actor: "bench",
    now: new Date(),
  });
  const waiter = await createWorkWaiter(database);
  const latencies: number[] = [];
  let d = await claimAttempt(database.db, { nodeId: "notify-node", now: new Date() }, opts);
  while (d) {
    const woken = waiter.wait("notify-node", 5000);
    await applyAttemptEvents(
      database.db,
      {
        attemptId: d.attempt.id,
        events: [
          { type: "started", epoch: d.attempt.epoch },
          { type: "exited", epoch: d.attempt.epoch, exitCode: 0 },
        ],
        now: new Date(),
      },
      opts,
    );
    const ready = performance.now();
    if ((await woken) === "timeout") break;
    d = await claimAttempt(database.db, { nodeId: "notify-node", now: new Date() }, opts);
    if (d) latencies.push(performance.now() - ready);
  }
  await waiter.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.floor(p * (latencies.length - 1))] ?? 0;
  return { n: latencies.length, p50: pct(0.5), p99: pct(0.99) };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Figures are printed as they come: the PGlite run is long, and a cut-off run keeps what it had. */
function record(out: Record<string, number | string>, key: string, value: number | string) {
  out[key] = typeof value === "number" ? round(value) : value;
  console.log(`    ${key} = ${out[key]}`);
}

export default {
  name: "engine",
  async run() {
    const out: Record<string, number | string> = {};
    await withPgDatabase(async (url) => {
      record(out, "pg_raw_claim_cycles_per_s", await rawClaimCycle(url, 5));
    });
    await withPgDatabase(async (url) => {
      const database = await openDatabase({ kind: "postgres", url, poolSize: 16 });
      await migrate(database);
      const small = await runTask(database, 200, 16);
      record(out, "pg_engine_attempts_per_s", small.attemptsPerSecond);
      record(
        out,
        "pg_engine_vs_raw_percent",
        (100 * small.attemptsPerSecond) / Number(out.pg_raw_claim_cycles_per_s),
      );
      record(out, "pg_dispatch_latency_polled_p50_ms", small.p50);
      record(out, "pg_dispatch_latency_polled_p99_ms", small.p99);
      record(out, "pg_dispatches_polled", small.polled);
      record(out, "pg_dispatches_piggybacked", small.piggybacked);
      record(out, "pg_group_commit_batches", reportBatchStats.batches);
      record(
        out,
        "pg_group_commit_reports_per_batch",
        reportBatchStats.batchedReports / Math.max(1, reportBatchStats.batches),
      );
      record(out, "pg_group_commit_fallbacks", reportBatchStats.fallbacks);
      const notify = await notifyLatency(database);
      record(out, "pg_dispatch_latency_notify_p50_ms", notify.p50);
      record(out, "pg_dispatch_latency_notify_p99_ms", notify.p99);
      record(out, "pg_dispatch_latency_notify_samples", notify.n);
      if (process.env.BENCH_ENGINE_SMALL) {
        await database.close();
        return;
      }
      const big = await runTask(database, 1000, 16);
      record(out, "pg_1000x20_noop_status", big.status);
      record(out, "pg_1000x20_noop_launch_ms", big.launchMs);
      record(out, "pg_1000x20_noop_wall_s", big.wallMs / 1000);
      record(out, "pg_1000x20_attempts_per_s", big.attemptsPerSecond);
      await database.close();
    });
    if (process.env.BENCH_SKIP_PGLITE) return out;
    const lite = await openDatabase({ kind: "pglite-memory" });
    await migrate(lite);
    const liteRun = await runTask(lite, 1000, 2);
    record(out, "pglite_1000x20_noop_status", liteRun.status);
    record(out, "pglite_1000x20_noop_wall_s", liteRun.wallMs / 1000);
    record(out, "pglite_1000x20_attempts_per_s", liteRun.attemptsPerSecond);
    record(out, "pglite_dispatch_latency_p99_ms", liteRun.p99);
    await lite.close();
    return out;
  },
};
