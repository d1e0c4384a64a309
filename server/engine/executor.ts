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
  insertAttemptForStep,
  insertAttemptsForSteps,
  lockAttemptWithStep,
  lockAttemptsForEnding,
  lockClaimCandidatesForNodes,
  writeEndings,
  lockBlockedDependents,
  lockClaimCandidates,
  lockTaskForProgress,
  probeTaskOpen,
  writeAttemptAndStep,
  writeSteps,
  type AttemptRow,
  type DependentWrite,
  type StepRow,
  type TaskRow,
} from "../../db/queries/engine";
import { attempts, stepGroups, steps, tasks } from "../../db/schema";
import { attemptTransition, newAttempt } from "../../domain/engine/attempt";
import { groupLimit, initialSteps } from "../../domain/engine/launch";
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
  type AttemptCommand,
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
/** Wakes every node that has a ready step in the task (after it was halted or paused). */
async function notifyReadyNodes(tx: Db, taskId: string) {
  const ready = await tx
    .selectDistinct({ nodeId: steps.nodeId })
    .from(steps)
    .where(and(eq(steps.taskId, taskId), eq(steps.status, "ready")));
  await notifyNodes(
    tx,
    ready.map((r) => r.nodeId),
  );
}

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
  try {
    return await db.transaction((tx) => claimWithin(tx, params, opts));
  } catch (e) {
    // Two polls of one node at once (two replicas, a retried request): the unique index on open
    // attempts per node lets one win; the other simply has no work this time.
    if (isUniqueViolation(e, "attempt_one_open_per_node")) return null;
    throw e;
  }
}

async function claimWithin(
  tx: Db,
  params: { nodeId: string; now: Date },
  opts: EngineOptions,
): Promise<Dispatch | null> {
  const candidates = await lockClaimCandidates(tx, { nodeId: params.nodeId, limit: 8 });
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
    const d = startAttempt(step, task, params.nodeId, params.now, opts);
    if (!d) {
      await releaseSlots(tx, step.taskId, groupKeys);
      continue;
    }
    await insertAttemptForStep(tx, { attempt: d.attempt, step: { id: step.id, ...d.patch } });
    return d.dispatch;
  }
  return null;
}

/**
 * What claiming `step` for `nodeId` makes: the step's move to running and the new attempt, born
 * dispatched (its lease epoch is its number, so a report naming an older epoch comes from a stale
 * holder). Null when the step machine refuses to start an attempt.
 */
function startAttempt(
  step: StepRow,
  task: Pick<TaskRow, "mode" | "clusterId" | "kind">,
  nodeId: string,
  at: Date,
  opts: EngineOptions,
) {
  const now = at.getTime();
  const picked = stepTransition(stepState(step, opts), { type: "attempt-started" }, now);
  const start = picked.commands.find((c) => c.type === "start-attempt");
  if (!start) return null;
  const dispatched = attemptTransition(
    newAttempt(randomUUID(), start.number, now),
    { type: "dispatch", epoch: start.number },
    now,
    timeoutsOf(step, opts),
  );
  const attempt: AttemptRow = {
    id: dispatched.state.id,
    stepId: step.id,
    taskId: step.taskId,
    nodeId,
    number: start.number,
    queuedAt: at,
    ...attemptPatch(dispatched.state),
  };
  const patch = stepPatch(picked.state);
  const dispatch: Dispatch = {
    attempt,
    step: { ...step, ...patch },
    task: { id: step.taskId, mode: task.mode, clusterId: task.clusterId, kind: task.kind },
  };
  return { attempt, patch, dispatch };
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
  const [result] = await applyAttemptEvents(
    db,
    { attemptId: params.attemptId, events: [params.event], now: params.now, nodeId: params.nodeId },
    opts,
  );
  return result!;
}

/**
 * Several events of one attempt in one transaction, in order (an agent's outbox often holds
 * `started` and `exited` together): each is judged by the pure machine against the state the
 * previous one left, and the attempt is written once. One result per event.
 */
export async function applyAttemptEvents(
  db: Db,
  params: AttemptEvents,
  opts: EngineOptions = DEFAULT_ENGINE_OPTIONS,
): Promise<ReportResult[]> {
  return retryOnConflict(() =>
    db.transaction(async (tx) => (await applyEventsWithin(tx, params, opts)).results),
  );
}

