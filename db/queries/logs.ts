/**
 * The log store. Agents append batches (one row per batch); the console tails them live, renders
 * windows of a huge log, searches a task on the server and downloads everything.
 *
 * Positions for live reading are (transaction id, chunk id), not the chunk id alone: ids are drawn
 * before commit, so with concurrent writers id 10 can become visible before id 9, and a reader that
 * resumed after 10 would never see 9. Ordering by (xid, id) and reading only rows of transactions
 * older than every transaction still running in this database gives an order that rows never
 * appear behind (see `tailHorizon`).
 */
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { likePattern } from "./paging";
import {
  LOG_LIMITS,
  attemptHeader,
  dropMarker,
  joinChunk,
  matchingLines,
  normalizeLines,
  splitChunk,
  type LogLimits,
  type LogStream,
} from "../../domain/logs";
import type { Locale } from "../../domain/i18n";

export { LOG_LIMITS, type LogLimits, type LogStream };

/** Both drivers answer `execute` with `{ rows }`; drizzle types the two differently. */
async function query<T>(db: Db, statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as unknown as { rows: T[] };
  return result.rows;
}

// ---------------------------------------------------------------------------------------------
// Appending

export interface AppendLogBatch {
  taskId: string;
  attemptId: string;
  nodeId: string | null;
  stepKey: string | null;
  seq: number;
  stream: LogStream;
  lines: readonly string[];
  at?: Date;
  /** Retention limits; the default is LOG_LIMITS. */
  limits?: LogLimits;
}

export type AppendResult =
  | { accepted: true; firstLine: number; lineCount: number; droppedLines: number }
  /**
   * A batch already received: `firstLine` is where it was stored, or null when retention has
   * dropped it since (or, for a batch numbered below one already dropped, when it would have
   * fallen in the dropped middle anyway).
   */
  | { accepted: false; firstLine: number | null; lineCount: 0; droppedLines: number };

/**
 * One statement per batch: lock the attempt's counter row, insert the chunk at the next line
 * number (nothing on a re-sent seq) and advance the counters only when the chunk went in.
 * Retention runs as a second statement only when the stored bytes cross the limit.
 */
export async function appendLogBatch(db: Db, params: AppendLogBatch): Promise<AppendResult> {
  const limits = params.limits ?? LOG_LIMITS;
  checkLimits(limits);
  const lines = normalizeLines(params.lines);
  if (lines.length === 0) {
    // Nothing to store; answering with the current position keeps the agent's bookkeeping simple.
    const [row] = await query<{ total_lines: number; dropped_lines: number }>(
      db,
      sql`select total_lines, dropped_lines from log_retention where attempt_id = ${params.attemptId}::uuid`,
    );
    return {
      accepted: true,
      firstLine: row?.total_lines ?? 0,
      lineCount: 0,
      droppedLines: row?.dropped_lines ?? 0,
    };
  }
  const body = joinChunk(lines);
  const bytes = Buffer.byteLength(body, "utf8");

  let appended = await insertChunk(db, params, lines.length, body, bytes, limits);
  if (!appended) {
    // Either the attempt's first batch (no counter row yet) or a re-send. Creating the row is
    // harmless in both cases; only a first batch then goes in.
    await db.execute(sql`
      insert into log_retention (attempt_id, task_id)
      values (${params.attemptId}::uuid, ${params.taskId}::uuid)
      on conflict (attempt_id) do nothing`);
    appended = await insertChunk(db, params, lines.length, body, bytes, limits);
  }
  if (!appended) {
    const [row] = await query<{ first_line: number | null; dropped_lines: number }>(
      db,
      sql`
        select c.first_line, r.dropped_lines
        from log_retention r
        left join log_chunk c on c.attempt_id = r.attempt_id and c.seq = ${params.seq}::int
        where r.attempt_id = ${params.attemptId}::uuid`,
    );
    return {
      accepted: false,
      firstLine: row?.first_line ?? null,
      lineCount: 0,
      droppedLines: row?.dropped_lines ?? 0,
    };
  }
  let droppedLines = appended.dropped_lines;
  if (Number(appended.stored_bytes) > limits.maxBytes) {
    droppedLines = await trimAttempt(db, params.attemptId, limits);
  }
  return { accepted: true, firstLine: appended.first_line, lineCount: lines.length, droppedLines };
}

