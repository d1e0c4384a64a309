/**
 * Reads behind the task page and its log viewer: progress per graph step and per node, step
 * entries with their node's hostname, and the log's sections (one per attempt, with the line
 * counts a windowed viewer sizes itself by). Everything is aggregated in the database so a
 * 1,000-node × 20-step task (20,000 steps) costs one grouped scan, never 20,000 rows on the wire.
 */
import { sql, type SQL } from "drizzle-orm";
import type { AttemptStatus, Reason, StepStatus } from "../../domain/engine/types";
import type { NODE_PROGRESS_FILTERS } from "../../domain/task";
import type { Db } from "../client";
import { tailHorizon } from "./logs";

/** Both drivers answer `execute` with `{ rows }`; drizzle types the two differently. */
async function query<T>(db: Db, statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown as { rows: T[] };
  return result.rows;
}

const toDate = (v: string | Date | null): Date | null =>
  v === null ? null : v instanceof Date ? v : new Date(v);

// ---------------------------------------------------------------------------------------------
// Graph steps

export interface StepGroupSummary {
  stepId: string;
  /** The lowest plan position of the graph step: groups list in plan order. */
  ordinal: number;
  total: number;
  counts: Partial<Record<StepStatus, number>>;
  /** First start and last end of its attempts (null while none has). */
  startedAt: Date | null;
  endedAt: Date | null;
}

/** Steps per graph step and status (barriers are bookkeeping and left out), in plan order. */
export async function stepGroupSummary(
  db: Db,
  params: { taskId: string },
): Promise<StepGroupSummary[]> {
  const rows = await query<{
    step_id: string;
    ordinal: number;
    status: StepStatus;
    n: number;
  }>(
    db,
    sql`
    select step_id, min(ordinal)::int as ordinal, status, count(*)::int as n
    from step
    where task_id = ${params.taskId}::uuid and kind = 'step'
    group by step_id, status`,
  );
  const times = await query<{
    step_id: string;
    started_at: string | Date | null;
    ended_at: string | Date | null;
  }>(
    db,
    sql`
    select s.step_id, min(a.started_at) as started_at, max(a.ended_at) as ended_at
    from attempt a join step s on s.id = a.step_id
    where a.task_id = ${params.taskId}::uuid
    group by s.step_id`,
  );
  const groups = new Map<string, StepGroupSummary>();
  for (const r of rows) {
    let g = groups.get(r.step_id);
    if (!g) {
      g = {
        stepId: r.step_id,
        ordinal: r.ordinal,
        total: 0,
        counts: {},
        startedAt: null,
        endedAt: null,
      };
      groups.set(r.step_id, g);
    }
    g.ordinal = Math.min(g.ordinal, r.ordinal);
    g.total += r.n;
    g.counts[r.status] = (g.counts[r.status] ?? 0) + r.n;
  }
  for (const t of times) {
    const g = groups.get(t.step_id);
    if (!g) continue;
    g.startedAt = toDate(t.started_at);
    g.endedAt = toDate(t.ended_at);
  }
  return [...groups.values()].sort(
    (a, b) => a.ordinal - b.ordinal || a.stepId.localeCompare(b.stepId),
  );
}

// ---------------------------------------------------------------------------------------------
// Step entries (one graph step on one node)

export interface StepEntry {
  id: string;
  key: string;
  kind: "step" | "barrier";
  stepId: string;
  nodeId: string | null;
  /** Null when the node row is gone (or the plan named a node that is not a registered one). */
  hostname: string | null;
  status: StepStatus;
  attempts: number;
  reason: Reason | null;
  readyAt: Date | null;
  ordinal: number;
  /** The latest attempt's outcome and times, for a duration without opening the step. */
  lastExitCode: number | null;
  lastStartedAt: Date | null;
  lastEndedAt: Date | null;
}