/**
 * An agent's report and its next poll in one transaction: when the report ends the attempt, the
 * node's next attempt (often the step the ending just made ready) is claimed before commit. Saves
 * the agent a request and the database a transaction per attempt.
 *
 * Reports arriving together are committed together (group commit, see ReportBatcher): while
 * earlier batches are in flight, new reports queue, and the next batch handles all of them in one
 * transaction of five statements. The result is the same as one transaction per report.
 */
export async function reportAndClaim(
  db: Db,
  params: AttemptEvents & { nodeId: string },
  opts: EngineOptions = DEFAULT_ENGINE_OPTIONS,
): Promise<ReportAndClaim> {
  const mayEnd = params.events.some((e) => !["dispatch", "started", "heartbeat"].includes(e.type));
  if (!mayEnd) return reportAndClaimOne(db, params, opts);
  let batcher = batchers.get(db);
  if (!batcher) batchers.set(db, (batcher = new ReportBatcher(db)));
  return batcher.submit(params, opts);
}

type ReportAndClaim = { results: ReportResult[]; next: Dispatch | null };

/** One report in its own transaction: the general path, which handles every case. */
async function reportAndClaimOne(
  db: Db,
  params: AttemptEvents & { nodeId: string },
  opts: EngineOptions,
): Promise<ReportAndClaim> {
  try {
    return await retryOnConflict(() =>
      db.transaction(async (tx) => {
        // The reporting node gets its next work in this answer: no need to wake it by NOTIFY.
        const applied = await applyEventsWithin(tx, { ...params, awake: params.nodeId }, opts);
        const next = applied.ended
          ? await claimWithin(tx, { nodeId: params.nodeId, now: params.now }, opts)
          : null;
        return { results: applied.results, next };
      }),
    );
  } catch (e) {
    // A poll of the same node claimed at the same moment: the report alone, then, and the work
    // went to that poll.
    if (!isUniqueViolation(e, "attempt_one_open_per_node")) throw e;
    return { results: await applyAttemptEvents(db, params, opts), next: null };
  }
}

// ---------- group commit ----------

const batchers = new WeakMap<Db, ReportBatcher>();

/** How group commit fares in this process (the bench prints it; tests assert it). */
export const reportBatchStats = { batches: 0, batchedReports: 0, fallbacks: 0 };

/** Batches in flight at once, and reports per batch. */
const BATCHES_IN_FLIGHT = 2;
const MAX_BATCH = 64;

interface Pending {
  params: AttemptEvents & { nodeId: string };
  opts: EngineOptions;
  resolve: (r: ReportAndClaim) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for reports that end attempts. No timer and no added latency: a report arriving
 * while fewer than BATCHES_IN_FLIGHT batches run starts one at once; reports arriving meanwhile
 * wait and go together in the next. A batch of one is the ordinary path. A batch takes the
 * common case only — every report ends its attempt successfully (or for a retry), needs no slot
 * and finishes no barrier, in a running task — and anything else (a refusal, a failure, a limited
 * group, two reports touching one step) makes the whole batch roll back and each report run
 * alone on the ordinary path, as if never batched.
 */
class ReportBatcher {
  private queue: Pending[] = [];
  private running = 0;

  constructor(private readonly db: Db) {}