async function insertChunk(
  db: Db,
  p: AppendLogBatch,
  lineCount: number,
  body: string,
  bytes: number,
  limits: LogLimits,
): Promise<
  { first_line: number; stored_bytes: string | number; dropped_lines: number } | undefined
> {
  const [row] = await query<{
    first_line: number;
    stored_bytes: string | number;
    dropped_lines: number;
  }>(
    db,
    sql`
    with cur as (
      select total_lines, max_dropped_seq
      from log_retention where attempt_id = ${p.attemptId}::uuid
      for update
    ),
    ins as (
      insert into log_chunk
        (task_id, attempt_id, node_id, step_key, seq, stream, first_line, line_count, body, bytes, at)
      select ${p.taskId}::uuid, ${p.attemptId}::uuid, ${p.nodeId}::text, ${p.stepKey}::text,
             ${p.seq}::int, ${p.stream}::log_stream, cur.total_lines, ${lineCount}::int,
             ${body}::text, ${bytes}::int, coalesce(${p.at ?? null}::timestamptz, now())
      from cur
      where cur.max_dropped_seq is null or ${p.seq}::int > cur.max_dropped_seq
      on conflict (attempt_id, seq) do nothing
      returning first_line
    )
    update log_retention r set
      total_lines = r.total_lines + ${lineCount}::int,
      total_bytes = r.total_bytes + ${bytes}::int,
      stored_bytes = r.stored_bytes + ${bytes}::int,
      kept_head_lines = case when r.total_bytes < ${limits.headBytes}::bigint
                             then r.total_lines + ${lineCount}::int
                             else r.kept_head_lines end
    from ins
    where r.attempt_id = ${p.attemptId}::uuid
    returning ins.first_line, r.stored_bytes, r.dropped_lines`,
  );
  return row;
}

function checkLimits(l: LogLimits): void {
  if (!(l.headBytes >= 0 && l.headBytes < l.trimToBytes && l.trimToBytes < l.maxBytes)) {
    throw new RangeError(
      `log limits need headBytes < trimToBytes < maxBytes (got ${l.headBytes}, ${l.trimToBytes}, ${l.maxBytes})`,
    );
  }
}

/**
 * Drops the oldest chunks after the head until the attempt is back under `trimToBytes`. The newest
 * chunk always stays, so a reader sees how the step ended even when one batch alone is too big.
 * Returns the attempt's dropped line count afterwards.
 */
async function trimAttempt(db: Db, attemptId: string, limits: LogLimits): Promise<number> {
  const rows = await query<{ dropped_lines: number }>(
    db,
    sql`
    with cur as (
      select kept_head_lines, stored_bytes
      from log_retention where attempt_id = ${attemptId}::uuid
      for update
    ),
    ordered as (
      select c.id, c.bytes,
             sum(c.bytes) over (order by c.first_line) - c.bytes as before,
             lead(c.id) over (order by c.first_line) as next_id
      from log_chunk c, cur
      where c.attempt_id = ${attemptId}::uuid and c.first_line >= cur.kept_head_lines
        and cur.stored_bytes > ${limits.maxBytes}::bigint
    ),
    del as (
      delete from log_chunk c
      using ordered o, cur
      where c.id = o.id and o.next_id is not null
        and o.before < cur.stored_bytes - ${limits.trimToBytes}::bigint
      returning c.seq, c.line_count, c.bytes
    ),
    gone as (
      select count(*) as n, coalesce(sum(line_count), 0) as lines,
             coalesce(sum(bytes), 0) as bytes, max(seq) as max_seq
      from del
    )
    update log_retention r set
      stored_bytes = r.stored_bytes - gone.bytes,
      dropped_lines = r.dropped_lines + gone.lines,
      dropped_bytes = r.dropped_bytes + gone.bytes,
      max_dropped_seq = greatest(r.max_dropped_seq, gone.max_seq)
    from gone
    where r.attempt_id = ${attemptId}::uuid and gone.n > 0
    returning r.dropped_lines`,
  );
  if (rows[0]) return rows[0].dropped_lines;
  const [row] = await query<{ dropped_lines: number }>(
    db,
    sql`select dropped_lines from log_retention where attempt_id = ${attemptId}::uuid`,
  );
  return row?.dropped_lines ?? 0;
}

// ---------------------------------------------------------------------------------------------
// Live reading

/** An opaque resume position: "<xid>.<id>". "" or an unreadable one means the beginning. */
export type LogPosition = string;