export async function listStepEntries(
  db: Db,
  params: {
    taskId: string;
    status?: readonly StepStatus[];
    nodeId?: string;
    stepId?: string;
    includeBarriers: boolean;
    afterOrdinal?: number;
    limit: number;
  },
): Promise<{ items: StepEntry[]; nextAfterOrdinal: number | null }> {
  const rows = await query<{
    id: string;
    key: string;
    kind: "step" | "barrier";
    step_id: string;
    node_id: string | null;
    hostname: string | null;
    status: StepStatus;
    attempts: number;
    reason: Reason | null;
    ready_at: string | Date | null;
    ordinal: number;
    exit_code: number | null;
    started_at: string | Date | null;
    ended_at: string | Date | null;
  }>(
    db,
    sql`
    select s.id, s.key, s.kind, s.step_id, s.node_id, n.hostname, s.status, s.attempts, s.reason,
           s.ready_at, s.ordinal, a.exit_code, a.started_at, a.ended_at
    from step s
    left join node n on n.id::text = s.node_id
    left join lateral (
      select exit_code, started_at, ended_at from attempt
      where step_id = s.id order by number desc limit 1
    ) a on true
    where s.task_id = ${params.taskId}::uuid
      ${params.includeBarriers ? sql`` : sql`and s.kind = 'step'`}
      ${
        params.status?.length
          ? sql`and s.status::text in (${sql.join(
              params.status.map((x) => sql`${x}`),
              sql`, `,
            )})`
          : sql``
      }
      ${params.nodeId !== undefined ? sql`and s.node_id = ${params.nodeId}` : sql``}
      ${params.stepId !== undefined ? sql`and s.step_id = ${params.stepId}` : sql``}
      ${params.afterOrdinal !== undefined ? sql`and s.ordinal > ${params.afterOrdinal}::int` : sql``}
    order by s.ordinal
    limit ${params.limit + 1}`,
  );
  const items: StepEntry[] = rows.slice(0, params.limit).map((r) => ({
    id: r.id,
    key: r.key,
    kind: r.kind,
    stepId: r.step_id,
    nodeId: r.node_id,
    hostname: r.hostname,
    status: r.status,
    attempts: r.attempts,
    reason: r.reason,
    readyAt: toDate(r.ready_at),
    ordinal: r.ordinal,
    lastExitCode: r.exit_code,
    lastStartedAt: toDate(r.started_at),
    lastEndedAt: toDate(r.ended_at),
  }));
  return {
    items,
    nextAfterOrdinal: rows.length > params.limit ? (items.at(-1)?.ordinal ?? null) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Nodes

export type NodeProgressFilter = (typeof NODE_PROGRESS_FILTERS)[number];

export interface NodeProgress {
  nodeId: string;
  hostname: string | null;
  total: number;
  /** Succeeded or skipped: nothing left to do. */
  done: number;
  failed: number;
  running: number;
  /** Blocked, ready or waiting for a retry. */
  waiting: number;
  cancelled: number;
  /** The graph step running there now, if any. */
  current: string | null;
}

const NODE_FILTER_SQL: Record<NodeProgressFilter, SQL> = {
  all: sql`true`,
  failed: sql`count(*) filter (where s.status = 'failed') > 0`,
  running: sql`count(*) filter (where s.status = 'running') > 0`,
  waiting: sql`count(*) filter (where s.status in ('blocked', 'ready', 'retry_wait')) > 0`,
  done: sql`count(*) filter (where s.status in ('succeeded', 'skipped')) = count(*)`,
};

interface NodeCursor {
  h: string;
  id: string;
}

function encodeNodeCursor(c: NodeCursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeNodeCursor(cursor: string | null | undefined): NodeCursor | null {
  if (!cursor) return null;
  try {
    const c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as NodeCursor;
    return typeof c.h === "string" && typeof c.id === "string" ? c : null;
  } catch {
    return null;
  }
}

/**
 * Progress per node, ordered by hostname (keyset on hostname, node id), with how many nodes each
 * filter matches so the filter chips show counts without listing every node.
 */
export async function listNodeProgress(
  db: Db,
  params: {
    taskId: string;
    filter: NodeProgressFilter;
    search?: string;
    cursor?: string | null;
    limit: number;
  },
): Promise<{
  items: NodeProgress[];
  nextCursor: string | null;
  totals: Record<NodeProgressFilter, number>;
}> {
  const after = decodeNodeCursor(params.cursor);
  const label = sql`coalesce(n.hostname, s.node_id)`;
  const search = params.search?.trim();
  const rows = await query<{
    node_id: string;
    hostname: string | null;
    label: string;
    total: number;
    done: number;
    failed: number;
    running: number;
    waiting: number;
    cancelled: number;
    current: string | null;
  }>(
    db,
    sql`
    select s.node_id, n.hostname, ${label} as label,
           count(*)::int as total,
           count(*) filter (where s.status in ('succeeded', 'skipped'))::int as done,
           count(*) filter (where s.status = 'failed')::int as failed,
           count(*) filter (where s.status = 'running')::int as running,
           count(*) filter (where s.status in ('blocked', 'ready', 'retry_wait'))::int as waiting,
           count(*) filter (where s.status = 'cancelled')::int as cancelled,
           min(s.step_id) filter (where s.status = 'running') as current
    from step s
    left join node n on n.id::text = s.node_id
    where s.task_id = ${params.taskId}::uuid and s.kind = 'step' and s.node_id is not null
      ${search ? sql`and ${label} ilike ${`%${search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`}` : sql``}
      ${after ? sql`and (${label}, s.node_id) > (${after.h}, ${after.id})` : sql``}
    group by s.node_id, n.hostname
    having ${NODE_FILTER_SQL[params.filter]}
    order by ${label}, s.node_id
    limit ${params.limit + 1}`,
  );
  const [totals] = await query<Record<NodeProgressFilter, number>>(
    db,
    sql`
    select count(*)::int as all,
           count(*) filter (where failed > 0)::int as failed,
           count(*) filter (where running > 0)::int as running,
           count(*) filter (where waiting > 0)::int as waiting,
           count(*) filter (where done = total)::int as done
    from (
      select count(*) as total,
             count(*) filter (where status in ('succeeded', 'skipped')) as done,
             count(*) filter (where status = 'failed') as failed,
             count(*) filter (where status = 'running') as running,
             count(*) filter (where status in ('blocked', 'ready', 'retry_wait')) as waiting
      from step
      where task_id = ${params.taskId}::uuid and kind = 'step' and node_id is not null
      group by node_id
    ) per_node`,
  );
  const page = rows.slice(0, params.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      nodeId: r.node_id,
      hostname: r.hostname,
      total: r.total,
      done: r.done,
      failed: r.failed,
      running: r.running,
      waiting: r.waiting,
      cancelled: r.cancelled,
      current: r.current,
    })),
    nextCursor:
      rows.length > params.limit && last
        ? encodeNodeCursor({ h: last.label, id: last.node_id })
        : null,
    totals: totals ?? { all: 0, failed: 0, running: 0, waiting: 0, done: 0 },
  };
}

