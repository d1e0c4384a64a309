/**
 * Agents at scale (issue 5): 1,000 and then 2,000 lab agents heartbeating every 10 s (and holding
 * their long polls) against one gateway process on PostgreSQL. Reports the gateway process's CPU
 * share of one core, read from /proc, and heartbeat latency percentiles as the agents saw them.
 *
 * The gateway runs on node:http (bench/support/gateway-server.ts) rather than inside Next: the same
 * handler code the console's /api/agent route calls, without the framework's per-request cost.
 * BENCH_AGENTS=N1,N2 changes the fleet sizes (default 1000,2000).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startLabFleet, type LabFleet } from "../../agent/lab";
import { openDatabase } from "../../db/client";
import { migrate } from "../../db/migrate";
import { newCluster } from "../../test/engine-fixtures";
import { getRegionByName } from "../../db/queries/regions";
import { createBootstrapToken } from "../../server/services/nodes";

const BASE = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROOT = path.resolve(import.meta.dirname, "../..");
const TICK = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICK; // utime + stime
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export default {
  name: "agents",
  async run() {
    const sizes = (process.env.BENCH_AGENTS ?? "1000,2000").split(",").map(Number);
    const out: Record<string, number | string> = {};
    const name = `cairn_bench_${randomBytes(5).toString("hex")}`;
    const admin = new pg.Client({ connectionString: BASE });
    await admin.connect();
    await admin.query(`create database ${name}`);
    const url = new URL(BASE);
    url.pathname = `/${name}`;
    const database = await openDatabase({ kind: "postgres", url: url.toString(), poolSize: 2 });
    await migrate(database);
    await newCluster(database.db, "bench");
    const region = await getRegionByName(database.db, { name: "bench" });
    const { secret } = await createBootstrapToken(
      { db: database.db, user: { id: "b", email: "bench@cairn", name: "bench", role: "admin" } },
      { regionId: region!.id, label: "bench", expiresInDays: 0 },
    );

    const server = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof-gw"] : []),
        "--conditions=react-server",
        "--import",
        "tsx",
        "bench/support/gateway-server.ts",
        url.toString(),
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    const gatewayUrl = await new Promise<string>((resolve, reject) => {
      server.stdout.on("data", (b: Buffer) => {
        const m = /listening (\S+)/.exec(String(b));
        if (m) resolve(m[1]!);
      });
      server.on("exit", (code) => reject(new Error(`gateway exited ${code}`)));
    });

    // Client-side heartbeat latency, as the agents see it.
    let latencies: number[] = [];
    const calls = new Map<string, number>();
    const timedFetch: typeof fetch = async (input, init) => {
      const action = String(input).split("/").at(-1)!;
      calls.set(action, (calls.get(action) ?? 0) + 1);
      const started = performance.now();
      const res = await fetch(input, init);
      if (String(input).endsWith("/api/agent/heartbeat")) latencies.push(performance.now() - started);
      return res;
    };

    const dir = path.join(os.tmpdir(), name);
    const fleets: LabFleet[] = [];
    let running = 0;
    try {
      for (const size of sizes) {
        const fleet = await startLabFleet({
          server: gatewayUrl,
          token: secret,
          nodes: size - running,
          firstIndex: running,
          dir,
          profile: "small",
          heartbeatSeconds: 10,
          registrationConcurrency: 32,
          agent: { fetch: timedFetch },
        });
        fleets.push(fleet);
        const registered = await fleet.registered;
        running = size;
        console.log(`    ${size} agents (${registered} new registered); settling 15 s`);
        await sleep(15_000);
        latencies = [];
        calls.clear();
        const window = 30;
        const before = cpuSeconds(server.pid!);
        await sleep(window * 1000);
        const used = cpuSeconds(server.pid!) - before;
        latencies.sort((a, b) => a - b);
        const pct = (p: number) => latencies[Math.floor(p * (latencies.length - 1))] ?? 0;
        const r = (n: number) => Math.round(n * 10) / 10;
        out[`agents_${size}_gateway_cpu_percent_of_core`] = r((100 * used) / window);
        out[`agents_${size}_heartbeats_per_s`] = r(latencies.length / window);
        out[`agents_${size}_heartbeat_p50_ms`] = r(pct(0.5));
        out[`agents_${size}_heartbeat_p95_ms`] = r(pct(0.95));
        out[`agents_${size}_requests_per_s`] = r(
          [...calls.values()].reduce((a, b) => a + b, 0) / window,
        );
        out[`agents_${size}_polls_per_s`] = r((calls.get("poll") ?? 0) / window);
        for (const k of Object.keys(out).filter((k) => k.startsWith(`agents_${size}_`)))
          console.log(`    ${k} = ${out[k]}`);
      }
    } finally {
      await Promise.all(fleets.map((f) => f.stop()));
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
      await database.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    }
    return out;
  },
};
