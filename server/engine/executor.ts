import "server-only";
/**
 * Carries out the engine's decisions. Every function here reads rows, asks the pure transitions in
 * domain/engine what happens, and writes the result in the SAME transaction — so a step's status is
 * always derived from its latest attempt, and a crash between "decide" and "write" cannot happen.
 * Nothing here waits for work: launching returns the task at once; agents pull attempts.
 */
import { randomUUID } from "node:crypto";
import { and, eq, inArray, lte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import {
  OPEN_ATTEMPT,
  TASK_GROUP,
  findActiveTask,
  findTaskByIdempotencyKey,
  insertGroups,
  insertSteps,
  insertTask,
  insertTaskEvent,
  type AttemptRow,
  type StepRow,
  type TaskRow,
} from "../../db/queries/engine";
import { attempts, stepGroups, steps, tasks } from "../../db/schema";
import { attemptTransition, newAttempt } from "../../domain/engine/attempt";
import { initialSteps } from "../../domain/engine/launch";
import {
  dependencyEffects,
  exceededTolerance,
  joinState,
  recount,
  type JoinCounter,
} from "../../domain/engine/schedule";
import { stepTransition } from "../../domain/engine/step";
import { taskTransition } from "../../domain/engine/task";
import {
  FINAL_STEP,
  type AttemptEvent,
  type AttemptState,
  type AttemptStatus,
  type StepEvent,
  type StepState,
  type StepStatus,
  type TaskEvent,
  type TaskMode,
  type TaskState,
  type Timeouts,
} from "../../domain/engine/types";
import { CairnError } from "../../domain/errors";
import type { Plan } from "../../domain/taskgraph/plan";

export interface EngineOptions {
  /** Agent silence tolerated while it holds an attempt. */
  heartbeatSeconds: number;
  /** Longest wait in `ready`; 0 = unlimited. */
  queueSeconds: number;
}

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { heartbeatSeconds: 60, queueSeconds: 0 };

const ms = (d: Date | null) => (d ? d.getTime() : null);
const date = (n: number | null) => (n === null ? null : new Date(n));

// ---------- row ↔ state ----------

function timeoutsOf(row: Pick<StepRow, "timeoutSeconds">, opts: EngineOptions): Timeouts {
  return {
    attemptSeconds: row.timeoutSeconds,
    heartbeatSeconds: opts.heartbeatSeconds,
    queueSeconds: opts.queueSeconds,
  };
}

const NO_RETRY = {
  maxAttempts: 1,
  initialIntervalSeconds: 1,
  backoffCoefficient: 2,
  maxIntervalSeconds: 60,
  nonRetryableExitCodes: [],
};

function stepState(row: StepRow, opts: EngineOptions): StepState {
  return {
    key: row.key,
    status: row.status,
    attempts: row.attempts,
    attemptsAtReset: row.attemptsAtReset,
    retry: row.retry ?? NO_RETRY,
    timeouts: timeoutsOf(row, opts),
    readyAt: ms(row.readyAt),
    queuedSince: ms(row.queuedSince),
    reason: row.reason ?? null,
  };
}

function stepPatch(s: StepState) {
  return {
    status: s.status,
    attempts: s.attempts,
    attemptsAtReset: s.attemptsAtReset ?? 0,
    readyAt: date(s.readyAt),
    queuedSince: date(s.queuedSince),
    reason: s.reason,
  };
}

function attemptState(row: AttemptRow): AttemptState {
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    epoch: row.epoch,
    exitCode: row.exitCode,
    reason: row.reason ?? null,
    killFor: row.killFor ?? null,
    queuedAt: row.queuedAt.getTime(),
    dispatchedAt: ms(row.dispatchedAt),
    startedAt: ms(row.startedAt),
    endedAt: ms(row.endedAt),
    deadlineAt: ms(row.deadlineAt),
    heartbeatDeadlineAt: ms(row.heartbeatDeadlineAt),
  };
}

function attemptPatch(a: AttemptState) {
  return {
    status: a.status,
    epoch: a.epoch,
    exitCode: a.exitCode,
    reason: a.reason,
    killFor: a.killFor,
    dispatchedAt: date(a.dispatchedAt),
    startedAt: date(a.startedAt),
    endedAt: date(a.endedAt),
    deadlineAt: date(a.deadlineAt),
    heartbeatDeadlineAt: date(a.heartbeatDeadlineAt),
  };
}