function decodePosition(position: string | null | undefined): { xid: string; id: number } {
  const m = /^(\d{1,20})\.(\d{1,18})$/.exec(position ?? "");
  return m ? { xid: m[1]!, id: Number(m[2]) } : { xid: "0", id: 0 };
}

function encodePosition(xid: string, id: number): LogPosition {
  return `${xid}.${id}`;
}

export interface LogChunk {
  id: number;
  /** Resume after this chunk by passing it as `after`. */
  position: LogPosition;
  attemptId: string;
  nodeId: string | null;
  stepKey: string | null;
  seq: number;
  stream: LogStream;
  firstLine: number;
  lines: string[];
  at: Date;
}

interface ChunkRow {
  id: string | number;
  xid: string;
  attempt_id: string;
  node_id: string | null;
  step_key: string | null;
  seq: number;
  stream: LogStream;
  first_line: number;
  body: string;
  at: string | Date;
}

const chunkColumns = sql`id, xid::text as xid, attempt_id, node_id, step_key, seq, stream, first_line, body, at`;

function toChunk(r: ChunkRow): LogChunk {
  const id = Number(r.id);
  return {
    id,
    position: encodePosition(r.xid, id),
    attemptId: r.attempt_id,
    nodeId: r.node_id,
    stepKey: r.step_key,
    seq: r.seq,
    stream: r.stream,
    firstLine: r.first_line,
    lines: splitChunk(r.body),
    at: r.at instanceof Date ? r.at : new Date(r.at),
  };
}

/**
 * The lowest transaction id whose rows a live reader may not have seen yet: the oldest one running
 * at this statement's snapshot, skipping those that pg_locks shows running in another database
 * (they cannot write our tables). Plain pg_snapshot_xmin would let any long transaction anywhere
 * on a shared server freeze every live log. One that ended between the snapshot and the pg_locks
 * read cannot be placed, so it counts: its rows only wait for the next read. Evaluated inside the
 * reading statement, so it matches the snapshot the rows are read with.
 */
export const tailHorizon = sql`
  select coalesce(
    (select min(x) from pg_snapshot_xip(pg_current_snapshot()) as x
     where not exists (
       select 1 from pg_locks l join pg_stat_activity a on a.pid = l.pid
       where l.locktype = 'transactionid' and l.transactionid = xid(x) and l.granted
         and a.datname is distinct from current_database())),
    pg_snapshot_xmax(pg_current_snapshot()))`;

export interface LogRead {
  chunks: LogChunk[];
  /** Where to continue; unchanged when nothing new arrived. */
  next: LogPosition;
  /** Newer chunks exist but wait for an older transaction to end: read again soon. */
  behind: boolean;
}

/**
 * Chunks of a task after a position, oldest first, for live tailing and resuming a stream. A
 * chunk is held back while an older transaction in this database is still running, so a reader
 * that resumes from `next` never skips one; keep transactions short, or live logs wait for them.
 */
export async function readLog(
  db: Db,
  params: {
    taskId: string;
    attemptId?: string;
    nodeId?: string;
    stepKey?: string;
    after?: LogPosition | null;
    limit: number;
  },
): Promise<LogRead> {
  const first = await readLogOnce(db, params);
  // Usually only a transaction that ended a moment ago held chunks back; a fresh snapshot has them.
  if (!first.behind || first.chunks.length === clamp(params.limit, 1, 1000)) return first;
  const second = await readLogOnce(db, params);
  return second.chunks.length >= first.chunks.length ? second : first;
}

async function readLogOnce(db: Db, params: Parameters<typeof readLog>[1]): Promise<LogRead> {
  const after = decodePosition(params.after);
  const limit = clamp(params.limit, 1, 1000);
  const filter = sql`
      task_id = ${params.taskId}::uuid
      ${params.attemptId ? sql`and attempt_id = ${params.attemptId}::uuid` : sql``}
      ${params.nodeId !== undefined ? sql`and node_id = ${params.nodeId}` : sql``}
      ${params.stepKey !== undefined ? sql`and step_key = ${params.stepKey}` : sql``}
      and (xid, id) > (${after.xid}::xid8, ${after.id}::bigint)`;
  // One row at least (all nulls but `behind` when nothing is ready), so `behind` always comes back.
  const rows = await query<Partial<ChunkRow> & { behind: boolean }>(
    db,
    sql`
    with horizon as materialized (${tailHorizon} as h)
    select c.*, exists (
        select 1 from log_chunk where ${filter} and xid >= (select h from horizon)
      ) as behind
    from (select 1) one
    left join lateral (
      select ${chunkColumns}
      from log_chunk
      where ${filter} and xid < (select h from horizon)
      order by xid, id
      limit ${limit}
    ) c on true`,
  );
  const chunks = rows.filter((r): r is ChunkRow & { behind: boolean } => r.id != null).map(toChunk);
  const last = chunks.at(-1);
  return {
    chunks,
    next: last ? last.position : encodePosition(after.xid, after.id),
    behind: rows[0]?.behind ?? false,
  };
}

