/**
 * The log viewer's rows. A task's log is a list of sections — one per attempt (a step on a node),
 * in the order the attempts were created — and each expanded section shows its lines, with one
 * row standing for a range that retention dropped. Row positions come from prefix sums over the
 * sections, so finding the row of line 734,112 or the line at row 900,000 is a binary search,
 * whatever the size of the log. Pure: no React, no fetching.
 */
import type { AttemptStatus, Reason } from "@/domain/engine/types";

/** A section as the viewer holds it (the server's `task.logSections` item). */
export interface LogSectionView {
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
  totalLines: number;
  dropped: { fromLine: number; lineCount: number } | null;
}

export type LogRow =
  | { kind: "header"; section: number }
  | { kind: "line"; section: number; line: number }
  | { kind: "dropped"; section: number; fromLine: number; lineCount: number }
  /** An expanded section that has written nothing (yet). */
  | { kind: "empty"; section: number };

/** Rows of a section's body when expanded: its kept lines, a marker for a dropped range. */
export function bodyRows(s: Pick<LogSectionView, "totalLines" | "dropped">): number {
  if (s.totalLines <= 0) return 1;
  const dropped = droppedRange(s);
  return dropped ? s.totalLines - dropped.lineCount + 1 : s.totalLines;
}

/** The dropped range clipped to the lines that exist; null when nothing is dropped. */
function droppedRange(s: Pick<LogSectionView, "totalLines" | "dropped">) {
  const d = s.dropped;
  if (!d || d.lineCount <= 0 || d.fromLine >= s.totalLines) return null;
  return { fromLine: d.fromLine, lineCount: Math.min(d.lineCount, s.totalLines - d.fromLine) };
}

/** Body row k of a section → what it shows. */
export function bodyRowAt(
  s: Pick<LogSectionView, "totalLines" | "dropped">,
  k: number,
):
  | { kind: "line"; line: number }
  | { kind: "dropped"; fromLine: number; lineCount: number }
  | {
      kind: "empty";
    } {
  if (s.totalLines <= 0) return { kind: "empty" };
  const d = droppedRange(s);
  if (!d || k < d.fromLine) return { kind: "line", line: k };
  if (k === d.fromLine) return { kind: "dropped", ...d };
  return { kind: "line", line: k - 1 + d.lineCount };
}

/** Line n of a section → its body row (a dropped line → the marker's row). */
export function bodyRowOfLine(s: Pick<LogSectionView, "totalLines" | "dropped">, n: number) {
  const d = droppedRange(s);
  if (!d || n < d.fromLine) return n;
  if (n < d.fromLine + d.lineCount) return d.fromLine;
  return n - d.lineCount + 1;
}

export interface RowIndex {
  /** Row of each section's header. */
  starts: Float64Array;
  total: number;
}

export function buildRowIndex(
  sections: readonly Pick<LogSectionView, "attemptId" | "totalLines" | "dropped">[],
  isExpanded: (attemptId: string) => boolean,
): RowIndex {
  const starts = new Float64Array(sections.length);
  let row = 0;
  for (let i = 0; i < sections.length; i++) {
    starts[i] = row;
    const s = sections[i]!;
    row += 1 + (isExpanded(s.attemptId) ? bodyRows(s) : 0);
  }
  return { starts, total: row };
}

