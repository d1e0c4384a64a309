/**
 * SQL of the engine. Each function does one statement or one short locked read-modify-write; the
 * executor (server/engine) decides what to change by asking the pure transitions in domain/engine.
 */
import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
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
  // The reverse edges, for "who waits for this entry?" on every ending.
  await db.execute(sql`
    insert into step_dep (task_id, from_key, to_key)
    select task_id, unnest(depends_on), key from step where task_id = ${params.taskId}`);
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

// ---------------------------------------------------------------------------------------------
// Hot path: the statements every claim and every report runs. Hand-written SQL, as few round trips
// as the decisions allow (the pure transitions run in between): building queries and mapping rows
// through the query builder was most of the engine's CPU. Rows come back as `to_jsonb`, mapped
// once here, so PostgreSQL and PGlite read identically.

type Json = Record<string, unknown>;

const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function fromJson<T>(row: Json, dates: readonly string[]): T {
  const out: Json = {};
  for (const k in row) out[camel(k)] = row[k];
  for (const d of dates) {
    const v = out[d];
    if (typeof v === "string") out[d] = new Date(v);
  }
  return out as T;
}

const STEP_DATES = ["readyAt", "queuedSince"] as const;
const ATTEMPT_DATES = [
  "queuedAt",
  "dispatchedAt",
  "startedAt",
  "endedAt",
  "deadlineAt",
  "heartbeatDeadlineAt",
] as const;
const TASK_DATES = ["createdAt", "startedAt", "endedAt", "deadlineAt"] as const;

export const stepFromJson = (j: Json) => fromJson<StepRow>(j, STEP_DATES);
export const attemptFromJson = (j: Json) => fromJson<AttemptRow>(j, ATTEMPT_DATES);
export const taskFromJson = (j: Json) => fromJson<TaskRow>(j, TASK_DATES);

async function rows<T>(db: Db, statement: SQL): Promise<T[]> {
  return ((await db.execute(statement)) as unknown as { rows: T[] }).rows;
}

const OPEN = sql.raw(`('dispatched', 'running', 'killing')`);

/**
 * A node's claimable steps, oldest first, locked with SKIP LOCKED — and none at all while the node
 * still has an open attempt (one attempt per node; the unique index enforces it too).
 */
export async function lockClaimCandidates(db: Db, params: { nodeId: string; limit: number }) {
  const found = await rows<{
    s: Json;
    mode: TaskMode;
    cluster_id: string;
    kind: string;
    max_in_flight: number;
    group_limit: number;
  }>(
    db,
    sql`select to_jsonb(s) as s, t.mode, t.cluster_id, t.kind, t.max_in_flight, g."limit" as group_limit
      from step s
      join task t on t.id = s.task_id
      join step_group g on g.task_id = s.task_id and g.group_key = s.group_key
      where s.node_id = ${params.nodeId} and s.status = 'ready'
        and t.status = 'running' and not t.halted
        and not exists (select 1 from attempt a where a.node_id = ${params.nodeId} and a.status in ${OPEN})
      order by s.queued_since asc nulls last, s.ordinal
      limit ${params.limit}
      for update of s skip locked`,
  );
  return found.map((r) => ({
    step: stepFromJson(r.s),
    task: { mode: r.mode, clusterId: r.cluster_id, kind: r.kind, maxInFlight: r.max_in_flight },
    groupLimit: r.group_limit,
  }));
}

type StepWrite = Pick<
  StepRow,
  "status" | "attempts" | "attemptsAtReset" | "readyAt" | "queuedSince" | "reason"
>;
type AttemptWrite = Pick<
  AttemptRow,
  | "status"
  | "epoch"
  | "exitCode"
  | "reason"
  | "killFor"
  | "dispatchedAt"
  | "startedAt"
  | "endedAt"
  | "deadlineAt"
  | "heartbeatDeadlineAt"
>;

const jsonb = (v: unknown) =>
  v === null || v === undefined ? sql`null::jsonb` : sql`${JSON.stringify(v)}::jsonb`;
const tstz = (d: Date | null) =>
  d === null ? sql`null::timestamptz` : sql`${d.toISOString()}::timestamptz`;

function stepSet(s: StepWrite) {
  return sql`status = ${s.status}::step_status, attempts = ${s.attempts},
    attempts_at_reset = ${s.attemptsAtReset}, ready_at = ${tstz(s.readyAt)},
    queued_since = ${tstz(s.queuedSince)}, reason = ${jsonb(s.reason)}`;
}