// ---------------------------------------------------------------------------------------------
// Log sections

export interface LogSection {
  attemptId: string;
  stepId: string;
  stepKey: string;
  nodeId: string;
  hostname: string | null;
  number: number;
  status: AttemptStatus;
  exitCode: number | null;
  reason: Reason | null;
  queuedAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  /** Lines received for the attempt (line numbers run 0 … totalLines − 1). */
  totalLines: number;
  /** Lines [fromLine, fromLine + lineCount) that retention dropped. */
  dropped: { fromLine: number; lineCount: number } | null;
}

interface SectionRow {
  attempt_id: string;
  step_id: string;
  key: string;
  node_id: string;
  hostname: string | null;
  number: number;
  status: AttemptStatus;
  exit_code: number | null;
  reason: Reason | null;
  queued_at: string | Date;
  started_at: string | Date | null;
  ended_at: string | Date | null;
  total_lines: number | null;
  kept_head_lines: number | null;
  dropped_lines: number | null;
}

function toSection(r: SectionRow): LogSection {
  return {
    attemptId: r.attempt_id,
    stepId: r.step_id,
    stepKey: r.key,
    nodeId: r.node_id,
    hostname: r.hostname,
    number: r.number,
    status: r.status,
    exitCode: r.exit_code,
    reason: r.reason,
    queuedAt: toDate(r.queued_at)!,
    startedAt: toDate(r.started_at),
    endedAt: toDate(r.ended_at),
    totalLines: r.total_lines ?? 0,
    dropped:
      r.dropped_lines && r.dropped_lines > 0
        ? { fromLine: r.kept_head_lines ?? 0, lineCount: r.dropped_lines }
        : null,
  };
}