/** The section whose rows include `row` (binary search over the header rows). */
export function sectionAtRow(index: RowIndex, row: number): number {
  let lo = 0;
  let hi = index.starts.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (index.starts[mid]! <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function rowAt(
  index: RowIndex,
  sections: readonly Pick<LogSectionView, "totalLines" | "dropped">[],
  row: number,
): LogRow | null {
  if (row < 0 || row >= index.total) return null;
  const i = sectionAtRow(index, row);
  const offset = row - index.starts[i]!;
  if (offset === 0) return { kind: "header", section: i };
  const body = bodyRowAt(sections[i]!, offset - 1);
  return { ...body, section: i };
}

/** The row showing line `line` of section i (its header when the section is collapsed). */
export function rowOfLine(
  index: RowIndex,
  sections: readonly Pick<LogSectionView, "attemptId" | "totalLines" | "dropped">[],
  i: number,
  line: number,
  isExpanded: (attemptId: string) => boolean,
): number {
  const s = sections[i]!;
  const start = index.starts[i]!;
  if (!isExpanded(s.attemptId)) return start;
  return start + 1 + Math.min(bodyRowOfLine(s, Math.max(0, line)), bodyRows(s) - 1);
}

/** Lines of the log are fetched and cached in blocks of this many (one window request each). */
export const BLOCK_LINES = 500;

/**
 * The line ranges rows [start, end) show, per section: what must be in memory to draw them.
 * Dropped lines are left out; ranges are [from, to) line numbers.
 */
export function linesInRows(
  index: RowIndex,
  sections: readonly Pick<LogSectionView, "attemptId" | "totalLines" | "dropped">[],
  start: number,
  end: number,
): { section: number; from: number; to: number }[] {
  const out: { section: number; from: number; to: number }[] = [];
  if (end <= start || index.total === 0) return out;
  let i = sectionAtRow(index, Math.max(0, start));
  for (; i < sections.length && index.starts[i]! < end; i++) {
    const s = sections[i]!;
    const bodyStart = index.starts[i]! + 1;
    const bodyEnd = i + 1 < sections.length ? index.starts[i + 1]! : index.total;
    if (bodyEnd <= bodyStart || s.totalLines <= 0) continue; // collapsed or empty
    const a = Math.max(start, bodyStart) - bodyStart;
    const b = Math.min(end, bodyEnd) - bodyStart;
    if (b <= a) continue;
    const first = bodyRowAt(s, a);
    const last = bodyRowAt(s, b - 1);
    const from =
      first.kind === "line"
        ? first.line
        : first.kind === "dropped"
          ? first.fromLine + first.lineCount
          : 0;
    const to = last.kind === "line" ? last.line + 1 : last.kind === "dropped" ? last.fromLine : 0;
    // A screen that spans the dropped marker needs the lines on both sides of it, not between.
    const d = droppedRange(s);
    if (d && from < d.fromLine && to > d.fromLine + d.lineCount) {
      out.push({ section: i, from, to: d.fromLine });
      out.push({ section: i, from: d.fromLine + d.lineCount, to });
    } else if (to > from) out.push({ section: i, from, to });
  }
  return out;
}

/** Blocks covering [from, to). */
export function blocksOf(from: number, to: number, block = BLOCK_LINES): number[] {
  const out: number[] = [];
  if (to <= from) return out;
  for (let b = Math.floor(from / block); b * block < to; b++) out.push(b);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sections as they arrive

export function sectionOrder(a: LogSectionView, b: LogSectionView): number {
  const t = a.queuedAt.getTime() - b.queuedAt.getTime();
  return t !== 0 ? t : a.attemptId < b.attemptId ? -1 : a.attemptId > b.attemptId ? 1 : 0;
}

/**
 * Merges fresh copies of sections into the list: known ones are replaced (keeping the larger line
 * count — a live chunk may already have gone past the copy's), new ones are inserted in order.
 * Returns the same array when nothing changed.
 */
export function mergeSections(
  current: readonly LogSectionView[],
  incoming: readonly LogSectionView[],
): readonly LogSectionView[] {
  if (incoming.length === 0) return current;
  const at = new Map(current.map((s, i) => [s.attemptId, i]));
  let next: LogSectionView[] | null = null;
  const added: LogSectionView[] = [];
  for (const s of incoming) {
    const i = at.get(s.attemptId);
    if (i === undefined) {
      added.push(s);
      at.set(s.attemptId, -1);
      continue;
    }
    if (i < 0) continue; // twice in one batch
    const old = (next ?? current)[i]!;
    const merged = { ...s, totalLines: Math.max(s.totalLines, old.totalLines) };
    if (sameSection(old, merged)) continue;
    next ??= current.slice();
    next[i] = merged;
  }
  if (added.length === 0) return next ?? current;
  const base = next ?? current.slice();
  added.sort(sectionOrder);
  // Usually every new section comes after the last one: append without sorting the whole list.
  const last = base.at(-1);
  if (!last || sectionOrder(last, added[0]!) < 0) return base.concat(added);
  return base.concat(added).sort(sectionOrder);
}

function sameSection(a: LogSectionView, b: LogSectionView): boolean {
  return (
    a.status === b.status &&
    a.totalLines === b.totalLines &&
    a.exitCode === b.exitCode &&
    a.endedAt?.getTime() === b.endedAt?.getTime() &&
    a.startedAt?.getTime() === b.startedAt?.getTime() &&
    a.dropped?.fromLine === b.dropped?.fromLine &&
    a.dropped?.lineCount === b.dropped?.lineCount &&
    a.reason?.code === b.reason?.code
  );
}

export interface LogFilter {
  nodeId?: string;
  stepId?: string;
}

export function matchesFilter(
  s: Pick<LogSectionView, "nodeId" | "stepId">,
  filter: LogFilter,
): boolean {
  return (
    (!filter.nodeId || s.nodeId === filter.nodeId) && (!filter.stepId || s.stepId === filter.stepId)
  );
}

/** A live chunk's step key is `<step id>@<node id>`. */
export function chunkMatchesFilter(
  chunk: { nodeId: string | null; stepKey: string | null },
  filter: LogFilter,
): boolean {
  if (filter.nodeId && chunk.nodeId !== filter.nodeId) return false;
  if (filter.stepId && !(chunk.stepKey ?? "").startsWith(`${filter.stepId}@`)) return false;
  return true;
}

const OPEN: ReadonlySet<AttemptStatus> = new Set(["queued", "dispatched", "running", "killing"]);

export function isOpenSection(s: Pick<LogSectionView, "status">): boolean {
  return OPEN.has(s.status);
}

/**
 * Which sections start collapsed. A short log shows everything; past `compactAbove` sections
 * (a big task) only what needs reading is open: failures and what still runs.
 */
export function startsCollapsed(
  s: Pick<LogSectionView, "status">,
  sectionCount: number,
  compactAbove = 30,
): boolean {
  return sectionCount > compactAbove && s.status === "succeeded";
}

// ---------------------------------------------------------------------------------------------
// Permalinks: #log=<attempt id>:<line>, the line 1-based as shown

const PERMALINK = /^#?log=([0-9a-f-]{36}):(\d{1,9})$/i;

export function formatPermalink(attemptId: string, line: number): string {
  return `#log=${attemptId}:${line + 1}`;
}

/** `{attemptId, line}` (0-based) from a location hash, or null. */
export function parsePermalink(hash: string): { attemptId: string; line: number } | null {
  const m = PERMALINK.exec(hash);
  if (!m) return null;
  const shown = Number(m[2]);
  return shown >= 1 ? { attemptId: m[1]!.toLowerCase(), line: shown - 1 } : null;
}