function attemptSet(a: AttemptWrite) {
  return sql`status = ${a.status}::attempt_status, epoch = ${a.epoch}, exit_code = ${a.exitCode},
    reason = ${jsonb(a.reason)}, kill_for = ${a.killFor}, dispatched_at = ${tstz(a.dispatchedAt)},
    started_at = ${tstz(a.startedAt)}, ended_at = ${tstz(a.endedAt)},
    deadline_at = ${tstz(a.deadlineAt)}, heartbeat_deadline_at = ${tstz(a.heartbeatDeadlineAt)}`;
}

/** The attempt is born and its step moves to running, in one statement. */
export async function insertAttemptForStep(
  db: Db,
  params: { attempt: AttemptRow; step: StepWrite & { id: string } },
) {
  const a = params.attempt;
  await db.execute(sql`
    with a as (
      insert into attempt (id, step_id, task_id, node_id, number, status, epoch, exit_code, reason,
        kill_for, queued_at, dispatched_at, started_at, ended_at, deadline_at, heartbeat_deadline_at)
      values (${a.id}, ${a.stepId}, ${a.taskId}, ${a.nodeId}, ${a.number}, ${a.status}::attempt_status,
        ${a.epoch}, ${a.exitCode}, ${jsonb(a.reason)}, ${a.killFor}, ${tstz(a.queuedAt)},
        ${tstz(a.dispatchedAt)}, ${tstz(a.startedAt)}, ${tstz(a.endedAt)}, ${tstz(a.deadlineAt)},
        ${tstz(a.heartbeatDeadlineAt)})
      returning 1)
    update step set ${stepSet(params.step)} where id = ${params.step.id}`);
}

/**
 * The task row re-read under `no key update`, the lock endings of one task take last, just before
 * they decide whether the task is finished. It conflicts with itself (so the second ending waits
 * and then sees the first one's committed steps) but not with `key share` (so no ending waits for
 * another while holding it, and there is no cycle).
 */
export async function lockTaskForProgress(db: Db, params: { taskId: string }) {
  const [r] = await rows<{ t: Json }>(
    db,
    sql`select to_jsonb(t) as t from task t where t.id = ${params.taskId} for no key update`,
  );
  return r ? taskFromJson(r.t) : undefined;
}

/**
 * The attempt (locked) and its step. When the report may end the attempt, in the same round trip:
 * its task under `key share` (endings of one task proceed side by side, while operator actions,
 * which lock the task for update, wait for them and they for operator actions), the step, and the
 * blocked entries that depend on it (ordered by id, so concurrent endings lock shared dependents in
 * the same order) — everything an ending may change. A deadlock with an operator action is
 * possible in principle (PostgreSQL orders the row locks of one statement as it likes); it aborts
 * one side, which runs again from the start (the executor's retryOnConflict).
 */
export async function lockAttemptWithStep(
  db: Db,
  params: { attemptId: string; forEnding: boolean },
): Promise<
  { task?: TaskRow; attempt: AttemptRow; step: StepRow; dependents: StepRow[] } | undefined
> {
  if (params.forEnding)
    return (await lockAttemptsForEnding(db, { attemptIds: [params.attemptId] })).get(
      params.attemptId,
    );
  const [r] = await rows<{ a: Json; s: Json }>(
    db,
    sql`select to_jsonb(a) as a, to_jsonb(s) as s
      from attempt a join step s on s.id = a.step_id
      where a.id = ${params.attemptId} for update of a`,
  );
  return r
    ? { attempt: attemptFromJson(r.a), step: stepFromJson(r.s), dependents: [] as StepRow[] }
    : undefined;
}

export type DependentWrite = StepWrite & {
  id: string;
  remaining: number;
  failedDeps: number;
  /** The node to wake: set when the step became ready. */
  wake: string | null;
};

function dependentValues(list: DependentWrite[]) {
  return sql.join(
    list.map(
      (s) =>
        sql`(${s.id}::uuid, ${s.status}::step_status, ${s.attempts}::int, ${s.attemptsAtReset}::int,
          ${tstz(s.readyAt)}, ${tstz(s.queuedSince)}, ${jsonb(s.reason)}, ${s.remaining}::int,
          ${s.failedDeps}::int, ${s.wake}::text)`,
    ),
    sql`, `,
  );
}

const WRITE_DEPENDENTS = (values: SQL, channel: string) => sql`
  v(id, status, attempts, attempts_at_reset, ready_at, queued_since, reason, remaining,
    failed_deps, wake) as (values ${values}),
  u as (
    update step set status = v.status, attempts = v.attempts,
      attempts_at_reset = v.attempts_at_reset, ready_at = v.ready_at,
      queued_since = v.queued_since, reason = v.reason, remaining = v.remaining,
      failed_deps = v.failed_deps
    from v where step.id = v.id
    returning v.wake)
  select pg_notify(${channel}, w) from (select distinct wake as w from u where wake is not null) n`;

