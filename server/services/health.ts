import "server-only";
import { ping } from "../../db/client";
import { appliedMigrations, expectedMigrations } from "../../db/migrate";
import { APP_VERSION } from "../config";
import { getDatabase } from "../db";

export type CheckStatus = "ok" | "degraded" | "down";

export interface HealthCheck {
  name: "database" | "migrations";
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