function taskState(row: TaskRow): TaskState {
  return {
    status: row.status,
    startedAt: ms(row.startedAt),
    endedAt: ms(row.endedAt),
    deadlineAt: ms(row.deadlineAt),
    halted: row.halted,
    reason: row.reason ?? null,
  };
}

// ---------- wake-ups ----------

/** NOTIFY channel that tells a waiting node poll (on any replica) there is work or a kill for it. */
export const WORK_CHANNEL = "cairn_work";

/** Delivered at commit, so a woken poll always finds what woke it. Identical payloads merge. */
async function notifyNodes(tx: Db, nodeIds: (string | null)[]) {
  const ids = [...new Set(nodeIds.filter((n): n is string => Boolean(n)))];
  if (ids.length === 0) return;
  const list = sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  );
  await tx.execute(
    sql`select pg_notify(${WORK_CHANNEL}, n) from unnest(array[${list}]::text[]) as n`,
  );
}

// ---------- launch ----------

export interface LaunchInput {
  clusterId: string;
  kind: string;
  plan: Plan;
  mode: TaskMode;
  intent: Record<string, unknown>;
  /** Per-launch overrides as given (already merged into the plan's retry policies). */
  overrides?: Record<string, unknown>;
  idempotencyKey?: string | null;
  actor: string | null;
  /** Global limit on nodes in flight for this task; 0 = none. */
  maxInFlight?: number;
  deadlineAt?: Date | null;
  now: Date;
}

/**
 * Stores the task and its plan and returns at once. The same idempotency key returns the task it
 * created before; a second mutating task on a busy cluster is refused by the database's unique
 * index, whatever the timing.
 */
export async function launchTask(
  db: Db,
  input: LaunchInput,
): Promise<{ task: TaskRow; created: boolean }> {
  if (input.idempotencyKey) {
    const existing = await findTaskByIdempotencyKey(db, { key: input.idempotencyKey });
    if (existing) return { task: existing, created: false };
  }
  const { steps: rows, groups } = initialSteps(input.plan);
  const planOnly = input.mode === "plan";
  try {
    const task = await db.transaction(async (tx) => {
      const task = await insertTask(tx, {
        clusterId: input.clusterId,
        kind: input.kind,
        graph: input.plan.graph,
        mode: input.mode,
        status: planOnly ? "succeeded" : "running",
        intent: input.intent,
        overrides: input.overrides ?? {},
        idempotencyKey: input.idempotencyKey ?? null,
        launchedBy: input.actor,
        maxInFlight: input.maxInFlight ?? 0,
        deadlineAt: input.deadlineAt ?? null,
        startedAt: planOnly ? null : input.now,
      });
      await insertSteps(tx, { taskId: task.id, steps: rows, now: input.now });
      if (!planOnly)
        await notifyNodes(
          tx,
          rows.filter((r) => r.status === "ready").map((r) => r.nodeId),
        );
      const all = input.maxInFlight
        ? [...groups, { groupKey: TASK_GROUP, limit: input.maxInFlight, tolerated: 0 }]
        : groups;
      await insertGroups(tx, { taskId: task.id, groups: all });
      await insertTaskEvent(tx, {
        taskId: task.id,
        type: "launched",
        actor: input.actor,
        data: { mode: input.mode, counts: input.plan.counts, overrides: input.overrides ?? {} },
      });
      if (!planOnly) await progress(tx, task.id, input.now.getTime());
      return task;
    });
    return { task, created: true };
  } catch (e) {
    if (input.idempotencyKey && isUniqueViolation(e, "task_idempotency_key")) {
      const existing = await findTaskByIdempotencyKey(db, { key: input.idempotencyKey });
      if (existing) return { task: existing, created: false };
    }
    if (isUniqueViolation(e)) {
      const active = await findActiveTask(db, { clusterId: input.clusterId });
      throw new CairnError("task.cluster-busy", {
        taskId: active?.id ?? "?",
        kind: active?.kind ?? "?",
      });
    }
    throw e;
  }
}

// ---------- claim (agent poll) ----------

export interface Dispatch {
  attempt: AttemptRow;
  step: StepRow;
  task: Pick<TaskRow, "id" | "mode" | "clusterId" | "kind">;
}

/**
 * Gives a node its next attempt: the oldest ready step of a running, unhalted task on that node
 * whose group (and task) has a free slot. SKIP LOCKED keeps replicas from handing out one step
 * twice; the slot is a conditional UPDATE so limits hold under concurrency. One attempt per node.
 */