/**
 * Writes an attempt's new state, its step's when that changed too, and the dependents the ending
 * moved (waking the nodes of those that became ready; NOTIFY is delivered at commit) — one
 * statement.
 */
export async function writeAttemptAndStep(
  db: Db,
  params: {
    attemptId: string;
    attempt: AttemptWrite;
    step?: StepWrite & { id: string };
    dependents?: DependentWrite[];
    channel?: string;
  },
) {
  const attempt = sql`update attempt set ${attemptSet(params.attempt)} where id = ${params.attemptId}`;
  if (!params.step) {
    await db.execute(attempt);
    return;
  }
  const step = sql`update step set ${stepSet(params.step)} where id = ${params.step.id}`;
  if (!params.dependents?.length) {
    await db.execute(sql`with a as (${attempt} returning 1) ${step}`);
    return;
  }
  await db.execute(sql`
    with a as (${attempt} returning 1), s as (${step} returning 1),
    ${WRITE_DEPENDENTS(dependentValues(params.dependents), params.channel ?? "cairn_work")}`);
}

/** Blocked entries of a task that depend on `key`, locked: the ones a finished entry can move. */
export async function lockBlockedDependents(db: Db, params: { taskId: string; key: string }) {
  const found = await rows<{ s: Json }>(
    db,
    sql`select to_jsonb(s) as s from step_dep e
      join step s on s.task_id = e.task_id and s.key = e.to_key
      where e.task_id = ${params.taskId} and e.from_key = ${params.key} and s.status = 'blocked'
      order by s.id
      for update of s`,
  );
  return found.map((r) => stepFromJson(r.s));
}

/** Writes many dependents' states and counters in one statement, waking nodes of ready ones. */
export async function writeSteps(db: Db, params: { steps: DependentWrite[]; channel: string }) {
  if (params.steps.length === 0) return;
  await db.execute(sql`with ${WRITE_DEPENDENTS(dependentValues(params.steps), params.channel)}`);
}

/** Whether the task still has unfinished steps, and whether a group went over its tolerance. */
export async function probeTaskOpen(db: Db, params: { taskId: string }) {
  const [r] = await rows<{ open: boolean; over_tolerance: boolean }>(
    db,
    sql`select
      exists (select 1 from step where task_id = ${params.taskId}
              and status in ('blocked', 'ready', 'running', 'retry_wait')) as open,
      exists (select 1 from step_group where task_id = ${params.taskId}
              and failed > tolerated) as over_tolerance`,
  );
  return { open: Boolean(r?.open), overTolerance: Boolean(r?.over_tolerance) };
}

// ---------------------------------------------------------------------------------------------
// Group commit: the same statements for many agents' reports at once (see reportAndClaim in the
// executor). One statement locks every attempt of the batch, one writes every ending, one claims
// for every reporting node, one inserts every new attempt — a batch of N costs the round trips of
// one report.

/** An array of parameters (never spliced into the text). */
const textArray = (values: string[]) =>
  sql`array[${sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  )}]::text[]`;

/**
 * The attempts (locked) with everything their endings may change, in one statement, in attempt
 * id order: each attempt's task under `key share`, its step, and the step's blocked dependents
 * (locked in id order, so concurrent endings lock shared dependents in the same order).
 */
export async function lockAttemptsForEnding(db: Db, params: { attemptIds: string[] }) {
  const found = await rows<{ t: Json; a: Json; s: Json; d: Json[] | null }>(
    db,
    sql`select to_jsonb(t) as t, to_jsonb(a) as a, to_jsonb(s) as s,
          (select jsonb_agg(to_jsonb(d)) from (
             select d.* from step_dep e
             join step d on d.task_id = e.task_id and d.key = e.to_key
             where e.task_id = s.task_id and e.from_key = s.key and d.status = 'blocked'
             order by d.id for update of d) d) as d
        from task t join attempt a on a.task_id = t.id join step s on s.id = a.step_id
        where a.id = any(${textArray(params.attemptIds)}::uuid[])
        order by a.id
        for key share of t for update of a, s`,
  );
  return new Map(
    found.map((r) => {
      const attempt = attemptFromJson(r.a);
      return [
        attempt.id,
        {
          task: taskFromJson(r.t),
          attempt,
          step: stepFromJson(r.s),
          dependents: (r.d ?? []).map(stepFromJson),
        },
      ];
    }),
  );
}

/**
 * Many attempts' final states, their steps' and the dependents they moved, in one statement
 * (waking the nodes of dependents that became ready). Step rows must be distinct.
 */