// ---------------------------------------------------------------------------------------------
// Windows of one attempt

export interface LogLine {
  /** 0-based line number within the attempt. */
  n: number;
  stream: LogStream;
  text: string;
}

export interface LogRetentionInfo {
  totalLines: number;
  totalBytes: number;
  /** Lines [fromLine, fromLine + lineCount) were dropped; null when nothing was. */
  dropped: { fromLine: number; lineCount: number; bytes: number } | null;
}

export const MAX_WINDOW_LINES = 5000;

/**
 * The stored lines in [fromLine, fromLine + lineCount) of one attempt, plus the totals and the
 * dropped range so a windowed viewer can size its scrollbar and draw the "lines dropped" row.
 * Cost depends on the window, not on the log's length.
 */
export async function readLogWindow(
  db: Db,
  params: { attemptId: string; fromLine: number; lineCount: number },
): Promise<LogRetentionInfo & { lines: LogLine[] }> {
  const from = Math.max(0, Math.trunc(params.fromLine));
  const end = from + clamp(params.lineCount, 0, MAX_WINDOW_LINES);
  const info = await getLogRetention(db, { attemptId: params.attemptId });
  if (end === from) return { ...info, lines: [] };
  const rows = await query<{ first_line: number; stream: LogStream; body: string }>(
    db,
    sql`
    select first_line, stream, body
    from log_chunk
    where attempt_id = ${params.attemptId}::uuid
      and first_line >= coalesce(
        (select max(first_line) from log_chunk
         where attempt_id = ${params.attemptId}::uuid and first_line <= ${from}::int), 0)
      and first_line < ${end}::int
    order by first_line`,
  );
  const lines: LogLine[] = [];
  for (const row of rows) {
    const texts = splitChunk(row.body);
    const start = Math.max(from - row.first_line, 0);
    const stop = Math.min(end - row.first_line, texts.length);
    for (let i = start; i < stop; i++)
      lines.push({ n: row.first_line + i, stream: row.stream, text: texts[i]! });
  }
  return { ...info, lines };
}