export async function claimAttempt(
  db: Db,
  params: { nodeId: string; now: Date },
  opts: EngineOptions = DEFAULT_ENGINE_OPTIONS,
): Promise<Dispatch | null> {
  const now = params.now.getTime();
  return db.transaction(async (tx) => {
    const [busy] = await tx
      .select({ id: attempts.id })
      .from(attempts)
      .where(and(eq(attempts.nodeId, params.nodeId), inArray(attempts.status, [...OPEN_ATTEMPT])))
      .limit(1);
    if (busy) return null;
    const candidates = await tx
      .select({
        step: steps,
        task: {
          id: tasks.id,
          mode: tasks.mode,
          clusterId: tasks.clusterId,
          kind: tasks.kind,
          maxInFlight: tasks.maxInFlight,
        },
        groupLimit: stepGroups.limit,
      })
      .from(steps)
      .innerJoin(tasks, eq(tasks.id, steps.taskId))
      .innerJoin(
        stepGroups,
        and(eq(stepGroups.taskId, steps.taskId), eq(stepGroups.groupKey, steps.groupKey)),
      )
      .where(
        and(
          eq(steps.nodeId, params.nodeId),
          eq(steps.status, "ready"),
          eq(tasks.status, "running"),
          eq(tasks.halted, false),
        ),
      )
      .orderBy(sql`${steps.queuedSince} asc nulls last`, steps.ordinal)
      .limit(8)
      .for("update", { of: steps, skipLocked: true });
    for (const { step, task, groupLimit } of candidates) {
      // Only limited groups count slots: an unlimited group's row would otherwise be a hot spot
      // that every claim and every ending of that graph step queues on.
      const groupKeys = [
        ...(groupLimit > 0 ? [step.groupKey] : []),
        ...(task.maxInFlight > 0 ? [TASK_GROUP] : []),
      ];
      const slots =
        groupKeys.length === 0
          ? []
          : await tx
              .update(stepGroups)
              .set({ inFlight: sql`${stepGroups.inFlight} + 1` })
              .where(
                and(
                  eq(stepGroups.taskId, step.taskId),
                  inArray(stepGroups.groupKey, groupKeys),
                  sql`(${stepGroups.limit} = 0 or ${stepGroups.inFlight} < ${stepGroups.limit})`,
                ),
              )
              .returning({ groupKey: stepGroups.groupKey });
      if (slots.length < groupKeys.length) {
        if (slots.length)
          await releaseSlots(
            tx,
            step.taskId,
            slots.map((s) => s.groupKey),
          );
        continue;
      }
      const picked = stepTransition(stepState(step, opts), { type: "attempt-started" }, now);
      const start = picked.commands.find((c) => c.type === "start-attempt");
      if (!start) {
        await releaseSlots(tx, step.taskId, groupKeys);
        continue;
      }
      // The attempt is born dispatched: its lease epoch is its number, so a report naming an
      // older epoch comes from a stale holder.
      const dispatched = attemptTransition(
        newAttempt(randomUUID(), start.number, now),
        { type: "dispatch", epoch: start.number },
        now,
        timeoutsOf(step, opts),
      );
      const [stored] = await tx
        .insert(attempts)
        .values({
          id: dispatched.state.id,
          stepId: step.id,
          taskId: step.taskId,
          nodeId: params.nodeId,
          number: start.number,
          queuedAt: params.now,
          ...attemptPatch(dispatched.state),
        })
        .returning();
      const [updatedStep] = await tx
        .update(steps)
        .set(stepPatch(picked.state))
        .where(eq(steps.id, step.id))
        .returning();
      if (!stored || !updatedStep) throw new Error("update returned no row");
      return {
        attempt: stored,
        step: updatedStep,
        task: { id: task.id, mode: task.mode, clusterId: task.clusterId, kind: task.kind },
      };
    }
    return null;
  });
}

async function releaseSlots(db: Db, taskId: string, groupKeys: string[]) {
  await db
    .update(stepGroups)
    .set({ inFlight: sql`greatest(${stepGroups.inFlight} - 1, 0)` })
    .where(
      and(
        eq(stepGroups.taskId, taskId),
        inArray(stepGroups.groupKey, groupKeys),
        // Unlimited groups never took a slot (see claimAttempt); their rows stay unlocked.
        sql`${stepGroups.limit} > 0`,
      ),
    );
}