export async function writeEndings(
  db: Db,
  params: {
    attempts: (AttemptWrite & { id: string })[];
    steps: DependentWrite[];
    channel: string;
  },
) {
  const attemptValues = sql.join(
    params.attempts.map(
      (a) =>
        sql`(${a.id}::uuid, ${a.status}::attempt_status, ${a.epoch}::int, ${a.exitCode}::int,
          ${jsonb(a.reason)}, ${a.killFor}::text, ${tstz(a.dispatchedAt)}, ${tstz(a.startedAt)},
          ${tstz(a.endedAt)}, ${tstz(a.deadlineAt)}, ${tstz(a.heartbeatDeadlineAt)})`,
    ),
    sql`, `,
  );
  await db.execute(sql`
    with av(id, status, epoch, exit_code, reason, kill_for, dispatched_at, started_at, ended_at,
      deadline_at, heartbeat_deadline_at) as (values ${attemptValues}),
    a as (
      update attempt set status = av.status, epoch = av.epoch, exit_code = av.exit_code,
        reason = av.reason, kill_for = av.kill_for, dispatched_at = av.dispatched_at,
        started_at = av.started_at, ended_at = av.ended_at, deadline_at = av.deadline_at,
        heartbeat_deadline_at = av.heartbeat_deadline_at
      from av where attempt.id = av.id
      returning 1),
    ${WRITE_DEPENDENTS(dependentValues(params.steps), params.channel)}`);
}

/**
 * lockClaimCandidates for many nodes in one statement: each node's oldest claimable step (none
 * while the node has an open attempt), locked with SKIP LOCKED.
 */
export async function lockClaimCandidatesForNodes(db: Db, params: { nodeIds: string[] }) {
  const found = await rows<{
    node_id: string;
    s: Json;
    mode: TaskMode;
    cluster_id: string;
    kind: string;
    max_in_flight: number;
    group_limit: number;
  }>(
    db,
    sql`select n.node_id, c.* from unnest(${textArray(params.nodeIds)}) as n(node_id)
      cross join lateral (
        select to_jsonb(s) as s, t.mode, t.cluster_id, t.kind, t.max_in_flight,
          g."limit" as group_limit
        from step s
        join task t on t.id = s.task_id
        join step_group g on g.task_id = s.task_id and g.group_key = s.group_key
        where s.node_id = n.node_id and s.status = 'ready'
          and t.status = 'running' and not t.halted
          and not exists (select 1 from attempt a where a.node_id = n.node_id and a.status in ${OPEN})
        order by s.queued_since asc nulls last, s.ordinal
        limit 1
        for update of s skip locked) c`,
  );
  return found.map((r) => ({
    nodeId: r.node_id,
    step: stepFromJson(r.s),
    task: { mode: r.mode, clusterId: r.cluster_id, kind: r.kind, maxInFlight: r.max_in_flight },
    groupLimit: r.group_limit,
  }));
}

/** insertAttemptForStep for many attempts (on distinct steps) in one statement. */
export async function insertAttemptsForSteps(
  db: Db,
  params: { items: { attempt: AttemptRow; step: StepWrite & { id: string } }[] },
) {
  if (params.items.length === 0) return;
  const attemptValues = sql.join(
    params.items.map(
      ({ attempt: a }) => sql`(${a.id}::uuid, ${a.stepId}::uuid, ${a.taskId}::uuid,
        ${a.nodeId}, ${a.number}::int, ${a.status}::attempt_status, ${a.epoch}::int,
        ${a.exitCode}::int, ${jsonb(a.reason)}, ${a.killFor}::text, ${tstz(a.queuedAt)},
        ${tstz(a.dispatchedAt)}, ${tstz(a.startedAt)}, ${tstz(a.endedAt)}, ${tstz(a.deadlineAt)},
        ${tstz(a.heartbeatDeadlineAt)})`,
    ),
    sql`, `,
  );
  const stepValues = sql.join(
    params.items.map(
      ({ step: s }) =>
        sql`(${s.id}::uuid, ${s.status}::step_status, ${s.attempts}::int,
          ${s.attemptsAtReset}::int, ${tstz(s.readyAt)}, ${tstz(s.queuedSince)}, ${jsonb(s.reason)})`,
    ),
    sql`, `,
  );
  await db.execute(sql`
    with a as (
      insert into attempt (id, step_id, task_id, node_id, number, status, epoch, exit_code, reason,
        kill_for, queued_at, dispatched_at, started_at, ended_at, deadline_at, heartbeat_deadline_at)
      values ${attemptValues}
      returning 1),
    v(id, status, attempts, attempts_at_reset, ready_at, queued_since, reason) as (
      values ${stepValues})
    update step set status = v.status, attempts = v.attempts,
      attempts_at_reset = v.attempts_at_reset, ready_at = v.ready_at,
      queued_since = v.queued_since, reason = v.reason
    from v where step.id = v.id`);
}
