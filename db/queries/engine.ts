/**
 * SQL of the engine. Each function does one statement or one short locked read-modify-write; the
 * executor (server/engine) decides what to change by asking the pure transitions in domain/engine.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { InitialGroup, InitialStep } from "../../domain/engine/launch";
import type { TaskMode, TaskStatus } from "../../domain/engine/types";
import type { Db } from "../client";
import { attempts, stepGroups, steps, taskEvents, tasks } from "../schema";

export type TaskRow = typeof tasks.$inferSelect;
export type StepRow = typeof steps.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;

/** Rows per INSERT: large enough to amortise round trips, small enough for PGlite's single session. */
const BATCH = 1000;

export async function findTaskByIdempotencyKey(db: Db, params: { key: string }) {
  const [row] = await db.select().from(tasks).where(eq(tasks.idempotencyKey, params.key));
  return row;
}

export async function findActiveTask(db: Db, params: { clusterId: string }) {
  const [row] = await db
    .select({ id: tasks.id, kind: tasks.kind, status: tasks.status })
    .from(tasks)
    .where(
      and(
        eq(tasks.clusterId, params.clusterId),
        inArray(tasks.status, ["pending", "running", "paused", "cancelling"]),
        sql`${tasks.mode} <> 'plan'`,
      ),
    );
  return row;
}

export async function insertTask(
  db: Db,
  params: {
    clusterId: string;
    kind: string;
    graph: string;
    mode: TaskMode;
    status: TaskStatus;
    intent: Record<string, unknown>;
    overrides: Record<string, unknown>;
    idempotencyKey: string | null;
    launchedBy: string | null;
    maxInFlight: number;
    deadlineAt: Date | null;
    startedAt: Date | null;
  },
): Promise<TaskRow> {
  const [row] = await db.insert(tasks).values(params).returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

export async function insertSteps(
  db: Db,
  params: { taskId: string; steps: InitialStep[]; now: Date },
): Promise<void> {
  for (let i = 0; i < params.steps.length; i += BATCH) {
    const chunk = params.steps.slice(i, i + BATCH).map((s) => ({
      taskId: params.taskId,
      key: s.key,
      kind: s.kind,
      stepId: s.stepId,
      nodeId: s.nodeId,
      type: s.type,
      script: s.script,
      status: s.status,
      dependsOn: s.dependsOn,
      join: s.join,
      remaining: s.remaining,
      groupKey: s.groupKey,
      retry: s.retry,
      strategy: s.strategy,
      timeoutSeconds: s.timeoutSeconds,
      reason: s.reason,
      ordinal: s.ordinal,
      queuedSince: s.status === "ready" ? params.now : null,
    }));
    await db.insert(steps).values(chunk);
  }
}

export async function insertGroups(db: Db, params: { taskId: string; groups: InitialGroup[] }) {
  if (params.groups.length === 0) return;
  await db.insert(stepGroups).values(params.groups.map((g) => ({ taskId: params.taskId, ...g })));
}

export async function insertTaskEvent(
  db: Db,
  params: { taskId: string; type: string; actor: string | null; data?: Record<string, unknown> },
) {
  await db.insert(taskEvents).values({ ...params, data: params.data ?? {} });
}

export async function getTask(db: Db, params: { id: string }): Promise<TaskRow | undefined> {
  const [row] = await db.select().from(tasks).where(eq(tasks.id, params.id));
  return row;
}

export async function listTaskSteps(db: Db, params: { taskId: string }): Promise<StepRow[]> {
  return db.select().from(steps).where(eq(steps.taskId, params.taskId)).orderBy(asc(steps.ordinal));
}

export async function listStepAttempts(db: Db, params: { stepId: string }): Promise<AttemptRow[]> {
  return db
    .select()
    .from(attempts)
    .where(eq(attempts.stepId, params.stepId))
    .orderBy(asc(attempts.number));
}



/** Open attempts: the process may still be alive on the node. */
export const OPEN_ATTEMPT = ["dispatched", "running", "killing"] as const;

/** The task-wide "nodes in flight" limit is a group row like any other, so one UPDATE guards it. */
export const TASK_GROUP = "#task";