// ---------- reports from agents and timers ----------

export type ReportResult =
  | { accepted: true; attempt: AttemptRow }
  | { accepted: false; stale: boolean; reason: string; attempt: AttemptRow | null };

/**
 * Applies one event to an attempt (an agent report, a timer, a cancel). Idempotent: a report that
 * changes nothing (repeated, stale epoch, already final) is answered without writing.
 */
export async function applyAttemptEvent(
  db: Db,
  params: {
    attemptId: string;
    event: AttemptEvent;
    now: Date;
    /** When an agent reports: the node it authenticated as; another node's attempt is refused. */
    nodeId?: string;
  },
  opts: EngineOptions = DEFAULT_ENGINE_OPTIONS,
): Promise<ReportResult> {
  // Only these can end an attempt, and so change steps, dependents and the task.
  const mayEnd = !["dispatch", "started", "heartbeat"].includes(params.event.type);
  return retryOnConflict(() =>
    db.transaction(async (tx) => {
      if (mayEnd) {
        // Lock order: the task first. A transaction that may end steps takes the task row before
        // anything else, so endings on one task queue up at their start instead of deadlocking
        // later while each holds rows the other needs.
        const [owner] = await tx
          .select({ taskId: attempts.taskId })
          .from(attempts)
          .where(eq(attempts.id, params.attemptId));
        if (owner)
          await tx
            .select({ id: tasks.id })
            .from(tasks)
            .where(eq(tasks.id, owner.taskId))
            .for("update");
      }
      const [row] = await tx
        .select()
        .from(attempts)
        .where(eq(attempts.id, params.attemptId))
        .for("update");
      if (!row) return { accepted: false, stale: false, reason: "unknown attempt", attempt: null };
      if (params.nodeId !== undefined && row.nodeId !== params.nodeId)
        return { accepted: false, stale: false, reason: "another node's attempt", attempt: null };
      const stepQuery = tx.select().from(steps).where(eq(steps.id, row.stepId));
      const [step] = mayEnd ? await stepQuery.for("update") : await stepQuery;
      if (!step) return { accepted: false, stale: false, reason: "unknown step", attempt: row };
      const now = params.now.getTime();
      const t = attemptTransition(attemptState(row), params.event, now, timeoutsOf(step, opts));
      if (t.stale || t.ignored)
        return {
          accepted: false,
          stale: Boolean(t.stale),
          reason: t.ignored?.message.en ?? "stale epoch",
          attempt: row,
        };
      const [stored] = await tx
        .update(attempts)
        .set(attemptPatch(t.state))
        .where(eq(attempts.id, row.id))
        .returning();
      if (!stored) throw new Error("update returned no row");
      // A kill is news for the node: wake its poll instead of letting it wait out the timeout.
      if (t.commands.some((c) => c.type === "send-kill")) await notifyNodes(tx, [row.nodeId]);
      for (const c of t.commands)
        if (c.type === "attempt-final")
          await attemptEnded(tx, step, c.status, c.exitCode, now, opts);
      return { accepted: true, attempt: stored };
    }),
  );
}

/**
 * Concurrent endings on one task touch overlapping rows (groups, dependents, the task) in orders
 * no single lock order fixes without serialising every report. PostgreSQL detects the rare
 * deadlock and aborts one side; that side runs again from the start — nothing of it was written.
 */
async function retryOnConflict<T>(fn: () => Promise<T>, tries = 6): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      const err = e as { cause?: { code?: string }; code?: string };
      const code = err.cause?.code ?? err.code;
      if (i >= tries || (code !== "40P01" && code !== "40001")) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * i));
    }
  }
}

async function attemptEnded(
  tx: Db,
  step: StepRow,
  status: AttemptStatus,
  exitCode: number | null,
  now: number,
  opts: EngineOptions,
) {
  // The task-wide slot row exists only when the task has a limit; releasing it is a no-op otherwise.
  await releaseSlots(tx, step.taskId, [step.groupKey, TASK_GROUP]);
  const ended = status as Extract<StepEvent, { type: "attempt-ended" }>["status"];
  await applyStepEvent(tx, step, { type: "attempt-ended", status: ended, exitCode }, now, opts);
  await progress(tx, step.taskId, now);
}

