import "server-only";
import { sql } from "drizzle-orm";
import { ping, type Db } from "../../db/client";
import { appliedMigrations, expectedMigrations } from "../../db/migrate";
import { APP_VERSION } from "../config";
import { getDatabase } from "../db";

export type CheckStatus = "ok" | "degraded" | "down";

export interface HealthCheck {
  name: "database" | "migrations" | "engine";
  status: CheckStatus;
  latencyMs: number | null;
  /** Facts for the operator: where the database is, which migrations, the error if any. */
  detail: Record<string, string | number>;
}

export interface HealthReport {
  status: CheckStatus;
  version: string;
  checkedAt: string;
  checks: HealthCheck[];
}

function worst(statuses: CheckStatus[]): CheckStatus {
  if (statuses.includes("down")) return "down";
  if (statuses.includes("degraded")) return "degraded";
  return "ok";
}

/** Readiness: every dependency Cairn has, measured now. Never throws: a failure is a result. */
export async function checkHealth(): Promise<HealthReport> {
  const checks: HealthCheck[] = [];
  try {
    const database = await getDatabase();
    const latencyMs = await withTimeout(ping(database.db), 3_000);
    checks.push({
      name: "database",
      status: latencyMs > 500 ? "degraded" : "ok",
      latencyMs: round(latencyMs),
      detail: { kind: database.kind, location: database.location },
    });
    const expected = expectedMigrations();
    const applied = await appliedMigrations(database.db);
    checks.push({
      name: "migrations",
      status: applied >= expected ? "ok" : "down",
      latencyMs: null,
      detail: { applied, expected },
    });
    if (applied >= expected) checks.push(await engineHealth(database.db));
  } catch (e) {
    checks.push({
      name: "database",
      status: "down",
      latencyMs: null,
      detail: { error: (e as Error).message },
    });
  }
  return {
    status: worst(checks.map((c) => c.status)),
    version: APP_VERSION,
    checkedAt: new Date().toISOString(),
    checks,
  };
}

/** Seconds a ready step may wait for its node before the engine counts as slow. */
const READY_WAIT_WARN_SECONDS = 60;

/**
 * The engine as the operator needs to see it: work waiting (and for how long), attempts whose
 * agent went silent but that no sweep has handled yet (the sweeper is not running), running tasks.
 */
async function engineHealth(db: Db): Promise<HealthCheck> {
  const started = performance.now();
  const result = (await db.execute(sql`
    select
      (select count(*)::int from task where status in ('running', 'cancelling')) as running_tasks,
      (select coalesce(extract(epoch from now() - min(s.queued_since)), 0)::float
         from step s join task t on t.id = s.task_id
         where s.status = 'ready' and t.status = 'running' and not t.halted) as oldest_ready_seconds,
      (select count(*)::int from attempt
         where status in ('dispatched', 'running', 'killing')
           and heartbeat_deadline_at < now() - interval '10 seconds') as stuck_attempts`)) as unknown as {
    rows: { running_tasks: number; oldest_ready_seconds: number; stuck_attempts: number }[];
  };
  const row = result.rows[0] ?? { running_tasks: 0, oldest_ready_seconds: 0, stuck_attempts: 0 };
  const oldest = Math.round(Number(row.oldest_ready_seconds));
  return {
    name: "engine",
    status: row.stuck_attempts > 0 || oldest > READY_WAIT_WARN_SECONDS ? "degraded" : "ok",
    latencyMs: round(performance.now() - started),
    detail: {
      runningTasks: row.running_tasks,
      oldestReadySeconds: oldest,
      stuckAttempts: row.stuck_attempts,
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
