/**
 * Attempt logs, the pure part: how text becomes lines, how much of an attempt's log is kept, and
 * how a reader is told what retention dropped. The database side lives in db/queries/logs.ts.
 */
import { fill, type Locale, type Localized } from "./i18n";

export const LOG_STREAMS = ["stdout", "stderr", "system"] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

/**
 * Per attempt. Past `maxBytes` the first `headBytes` (how the step started) and the newest output
 * (how it ended) are kept and the middle goes. Trimming down to `trimToBytes` rather than to the
 * limit itself means one trim makes room for ~1 MiB more, so the trim runs once per ~100 batches
 * of a runaway log instead of on every batch.
 */
export interface LogLimits {
  maxBytes: number;
  headBytes: number;
  trimToBytes: number;
}

const MiB = 1024 * 1024;
export const LOG_LIMITS: LogLimits = {
  maxBytes: 8 * MiB,
  headBytes: 1 * MiB,
  trimToBytes: 7 * MiB,
};

/**
 * Text as an agent reads it from a pipe → lines. A final newline ends the last line rather than
 * starting an empty one; CRLF and lone CR (progress bars) both end a line.
 */
export function splitLogText(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.at(-1) === "") lines.pop();
  return lines.map(cleanLine);
}

/**
 * A stored chunk is its lines joined by "\n", so a line must not contain one (the chunk would read
 * back as more lines than were counted); PostgreSQL text cannot hold NUL at all.
 */
export function normalizeLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if (/[\r\n]/.test(line)) {
      for (const part of line.split(/\r\n|\n|\r/)) out.push(cleanLine(part));
    } else {
      out.push(cleanLine(line));
    }
  }
  return out;
}

function cleanLine(line: string): string {
  return line.includes("\u0000") ? line.replaceAll("\u0000", "\uFFFD") : line;
}

export function joinChunk(lines: readonly string[]): string {
  return lines.join("\n");
}

export function splitChunk(body: string): string[] {
  return body.split("\n");
}

/**
 * Case-insensitive substring match, the same test the server applies to every line when searching.
 * Returns the indexes of matching lines.
 */
export function matchingLines(lines: readonly string[], query: string): number[] {
  const needle = query.toLowerCase();
  const hits: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.toLowerCase().includes(needle)) hits.push(i);
  }
  return hits;
}

/** 1234567 → "1,234,567" — fixed grouping so a download reads the same on every machine. */
export function formatCount(n: number): string {
  return Math.trunc(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Where retention dropped lines; the size is left out when it is not known for this range. */
export const DROP_MARKER: { withSize: Localized; linesOnly: Localized } = {
  withSize: {
    en: "[… {lines} lines dropped ({size}); the first and the latest lines of this attempt are kept …]",
    "zh-CN": "[… 已省略 {lines} 行（{size}）；本次尝试只保留开头和最新的输出 …]",
  },
  linesOnly: {
    en: "[… {lines} lines dropped; the first and the latest lines of this attempt are kept …]",
    "zh-CN": "[… 已省略 {lines} 行；本次尝试只保留开头和最新的输出 …]",
  },
};

export function dropMarker(locale: Locale, dropped: { lines: number; bytes?: number }): string {
  const template = dropped.bytes === undefined ? DROP_MARKER.linesOnly : DROP_MARKER.withSize;
  return fill(template[locale], {
    lines: formatCount(dropped.lines),
    size: formatBytes(dropped.bytes ?? 0),
  });
}

export const ATTEMPT_HEADER: Localized = {
  en: "===== node {node} · step {step} · attempt {attempt} =====",
  "zh-CN": "===== 节点 {node} · 步骤 {step} · 尝试 {attempt} =====",
};

/** Separates attempts in a whole-task download. */
export function attemptHeader(
  locale: Locale,
  attempt: { attemptId: string; nodeId: string | null; stepKey: string | null },
): string {
  return fill(ATTEMPT_HEADER[locale], {
    node: attempt.nodeId ?? "-",
    step: attempt.stepKey ?? "-",
    attempt: attempt.attemptId,
  });
}