/** One step event, persisted; a final step updates its group and resolves its dependents. */
async function applyStepEvent(
  tx: Db,
  step: StepRow,
  event: StepEvent,
  now: number,
  opts: EngineOptions,
): Promise<StepStatus> {
  const t = stepTransition(stepState(step, opts), event, now);
  if (t.ignored) return step.status;
  await tx.update(steps).set(stepPatch(t.state)).where(eq(steps.id, step.id));
  if (FINAL_STEP.has(t.state.status)) {
    if (t.state.status === "failed")
      await tx
        .update(stepGroups)
        .set({ failed: sql`${stepGroups.failed} + 1` })
        .where(and(eq(stepGroups.taskId, step.taskId), eq(stepGroups.groupKey, step.groupKey)));
    await resolveDependents(
      tx,
      step.taskId,
      [{ key: step.key, status: t.state.status }],
      now,
      opts,
    );
  }
  return t.state.status;
}

/**
 * Walks the consequences of finished entries through the plan: counters on dependents, steps that
 * become ready or are cancelled by a failed dependency, barriers that resolve — breadth first, so a
 * long chain is a loop, not a deep recursion.
 */
async function resolveDependents(
  tx: Db,
  taskId: string,
  finished: { key: string; status: StepStatus }[],
  now: number,
  opts: EngineOptions,
) {
  const queue = [...finished];
  while (queue.length) {
    const done = queue.shift()!;
    const dependents = await tx
      .select()
      .from(steps)
      .where(
        and(
          eq(steps.taskId, taskId),
          // Only a blocked entry reacts to a dependency; the others' counters no longer matter
          // (retry recounts from scratch), and leaving them unlocked keeps claims out of our way.
          eq(steps.status, "blocked"),
          sql`${steps.dependsOn} @> array[${done.key}]::text[]`,
        ),
      )
      .for("update");
    if (dependents.length === 0) continue;
    const counters: JoinCounter[] = dependents.map((d) => ({
      key: d.key,
      kind: d.kind,
      join: d.join,
      total: d.dependsOn.length,
      remaining: d.remaining,
      failedDeps: d.failedDeps,
      status: d.status,
    }));
    const effects = dependencyEffects(done, counters);
    if (effects.counters.length) {
      const values = sql.join(
        effects.counters.map((c) => sql`(${c.key}, ${c.remaining}::int, ${c.failedDeps}::int)`),
        sql`, `,
      );
      await tx.execute(sql`
        update step set remaining = v.remaining, failed_deps = v.failed_deps
        from (values ${values}) as v(key, remaining, failed_deps)
        where step.task_id = ${taskId} and step.key = v.key`);
    }
    const byKey = new Map(dependents.map((d) => [d.key, d]));
    for (const b of effects.barriers) {
      const row = byKey.get(b.key);
      if (!row) continue;
      await tx
        .update(steps)
        .set({ status: b.status, reason: b.reason })
        .where(eq(steps.id, row.id));
      queue.push({ key: b.key, status: b.status });
    }
    for (const s of effects.steps) {
      const row = byKey.get(s.key);
      if (!row) continue;
      const t = stepTransition(stepState(row, opts), s.event, now);
      if (t.ignored) continue;
      await tx.update(steps).set(stepPatch(t.state)).where(eq(steps.id, row.id));
      if (t.state.status === "ready") await notifyNodes(tx, [row.nodeId]);
      if (FINAL_STEP.has(t.state.status)) queue.push({ key: row.key, status: t.state.status });
    }
  }
}

