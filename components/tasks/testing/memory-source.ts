/**
 * An in-memory `LogSource` for the viewer's tests and the bench: sections whose lines are produced
 * on demand by a function (a million-line log costs nothing until a window is read), plus chunks
 * pushed by the test as if streamed live. Answers asynchronously, like the server.
 */
import type { LogLineView } from "../log-cache";
import type { LogFilter, LogSectionView } from "../log-rows";
import { matchesFilter, sectionOrder } from "../log-rows";
import type { LogChunkView, LogHitView, LogSource } from "../log-store";

export interface MemoryLog {
  sections: LogSectionView[];
  line(attemptId: string, n: number): string;
}

export class MemorySource implements LogSource {
  readonly calls = { sections: 0, window: 0, follow: 0, search: 0 };
  /** Where each `follow` asked to start. */
  readonly followedFrom: string[] = [];
  private followers = new Set<{
    filter: LogFilter;
    on: Parameters<LogSource["follow"]>[1];
  }>();
  private seq = 0;

  constructor(
    readonly log: MemoryLog,
    private readonly delayMs = 0,
  ) {}

  private wait<T>(value: T): Promise<T> {
    return new Promise((resolve) => setTimeout(() => resolve(value), this.delayMs));
  }

  async sections(input: Parameters<LogSource["sections"]>[0]) {
    this.calls.sections++;
    let list = this.log.sections.filter((s) => matchesFilter(s, input.filter)).sort(sectionOrder);
    if (input.attemptIds?.length)
      list = list.filter((s) => input.attemptIds!.includes(s.attemptId));
    if (input.since) list = list.filter((s) => s.queuedAt >= input.since!);
    const start = input.cursor ? Number(input.cursor) : 0;
    const items = list.slice(start, start + input.limit).map((s) => ({ ...s }));
    const next = start + input.limit < list.length ? String(start + input.limit) : null;
    const first = !input.cursor && !input.since && !input.attemptIds?.length;
    return this.wait({ items, nextCursor: next, tail: first ? `p${this.seq}` : null });
  }

  async window(input: { attemptId: string; fromLine: number; lineCount: number }) {
    this.calls.window++;
    const s = this.log.sections.find((x) => x.attemptId === input.attemptId);
    const lines: LogLineView[] = [];
    if (s) {
      const end = Math.min(s.totalLines, input.fromLine + input.lineCount);
      for (let n = input.fromLine; n < end; n++) {
        if (s.dropped && n >= s.dropped.fromLine && n < s.dropped.fromLine + s.dropped.lineCount)
          continue;
        lines.push({ n, stream: "stdout", text: this.log.line(s.attemptId, n) });
      }
    }
    return this.wait({
      totalLines: s?.totalLines ?? 0,
      dropped: s?.dropped ?? null,
      lines,
    });
  }

  follow(
    input: { filter: LogFilter; after: string },
    on: Parameters<LogSource["follow"]>[1],
  ): () => void {
    this.calls.follow++;
    this.followedFrom.push(input.after);
    const f = { filter: input.filter, on };
    this.followers.add(f);
    return () => this.followers.delete(f);
  }

  /** Appends lines to a section (creating it when new) and streams them to followers. */
  push(section: LogSectionView, lines: string[], stream: LogChunkView["stream"] = "stdout") {
    let s = this.log.sections.find((x) => x.attemptId === section.attemptId);
    if (!s) {
      s = { ...section, totalLines: 0 };
      this.log.sections.push(s);
    }
    const firstLine = s.totalLines;
    s.totalLines += lines.length;
    const chunk: LogChunkView = {
      position: `p${++this.seq}`,
      attemptId: s.attemptId,
      nodeId: s.nodeId,
      stepKey: s.stepKey,
      stream,
      firstLine,
      lines,
    };
    for (const f of this.followers) f.on.chunk(chunk);
    return chunk;
  }

  end(): void {
    for (const f of [...this.followers]) {
      this.followers.delete(f);
      f.on.end();
    }
  }

  get following(): number {
    return this.followers.size;
  }

  async search(input: { query: string; after?: string | null; limit: number }) {
    this.calls.search++;
    const hits: LogHitView[] = [];
    const needle = input.query.toLowerCase();
    const from = input.after ? Number(input.after) : 0;
    let scanned = 0;
    let next: string | null = null;
    outer: for (const s of [...this.log.sections].sort(sectionOrder)) {
      for (let n = 0; n < s.totalLines; n++, scanned++) {
        if (scanned < from) continue;
        const text = this.log.line(s.attemptId, n);
        if (!text.toLowerCase().includes(needle)) continue;
        if (hits.length === input.limit) {
          next = String(scanned);
          break outer;
        }
        hits.push({ attemptId: s.attemptId, nodeId: s.nodeId, stepKey: s.stepKey, line: n, text });
      }
    }
    return this.wait({ hits, next });
  }
}

/** A section with the fields tests do not care about filled in. */
export function section(attemptId: string, fields: Partial<LogSectionView> = {}): LogSectionView {
  const nodeId = fields.nodeId ?? "node-1";
  const stepId = fields.stepId ?? "install";
  return {
    attemptId,
    stepId,
    stepKey: `${stepId}@${nodeId}`,
    nodeId,
    hostname: fields.hostname ?? nodeId,
    number: 1,
    status: "succeeded",
    exitCode: 0,
    reason: null,
    queuedAt: new Date(Date.UTC(2026, 0, 1)),
    startedAt: new Date(Date.UTC(2026, 0, 1)),
    endedAt: new Date(Date.UTC(2026, 0, 1, 0, 1)),
    totalLines: 0,
    dropped: null,
    ...fields,
  };
}