  submit(params: AttemptEvents & { nodeId: string }, opts: EngineOptions) {
    return new Promise<ReportAndClaim>((resolve, reject) => {
      this.queue.push({ params, opts, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.running < BATCHES_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(batch: Pending[]) {
    if (batch.length > 1) {
      let answers: ReportAndClaim[] | null = null;
      try {
        answers = await reportBatch(this.db, batch);
      } catch {
        // Rolled back, nothing written: each report goes alone (a deadlock, a concurrent poll of
        // one of the nodes, a case the batch does not take).
        answers = null;
      }
      if (answers) {
        reportBatchStats.batches++;
        reportBatchStats.batchedReports += batch.length;
        batch.forEach((p, i) => p.resolve(answers[i]!));
        return;
      }
      reportBatchStats.fallbacks++;
    }
    await Promise.all(
      batch.map((p) => reportAndClaimOne(this.db, p.params, p.opts).then(p.resolve, p.reject)),
    );
  }
}

class NotBatchable extends Error {}

async function reportBatch(db: Db, batch: Pending[]): Promise<ReportAndClaim[]> {
  const nodes = new Set(batch.map((p) => p.params.nodeId));
  const ids = new Set(batch.map((p) => p.params.attemptId));
  if (nodes.size < batch.length || ids.size < batch.length) throw new NotBatchable();
  return db.transaction(async (tx) => {
    const locked = await lockAttemptsForEnding(tx, { attemptIds: [...ids] });
    const attemptWrites: (ReturnType<typeof attemptPatch> & { id: string })[] = [];
    const stepWrites: DependentWrite[] = [];
    const touched = new Set<string>();
    const results: ReportResult[][] = [];
    /** Tasks where a report closed the last open entry of its branch, with the report's time. */
    const finishing = new Map<string, number>();
    for (const { params, opts } of batch) {
      const found = locked.get(params.attemptId);
      if (!found || found.attempt.nodeId !== params.nodeId) throw new NotBatchable();
      const { task, step } = found;
      if (task.status !== "running" || task.halted || task.maxInFlight > 0)
        throw new NotBatchable();
      if (step.strategy && groupLimit(step.strategy) > 0) throw new NotBatchable();
      // Two reports whose steps or dependents meet would each decide from the same old rows.
      for (const id of [step.id, ...found.dependents.map((d) => d.id)]) {
        if (touched.has(id)) throw new NotBatchable();
        touched.add(id);
      }
      const now = params.now.getTime();
      const timeouts = timeoutsOf(step, opts);
      let state = attemptState(found.attempt);
      let final: Extract<AttemptCommand, { type: "attempt-final" }> | undefined;
      for (const event of params.events) {
        const t = attemptTransition(state, event, now, timeouts);
        if (t.stale || t.ignored) throw new NotBatchable();
        state = t.state;
        for (const c of t.commands) {
          if (c.type === "send-kill") throw new NotBatchable();
          if (c.type === "attempt-final") final = c;
        }
      }
      if (!final) throw new NotBatchable();
      const ended = stepTransition(
        stepState(step, opts),
        {
          type: "attempt-ended",
          status: final.status as Extract<StepEvent, { type: "attempt-ended" }>["status"],
          exitCode: final.exitCode,
        },
        now,
      );
      if (ended.ignored || ended.state.status === "failed") throw new NotBatchable();
      if (FINAL_STEP.has(ended.state.status)) {
        const level = dependentsLevel(
          { key: step.key, status: ended.state.status },
          found.dependents,
          now,
          opts,
          params.nodeId,
        );
        // A finished barrier walks further through the plan: the ordinary path does that.
        if (level.finished.length > 0) throw new NotBatchable();
        // Nothing of this branch is open any more: the task may be finished (decided below).
        if (!level.open) finishing.set(task.id, now);
        stepWrites.push(...level.writes);
      }
      const patch = attemptPatch(state);
      attemptWrites.push({ id: found.attempt.id, ...patch });
      stepWrites.push({
        id: step.id,
        ...stepPatch(ended.state),
        remaining: step.remaining,
        failedDeps: step.failedDeps,
        wake: null,
      });
      const row = { ...found.attempt, ...patch };
      results.push(params.events.map((): ReportResult => ({ accepted: true, attempt: row })));
    }
    await writeEndings(tx, { attempts: attemptWrites, steps: stepWrites, channel: WORK_CHANNEL });
    // As attemptEnded does: under the task's `no key update` lock, endings of one task decide one
    // after another whether it is finished.
    for (const [taskId, now] of finishing)
      await progress(tx, taskId, now, await lockTaskForProgress(tx, { taskId }));
    // Every reporting node's next attempt, in one statement.
    const candidates = await lockClaimCandidatesForNodes(tx, { nodeIds: [...nodes] });
    const byNode = new Map(batch.map((p) => [p.params.nodeId, p]));
    const next = new Map<string, Dispatch>();
    const inserts: Parameters<typeof insertAttemptsForSteps>[1]["items"] = [];
    const slotted: Pending[] = [];
    for (const c of candidates) {
      const p = byNode.get(c.nodeId)!;
      if (c.groupLimit > 0 || c.task.maxInFlight > 0) {
        slotted.push(p);
        continue;
      }
      const d = startAttempt(c.step, c.task, c.nodeId, p.params.now, p.opts);
      if (!d) continue;
      inserts.push({ attempt: d.attempt, step: { id: c.step.id, ...d.patch } });
      next.set(c.nodeId, d.dispatch);
    }
    await insertAttemptsForSteps(tx, { items: inserts });
    // A step that needs a slot of a limited group: claimed as a poll claims, slots and all (the
    // node was told nothing else: its report's answer is where it learns of its next step).
    for (const p of slotted) {
      const d = await claimWithin(tx, { nodeId: p.params.nodeId, now: p.params.now }, p.opts);
      if (d) next.set(p.params.nodeId, d);
    }
    return batch.map((p, i) => ({ results: results[i]!, next: next.get(p.params.nodeId) ?? null }));
  });
}

interface AttemptEvents {
  attemptId: string;
  events: AttemptEvent[];
  now: Date;
  /** When an agent reports: the node it authenticated as; another node's attempt is refused. */
  nodeId?: string;
}

async function applyEventsWithin(
  tx: Db,
  params: AttemptEvents & { awake?: string },
  opts: EngineOptions,
): Promise<{ results: ReportResult[]; ended: boolean }> {
  // Only these can end an attempt, and so change steps, dependents and the task.
  const mayEnd = params.events.some((e) => !["dispatch", "started", "heartbeat"].includes(e.type));
  // One round trip locks what the report may change: the attempt and, when it may end it, the task
  // (key share), the step and its blocked dependents.
  const found = await lockAttemptWithStep(tx, { attemptId: params.attemptId, forEnding: mayEnd });
  const refuse = (reason: string, attempt: AttemptRow | null) => ({
    results: params.events.map((): ReportResult => ({
      accepted: false,
      stale: false,
      reason,
      attempt,
    })),
    ended: false,
  });
  if (!found) return refuse("unknown attempt", null);
  if (params.nodeId !== undefined && found.attempt.nodeId !== params.nodeId)
    return refuse("another node's attempt", null);
  const { step, task } = found;
  const now = params.now.getTime();
  const timeouts = timeoutsOf(step, opts);
  let state = attemptState(found.attempt);
  let row = found.attempt;
  const results: ReportResult[] = [];
  const ended: Extract<AttemptCommand, { type: "attempt-final" }>[] = [];
  let kill = false;
  for (const event of params.events) {
    const t = attemptTransition(state, event, now, timeouts);
    if (t.stale || t.ignored) {
      results.push({
        accepted: false,
        stale: Boolean(t.stale),
        reason: t.ignored?.message.en ?? "stale epoch",
        attempt: row,
      });
      continue;
    }
    state = t.state;
    row = { ...row, ...attemptPatch(state) };
    results.push({ accepted: true, attempt: row });
    for (const c of t.commands) {
      if (c.type === "send-kill") kill = true;
      if (c.type === "attempt-final") ended.push(c);
    }
  }
  if (!results.some((r) => r.accepted)) return { results, ended: false };
  // Every accepted result names the attempt as finally written.
  for (const r of results) if (r.accepted) r.attempt = row;
  const final = ended.at(-1);
  if (!final) {
    await writeAttemptAndStep(tx, { attemptId: row.id, attempt: attemptPatch(state) });
    // A kill is news for the node: wake its poll instead of letting it wait out the timeout.
    if (kill) await notifyNodes(tx, [row.nodeId]);
    return { results, ended: false };
  }
  await attemptEnded(tx, {
    awake: params.awake,
    task,
    step,
    dependents: found.dependents,
    attemptId: row.id,
    attempt: attemptPatch(state),
    status: final.status,
    exitCode: final.exitCode,
    now,
    opts,
  });
  return { results, ended: true };
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

/** Writes an attempt's final state and everything that follows from it: slots, step, dependents, task. */
async function attemptEnded(
  tx: Db,
  p: {
    /** A node known to be awake (it is reporting and gets work in the answer): not woken. */
    awake?: string;
    task: TaskRow | undefined;
    step: StepRow;
    /** The blocked entries depending on the step, locked with it. */
    dependents: StepRow[];
    attemptId: string;
    attempt: ReturnType<typeof attemptPatch>;
    status: AttemptStatus;
    exitCode: number | null;
    now: number;
    opts: EngineOptions;
  },
) {
  const { task, step, status, exitCode, now, opts } = p;
  // Slots exist only for limited groups and a task-wide limit; unlimited ones were never taken.
  const limited =
    (step.strategy ? groupLimit(step.strategy) > 0 : false) || (task?.maxInFlight ?? 1) > 0;
  if (limited) await releaseSlots(tx, step.taskId, [step.groupKey, TASK_GROUP]);
  const ended = status as Extract<StepEvent, { type: "attempt-ended" }>["status"];
  const t = stepTransition(
    stepState(step, opts),
    { type: "attempt-ended", status: ended, exitCode },
    now,
  );
  let stillOpen = !t.ignored && !FINAL_STEP.has(t.state.status);
  let level: DependentsLevel = { writes: [], finished: [], open: false };
  if (!t.ignored && FINAL_STEP.has(t.state.status)) {
    if (t.state.status === "failed") await countGroupFailure(tx, step);
    level = dependentsLevel(
      { key: step.key, status: t.state.status },
      p.dependents,
      now,
      opts,
      p.awake,
    );
  }
  await writeAttemptAndStep(tx, {
    attemptId: p.attemptId,
    attempt: p.attempt,
    ...(t.ignored ? {} : { step: { id: step.id, ...stepPatch(t.state) } }),
    dependents: level.writes,
    channel: WORK_CHANNEL,
  });
  if (level.open) stillOpen = true;
  // Barriers resolved by this ending pass it on to their own dependents.
  if (
    level.finished.length &&
    (await resolveDependents(tx, step.taskId, level.finished, now, opts))
  )
    stillOpen = true;
  // A step that will run again, or a dependent that just became ready or still waits, means the
  // task is not finished: nothing to decide, and no lock to queue on (the common case — most
  // endings make the next step ready). One race is left to the sweep: another ending may halt the
  // task meanwhile, not seeing the step we made ready; `sweepHaltedTasks` ends such a task.
  if (stillOpen && t.state.status !== "failed" && task?.status === "running" && !task.halted)
    return;
  // Otherwise the last lock, held only until commit: endings of one task decide one after another
  // whether the task is finished, each seeing what the previous one committed. A halted task must
  // be looked at (its ready steps will never be claimed); a failure may exceed a tolerance.
  const fresh = await lockTaskForProgress(tx, { taskId: step.taskId });
  await progress(tx, step.taskId, now, fresh);
}

async function countGroupFailure(tx: Db, step: StepRow) {
  await tx
    .update(stepGroups)
    .set({ failed: sql`${stepGroups.failed} + 1` })
    .where(and(eq(stepGroups.taskId, step.taskId), eq(stepGroups.groupKey, step.groupKey)));
}

interface DependentsLevel {
  writes: DependentWrite[];
  /** Entries this level finished (barriers, cancelled steps): their dependents come next. */
  finished: { key: string; status: StepStatus }[];
  /** Some dependent is still open (ready or blocked): the task is not finished. */
  open: boolean;
}

/** What one finished entry does to its (locked, blocked) dependents: counters, readiness, endings. */
function dependentsLevel(
  done: { key: string; status: StepStatus },
  dependents: StepRow[],
  now: number,
  opts: EngineOptions,
  awake?: string,
): DependentsLevel {
  const out: DependentsLevel = { writes: [], finished: [], open: false };
  if (dependents.length === 0) return out;
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
  const next = new Map(
    dependents.map((d) => [
      d.key,
      { row: d, write: { ...d, wake: null as string | null }, changed: false },
    ]),
  );
  for (const c of effects.counters) {
    const e = next.get(c.key);
    if (!e) continue;
    e.write.remaining = c.remaining;
    e.write.failedDeps = c.failedDeps;
    e.changed = true;
  }
  for (const b of effects.barriers) {
    const e = next.get(b.key);
    if (!e) continue;
    e.write.status = b.status;
    e.write.reason = b.reason;
    e.changed = true;
    out.finished.push({ key: b.key, status: b.status });
  }
  for (const s of effects.steps) {
    const e = next.get(s.key);
    if (!e) continue;
    const t = stepTransition(stepState(e.row, opts), s.event, now);
    if (t.ignored) continue;
    Object.assign(e.write, stepPatch(t.state));
    e.changed = true;
    if (t.state.status === "ready" && e.row.nodeId !== awake) e.write.wake = e.row.nodeId;
    if (FINAL_STEP.has(t.state.status))
      out.finished.push({ key: e.row.key, status: t.state.status });
  }
  for (const e of next.values()) {
    if (!FINAL_STEP.has(e.write.status)) out.open = true;
    if (e.changed) out.writes.push(e.write);
  }
  return out;
}

/**
 * Walks the consequences of finished entries through the plan: counters on dependents, steps that
 * become ready or are cancelled by a failed dependency, barriers that resolve — breadth first, so a
 * long chain is a loop, not a deep recursion. Returns whether some dependent is still open (ready
 * or blocked), which proves the task is not finished.
 */
async function resolveDependents(
  tx: Db,
  taskId: string,
  finished: { key: string; status: StepStatus }[],
  now: number,
  opts: EngineOptions,
): Promise<boolean> {
  const queue = [...finished];
  let open = false;
  while (queue.length) {
    const done = queue.shift()!;
    // Only a blocked entry reacts to a dependency; the others' counters no longer matter (retry
    // recounts from scratch), and leaving them unlocked keeps claims out of our way.
    const dependents = await lockBlockedDependents(tx, { taskId, key: done.key });
    const level = dependentsLevel(done, dependents, now, opts);
    if (level.open) open = true;
    queue.push(...level.finished);
    await writeSteps(tx, { steps: level.writes, channel: WORK_CHANNEL });
  }
  return open;
}

/** Feeds the task machine the current counts; ends, halts or keeps the task running. */
async function progress(tx: Db, taskId: string, now: number, locked?: TaskRow) {
  // Lock first, then look: two endings committing at once must not each see the other's step as
  // still open and both leave the task running. The second waits here and sees the first's work.
  // A caller that already holds the task's lock passes the row it read under that lock.
  const task =
    locked ?? (await tx.select().from(tasks).where(eq(tasks.id, taskId)).for("update"))[0];
  // (`locked`: the caller read it under the `no key update` lock endings serialise on.)
  if (!task) return;
  // Fast path for the common case, one index probe instead of counting every step: a running,
  // unhalted task with steps still to finish and no group over its tolerance stays as it is.
  if (task.status === "running" && !task.halted) {
    const probe = await probeTaskOpen(tx, { taskId });
    if (probe.open && !probe.overTolerance) return;
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
  const openAttempts = await retryOnConflict(() =>
    db.transaction(async (tx) => {
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
    }),
  );
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
  await retryOnConflict(() =>
    db.transaction(async (tx) => {
      const [task] = await tx.select().from(tasks).where(eq(tasks.id, params.taskId)).for("update");
      if (!task) throw new CairnError("task.not-found", { ref: params.taskId });
      const t = await applyTaskEvent(tx, task, { type }, params.now.getTime());
      if (t.ignored)
        throw new CairnError("task.wrong-state", { status: task.status, action: type });
      await insertTaskEvent(tx, { taskId: task.id, type, actor: params.actor });
      if (type === "resume") {
        await notifyReadyNodes(tx, task.id);
        await progress(tx, task.id, params.now.getTime());
      }
    }),
  );
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
  return retryOnConflict(() =>
    db.transaction(async (tx) => {
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
          const t = stepTransition(
            stepState(r, opts),
            { type: "reset", dependenciesMet: met },
            now,
          );
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
      // Steps made ready by the reset, and those that were ready while the task was halted: their
      // nodes' polls learn of them now instead of at their next timeout.
      await notifyReadyNodes(tx, task.id);
      await progress(tx, task.id, now);
      return { reset: reset.length };
    }),
  );
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
    await retryOnConflict(() =>
      db.transaction(async (tx) => {
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
      }),
    );
  }
  applied += await sweepHaltedTasks(db, now);
  return applied;
}

/**
 * Halted tasks with nothing left running: ended here. Normally the ending that leaves nothing
 * running ends the task itself; this covers an ending that made a step ready while another ending
 * halted the task (neither saw the other's uncommitted change).
 */
async function sweepHaltedTasks(db: Db, now: Date): Promise<number> {
  const halted = await db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.status, "running"), eq(tasks.halted, true)))
    .limit(100);
  let ended = 0;
  for (const h of halted)
    await retryOnConflict(() =>
      db.transaction(async (tx) => {
        const [task] = await tx.select().from(tasks).where(eq(tasks.id, h.id)).for("update");
        if (!task || task.status !== "running" || !task.halted) return;
        await progress(tx, task.id, now.getTime(), task);
        const [after] = await tx
          .select({ status: tasks.status })
          .from(tasks)
          .where(eq(tasks.id, h.id));
        if (after?.status !== "running") ended++;
      }),
    );
  return ended;
}

/** Attempts a node must kill: the agent is told on every poll until it confirms. */
export async function pendingKills(db: Db, params: { nodeId: string }) {
  return db
    .select({ id: attempts.id, epoch: attempts.epoch, killFor: attempts.killFor })
    .from(attempts)
    .where(and(eq(attempts.nodeId, params.nodeId), eq(attempts.status, "killing")));
}