/** Feeds the task machine the current counts; ends, halts or keeps the task running. */
async function progress(tx: Db, taskId: string, now: number) {
  // Lock first, then look: two endings committing at once must not each see the other's step as
  // still open and both leave the task running. The second waits here and sees the first's work.
  const [task] = await tx.select().from(tasks).where(eq(tasks.id, taskId)).for("update");
  if (!task) return;
  // Fast path for the common case, one index probe instead of counting every step: a running,
  // unhalted task with steps still to finish and no group over its tolerance stays as it is.
  if (task.status === "running" && !task.halted) {
    const probe = (await tx.execute(sql`
      select
        exists (select 1 from step where task_id = ${taskId}
                and status in ('blocked', 'ready', 'running', 'retry_wait')) as open,
        exists (select 1 from step_group where task_id = ${taskId}
                and failed > tolerated) as over_tolerance`)) as unknown as {
      rows: { open: boolean; over_tolerance: boolean }[];
    };
    if (probe.rows[0]?.open && !probe.rows[0]?.over_tolerance) return;
  }
  const rows = await tx
    .select({ status: steps.status, n: sql<number>`count(*)::int` })
    .from(steps)
    .where(and(eq(steps.taskId, taskId), eq(steps.kind, "step")))
    .groupBy(steps.status);
  const n = (s: StepStatus) => rows.find((r) => r.status === s)?.n ?? 0;
  const total = rows.reduce((a, r) => a + r.n, 0);
  const groups = await tx
    .select({
      group: stepGroups.groupKey,
      failed: stepGroups.failed,
      tolerated: stepGroups.tolerated,
    })
    .from(stepGroups)
    .where(eq(stepGroups.taskId, taskId));
  const tolerance = exceededTolerance(groups);
  await applyTaskEvent(
    tx,
    task,
    {
      type: "progress",
      counts: {
        total,
        succeeded: n("succeeded"),
        failed: n("failed"),
        skipped: n("skipped"),
        cancelled: n("cancelled"),
        running: n("running"),
      },
      toleranceExceeded: tolerance !== null,
      ...(tolerance ? { tolerance } : {}),
    },
    now,
  );
}

async function applyTaskEvent(tx: Db, task: TaskRow, event: TaskEvent, now: number) {
  const t = taskTransition(taskState(task), event, now);
  if (t.ignored) return t;
  await tx
    .update(tasks)
    .set({
      status: t.state.status,
      halted: t.state.halted,
      reason: t.state.reason,
      startedAt: date(t.state.startedAt),
      endedAt: date(t.state.endedAt),
      deadlineAt: date(t.state.deadlineAt),
    })
    .where(eq(tasks.id, task.id));
  for (const c of t.commands)
    if (c.type === "task-final")
      await insertTaskEvent(tx, {
        taskId: task.id,
        type: "ended",
        actor: null,
        data: { status: c.status },
      });
  return t;
}

// ---------- operator actions ----------

/**
 * Graceful cancel (by an operator, or by the task's deadline): waiting steps end at once; running
 * attempts get a kill and end only when the agent confirms the process tree is gone. Nothing
 * already done is undone.
 */
export async function cancelTask(
  db: Db,
  params: { taskId: string; actor: string | null; now: Date; because?: "cancel" | "deadline" },
  opts: EngineOptions = DEFAULT_ENGINE_OPTIONS,
) {
  const now = params.now.getTime();
  const because = params.because ?? "cancel";
  const openAttempts = await db.transaction(async (tx) => {
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, params.taskId)).for("update");
    if (!task) throw new CairnError("task.not-found", { ref: params.taskId });
    const t = await applyTaskEvent(tx, task, { type: because }, now);
    if (t.ignored) {
      if (because === "deadline") return [];
      throw new CairnError("task.not-cancellable", { status: task.status });
    }
    await insertTaskEvent(tx, { taskId: task.id, type: because, actor: params.actor });
    const waiting = await tx
      .select()
      .from(steps)
      .where(
        and(eq(steps.taskId, task.id), inArray(steps.status, ["blocked", "ready", "retry_wait"])),
      );
    for (const s of waiting) {
      const st = stepTransition(stepState(s, opts), { type: "cancel" }, now);
      if (!st.ignored) await tx.update(steps).set(stepPatch(st.state)).where(eq(steps.id, s.id));
    }
    const open = await tx
      .select({ id: attempts.id })
      .from(attempts)
      .where(
        and(eq(attempts.taskId, task.id), inArray(attempts.status, ["queued", ...OPEN_ATTEMPT])),
      );
    await progress(tx, task.id, now);
    return open;
  });
  for (const a of openAttempts)
    await applyAttemptEvent(
      db,
      { attemptId: a.id, event: { type: "cancel" }, now: params.now },
      opts,
    );
}

/**
 * Graceful stop: no new attempts start, running ones finish, nothing is destroyed; `resume`
 * carries on where it stopped.
 */
export async function pauseTask(
  db: Db,
  params: { taskId: string; actor: string | null; now: Date },
) {
  await setTaskRunState(db, params, "pause");
}

export async function resumeTask(
  db: Db,
  params: { taskId: string; actor: string | null; now: Date },
) {
  await setTaskRunState(db, params, "resume");
}