export async function getLogRetention(
  db: Db,
  params: { attemptId: string },
): Promise<LogRetentionInfo> {
  const [row] = await query<{
    total_lines: number;
    total_bytes: string | number;
    kept_head_lines: number;
    dropped_lines: number;
    dropped_bytes: string | number;
  }>(
    db,
    sql`
    select total_lines, total_bytes, kept_head_lines, dropped_lines, dropped_bytes
    from log_retention where attempt_id = ${params.attemptId}::uuid`,
  );
  if (!row) return { totalLines: 0, totalBytes: 0, dropped: null };
  return {
    totalLines: row.total_lines,
    totalBytes: Number(row.total_bytes),
    dropped:
      row.dropped_lines > 0
        ? {
            fromLine: row.kept_head_lines,
            lineCount: row.dropped_lines,
            bytes: Number(row.dropped_bytes),
          }
        : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Search

export interface LogHit {
  attemptId: string;
  nodeId: string | null;
  stepKey: string | null;
  stream: LogStream;
  /** 0-based line number within the attempt. */
  line: number;
  text: string;
}

/** Chunks fetched per round while collecting hits. */
const SEARCH_BATCH = 64;

/**
 * Case-insensitive substring search over a task's stored lines, oldest first, paged without a cap:
 * `next` continues after the last hit returned (null when there are no more). The database picks
 * the chunks that contain the text; the lines within them are matched here.
 */
export async function searchLog(
  db: Db,
  params: { taskId: string; query: string; limit: number; after?: string | null },
): Promise<{ hits: LogHit[]; next: string | null }> {
  const limit = clamp(params.limit, 1, 1000);
  const needle = params.query;
  if (needle === "" || /[\r\n]/.test(needle)) return { hits: [], next: null };
  const m = /^(\d{1,20})\.(\d{1,18})\.(\d{1,9})$/.exec(params.after ?? "");
  let cursor = m ? { xid: m[1]!, id: Number(m[2]), line: Number(m[3]) } : null;
  const pattern = likePattern(needle);
  const hits: (LogHit & { cursor: string })[] = [];

  let scanFrom = cursor
    ? { xid: cursor.xid, id: cursor.id, inclusive: true }
    : { xid: "0", id: 0, inclusive: false };
  for (;;) {
    const rows = await query<ChunkRow>(
      db,
      sql`
      select ${chunkColumns}
      from log_chunk
      where task_id = ${params.taskId}::uuid
        and (xid, id) ${scanFrom.inclusive ? sql`>=` : sql`>`} (${scanFrom.xid}::xid8, ${scanFrom.id}::bigint)
        and body ilike ${pattern}
      order by xid, id
      limit ${SEARCH_BATCH}`,
    );
    for (const row of rows) {
      const id = Number(row.id);
      const texts = splitChunk(row.body);
      for (const i of matchingLines(texts, needle)) {
        if (cursor && id === cursor.id && row.xid === cursor.xid && i <= cursor.line) continue;
        hits.push({
          attemptId: row.attempt_id,
          nodeId: row.node_id,
          stepKey: row.step_key,
          stream: row.stream,
          line: row.first_line + i,
          text: texts[i]!,
          cursor: `${row.xid}.${id}.${i}`,
        });
        if (hits.length > limit) break;
      }
      if (hits.length > limit) break;
    }
    const last = rows.at(-1);
    if (hits.length > limit || rows.length < SEARCH_BATCH || !last) break;
    scanFrom = { xid: last.xid, id: Number(last.id), inclusive: false };
    cursor = null;
  }
  const page = hits.slice(0, limit);
  return {
    hits: page.map(({ cursor: _cursor, ...hit }) => hit),
    next: hits.length > limit ? page.at(-1)!.cursor : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Download

/** Chunks read per round while downloading; one yielded string per round. */
const DOWNLOAD_PAGE = 200;

/**
 * The whole stored log as text, one line per "\n"-terminated line, read a page of chunks at a time
 * so a million-line log never sits in memory. Where retention dropped lines a marker says how
 * many. A task's download has each attempt in turn, in the order they started writing, each under
 * a header naming node, step and attempt.
 */
export async function* streamLogText(
  db: Db,
  params: ({ taskId: string } | { attemptId: string }) & { locale?: Locale },
): AsyncIterable<string> {
  const locale = params.locale ?? "en";
  if ("attemptId" in params) {
    yield* attemptText(db, params.attemptId, locale);
    return;
  }
  const attempts = await query<{
    attempt_id: string;
    node_id: string | null;
    step_key: string | null;
  }>(
    db,
    sql`
    select attempt_id, min(node_id) as node_id, min(step_key) as step_key
    from log_chunk
    where task_id = ${params.taskId}::uuid
    group by attempt_id
    order by min(id)`,
  );
  let first = true;
  for (const a of attempts) {
    const header = attemptHeader(locale, {
      attemptId: a.attempt_id,
      nodeId: a.node_id,
      stepKey: a.step_key,
    });
    yield `${first ? "" : "\n"}${header}\n`;
    first = false;
    yield* attemptText(db, a.attempt_id, locale);
  }
}

async function* attemptText(db: Db, attemptId: string, locale: Locale): AsyncIterable<string> {
  let info = await getLogRetention(db, { attemptId });
  let expected = 0;
  for (;;) {
    const rows = await query<{ first_line: number; line_count: number; body: string }>(
      db,
      sql`
      select first_line, line_count, body
      from log_chunk
      where attempt_id = ${attemptId}::uuid and first_line >= ${expected}::int
      order by first_line
      limit ${DOWNLOAD_PAGE}`,
    );
    if (rows.length === 0) return;
    let text = "";
    for (const row of rows) {
      if (row.first_line > expected) {
        const gap = row.first_line - expected;
        // A trim may have run since the counters were read; read them again before quoting bytes.
        if (info.dropped?.lineCount !== gap) info = await getLogRetention(db, { attemptId });
        const bytes = info.dropped?.lineCount === gap ? info.dropped.bytes : undefined;
        text += `${dropMarker(locale, { lines: gap, bytes })}\n`;
      }
      text += `${row.body}\n`;
      expected = row.first_line + row.line_count;
    }
    yield text;
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.trunc(n)));
}