interface SectionCursor {
  q: string;
  id: string;
}

/**
 * A task's log as sections: one per attempt, in the order attempts were created (queued), with
 * their line counts. Paged by (queued_at, attempt id). `since` (instead of a cursor) re-reads the
 * attempts created from that moment on, which is how a live viewer picks up new ones; `attemptIds`
 * re-reads chosen ones (their status and line counts change while they run).
 */
export async function listLogSections(
  db: Db,
  params: {
    taskId: string;
    nodeId?: string;
    stepId?: string;
    attemptIds?: readonly string[];
    since?: Date;
    cursor?: string | null;
    limit: number;
  },
): Promise<{ items: LogSection[]; nextCursor: string | null }> {
  let after: SectionCursor | null = null;
  if (params.cursor) {
    try {
      const c = JSON.parse(
        Buffer.from(params.cursor, "base64url").toString("utf8"),
      ) as SectionCursor;
      if (typeof c.q === "string" && typeof c.id === "string" && !Number.isNaN(Date.parse(c.q)))
        after = c;
    } catch {
      after = null;
    }
  }
  const ids = params.attemptIds;
  const rows = await query<SectionRow>(
    db,
    sql`
    select a.id as attempt_id, s.step_id, s.key, a.node_id, n.hostname, a.number, a.status,
           a.exit_code, a.reason, a.queued_at, a.started_at, a.ended_at,
           r.total_lines, r.kept_head_lines, r.dropped_lines
    from attempt a
    join step s on s.id = a.step_id
    left join node n on n.id::text = a.node_id
    left join log_retention r on r.attempt_id = a.id
    where a.task_id = ${params.taskId}::uuid
      ${params.nodeId !== undefined ? sql`and a.node_id = ${params.nodeId}` : sql``}
      ${params.stepId !== undefined ? sql`and s.step_id = ${params.stepId}` : sql``}
      ${
        ids?.length
          ? sql`and a.id in (${sql.join(
              ids.map((id) => sql`${id}::uuid`),
              sql`, `,
            )})`
          : sql``
      }
      ${params.since ? sql`and a.queued_at >= ${params.since.toISOString()}::timestamptz` : sql``}
      ${after ? sql`and (a.queued_at, a.id) > (${after.q}::timestamptz, ${after.id}::uuid)` : sql``}
    order by a.queued_at, a.id
    limit ${params.limit + 1}`,
  );
  const items = rows.slice(0, params.limit).map(toSection);
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      rows.length > params.limit && last
        ? Buffer.from(
            JSON.stringify({ q: last.queuedAt.toISOString(), id: last.attemptId }),
          ).toString("base64url")
        : null,
  };
}

/**
 * Where a live reader of this task's log may start so that it misses nothing written after the
 * sections it was given: the position (in db/queries/logs.ts's "<xid>.<id>" form) of the newest
 * chunk below the horizon. Read it *before* the sections; anything newer is streamed again, which
 * a viewer that places lines by attempt and line number absorbs. "" (the beginning) when there is
 * no such chunk.
 */
export async function logTailPosition(db: Db, params: { taskId: string }): Promise<string> {
  const [row] = await query<{ xid: string | null; id: string | number | null }>(
    db,
    sql`
    with h as materialized (${tailHorizon} as h)
    select xid::text as xid, id
    from log_chunk
    where task_id = ${params.taskId}::uuid
      and xid < (select h from h)
    order by xid desc, id desc
    limit 1`,
  );
  return row?.xid && row.id != null ? `${row.xid}.${Number(row.id)}` : "";
}