async function setTaskRunState(
  db: Db,
  params: { taskId: string; actor: string | null; now: Date },
  type: "pause" | "resume",
) {
  await db.transaction(async (tx) => {
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, params.taskId)).for("update");
    if (!task) throw new CairnError("task.not-found", { ref: params.taskId });
    const t = await applyTaskEvent(tx, task, { type }, params.now.getTime());
    if (t.ignored) throw new CairnError("task.wrong-state", { status: task.status, action: type });
    await insertTaskEvent(tx, { taskId: task.id, type, actor: params.actor });
    if (type === "resume") {
      const ready = await tx
        .select({ nodeId: steps.nodeId })
        .from(steps)
        .where(and(eq(steps.taskId, task.id), eq(steps.status, "ready")));
      await notifyNodes(
        tx,
        ready.map((r) => r.nodeId),
      );
      await progress(tx, task.id, params.now.getTime());
    }
  });
}

export interface RetryInput {
  taskId: string;
  actor: string | null;
  /** Absent: retry what failed (failed and dependency-cancelled steps). Present: re-run this graph
   * step on these nodes (all its nodes when none are named) even if it succeeded. */
  from?: { stepId: string; nodeIds?: string[] };
  now: Date;
}

/**
 * "Retry failed" and "retry from step X": the chosen steps and everything downstream of them go
 * back to blocked or ready (attempt numbers continue, history stays), counters are recomputed from
 * the dependencies' statuses, and the task runs again. Recorded as an event naming who asked.
 */
export async function retryTask(
  db: Db,
  input: RetryInput,
  opts: EngineOptions = DEFAULT_ENGINE_OPTIONS,
): Promise<{ reset: number }> {
  const now = input.now.getTime();
  return db.transaction(async (tx) => {
    const [task] = await tx.select().from(tasks).where(eq(tasks.id, input.taskId)).for("update");
    if (!task) throw new CairnError("task.not-found", { ref: input.taskId });
    if (task.mode === "plan" || !["failed", "cancelled", "succeeded"].includes(task.status))
      throw new CairnError("task.not-retryable", { status: task.status });
    const all = await tx.select().from(steps).where(eq(steps.taskId, task.id)).for("update");
    const byKey = new Map(all.map((r) => [r.key, r]));
    const dependents = new Map<string, string[]>();
    for (const r of all)
      for (const d of r.dependsOn) {
        const list = dependents.get(d);
        if (list) list.push(r.key);
        else dependents.set(d, [r.key]);
      }
    const seeds = all.filter((r) =>
      input.from
        ? r.kind === "step" &&
          r.stepId === input.from.stepId &&
          (!input.from.nodeIds?.length || input.from.nodeIds.includes(r.nodeId ?? ""))
        : r.status === "failed" || r.status === "cancelled",
    );
    if (seeds.length === 0)
      throw new CairnError("task.nothing-to-retry", { step: input.from?.stepId ?? "-" });
    const chosen = new Set<string>();
    const queue = seeds.map((r) => r.key);
    while (queue.length) {
      const key = queue.pop()!;
      if (chosen.has(key)) continue;
      const row = byKey.get(key);
      // What the plan skipped stays skipped: its condition, not a failure, kept it from running.
      if (!row || row.status === "skipped") continue;
      chosen.add(key);
      queue.push(...(dependents.get(key) ?? []));
    }
    // Reset in plan order, so every entry's dependencies already carry their new status.
    const status = new Map(all.map((r) => [r.key, r.status as StepStatus]));
    const reset = all.filter((r) => chosen.has(r.key)).sort((a, b) => a.ordinal - b.ordinal);
    for (const r of reset) {
      const counter = recount(
        r.join,
        r.dependsOn.map((d) => status.get(d) ?? "blocked"),
      );
      const met = joinState({ join: r.join, total: r.dependsOn.length, ...counter }) === "met";
      let next: Partial<StepRow>;
      if (r.kind === "barrier") next = { status: met ? "succeeded" : "blocked", reason: null };
      else {
        const t = stepTransition(stepState(r, opts), { type: "reset", dependenciesMet: met }, now);
        if (t.ignored) continue;
        next = stepPatch(t.state);
      }
      status.set(r.key, next.status!);
      await tx
        .update(steps)
        .set({ ...next, remaining: counter.remaining, failedDeps: counter.failedDeps })
        .where(eq(steps.id, r.id));
    }
    // Failure counts per group start again from what is still failed.
    await tx.execute(sql`
      update step_group g set failed = (
        select count(*)::int from step s
        where s.task_id = g.task_id and s.group_key = g.group_key and s.status = 'failed')
      where g.task_id = ${task.id}`);
    const t = taskTransition(taskState(task), { type: "retry" }, now);
    await tx
      .update(tasks)
      .set({
        status: t.state.status,
        halted: t.state.halted,
        reason: t.state.reason,
        endedAt: date(t.state.endedAt),
      })
      .where(eq(tasks.id, task.id));
    await insertTaskEvent(tx, {
      taskId: task.id,
      type: input.from ? "retry-from-step" : "retry-failed",
      actor: input.actor,
      data: { reset: reset.length, ...(input.from ? { from: input.from } : {}) },
    });
    await notifyNodes(
      tx,
      reset.filter((r) => status.get(r.key) === "ready").map((r) => r.nodeId),
    );
    await progress(tx, task.id, now);
    return { reset: reset.length };
  });
}

/**
 * Timers, swept by whichever process holds the sweep lock: attempts past their deadline are
 * killed, attempts whose agent went silent are lost, retries that are due become ready, tasks past
 * their deadline are cancelled. Returns how many events it applied.
 */
export async function sweep(
  db: Db,
  params: { now: Date },
  opts: EngineOptions = DEFAULT_ENGINE_OPTIONS,
): Promise<number> {
  const now = params.now;
  let applied = 0;
  const overdue = await db
    .select({ id: attempts.id })
    .from(attempts)
    .where(and(eq(attempts.status, "running"), lte(attempts.deadlineAt, now)))
    .limit(500);
  for (const a of overdue)
    if (
      (await applyAttemptEvent(db, { attemptId: a.id, event: { type: "deadline" }, now }, opts))
        .accepted
    )
      applied++;
  const silent = await db
    .select({ id: attempts.id })
    .from(attempts)
    .where(and(inArray(attempts.status, [...OPEN_ATTEMPT]), lte(attempts.heartbeatDeadlineAt, now)))
    .limit(500);
  for (const a of silent)
    if (
      (
        await applyAttemptEvent(
          db,
          { attemptId: a.id, event: { type: "heartbeat-expired" }, now },
          opts,
        )
      ).accepted
    )
      applied++;
  const lateTasks = await db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(inArray(tasks.status, ["running", "paused"]), lte(tasks.deadlineAt, now)))
    .limit(100);
  for (const t of lateTasks) {
    await cancelTask(db, { taskId: t.id, actor: null, now, because: "deadline" }, opts);
    applied++;
  }
  // Ready steps of a running task whose queue wait ran out (queueSeconds > 0), and retries due.
  const due = await db
    .select({ step: steps })
    .from(steps)
    .innerJoin(tasks, eq(tasks.id, steps.taskId))
    .where(
      and(
        inArray(steps.status, ["retry_wait", "ready"]),
        lte(steps.readyAt, now),
        eq(tasks.status, "running"),
      ),
    )
    .limit(500)
    .then((rows) => rows.map((r) => r.step));
  for (const s of due) {
    await db.transaction(async (tx) => {
      // Same lock order as every ending: the task, then the step.
      await tx.select({ id: tasks.id }).from(tasks).where(eq(tasks.id, s.taskId)).for("update");
      const [row] = await tx.select().from(steps).where(eq(steps.id, s.id)).for("update");
      if (!row) return;
      const event = row.status === "ready" ? "queue-timeout" : "retry-due";
      const t = stepTransition(stepState(row, opts), { type: event }, now.getTime());
      if (t.ignored) return;
      await tx.update(steps).set(stepPatch(t.state)).where(eq(steps.id, row.id));
      if (t.state.status === "ready") await notifyNodes(tx, [row.nodeId]);
      if (FINAL_STEP.has(t.state.status)) {
        await resolveDependents(
          tx,
          row.taskId,
          [{ key: row.key, status: t.state.status }],
          now.getTime(),
          opts,
        );
        await progress(tx, row.taskId, now.getTime());
      }
      applied++;
    });
  }
  return applied;
}

/** Attempts a node must kill: the agent is told on every poll until it confirms. */
export async function pendingKills(db: Db, params: { nodeId: string }) {
  return db
    .select({ id: attempts.id, epoch: attempts.epoch, killFor: attempts.killFor })
    .from(attempts)
    .where(and(eq(attempts.nodeId, params.nodeId), eq(attempts.status, "killing")));
}
