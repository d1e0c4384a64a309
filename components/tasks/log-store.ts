/**
 * The log viewer's state outside React: the sections of the task's log (paged in, then kept
 * current while the task runs), the lines in memory (fetched a block at a time for what is on
 * screen, appended by the live stream), which sections are collapsed, and the row index over all
 * of it. The viewer subscribes to changes (useSyncExternalStore) and asks for the rows it shows.
 *
 * Nothing here depends on where the log comes from: a `LogSource` is the server (tRPC in the
 * console) or an in-memory log (the bench). Lines are placed by (attempt, line number), so a
 * chunk that arrives twice — from a window read and from the live stream, or again after a
 * reconnection — lands on the same line: streams may overlap, they must never leave gaps.
 */
import type { LogStream } from "@/domain/logs";
import { LineCache, type LogLineView } from "./log-cache";
import {
  BLOCK_LINES,
  blocksOf,
  buildRowIndex,
  chunkMatchesFilter,
  isOpenSection,
  linesInRows,
  matchesFilter,
  mergeSections,
  rowOfLine,
  type LogFilter,
  type LogSectionView,
  type RowIndex,
} from "./log-rows";

export interface LogChunkView {
  /** Resume the live stream after this chunk. */
  position: string;
  attemptId: string;
  nodeId: string | null;
  stepKey: string | null;
  stream: LogStream;
  firstLine: number;
  lines: string[];
}

export interface LogHitView {
  attemptId: string;
  nodeId: string | null;
  stepKey: string | null;
  line: number;
  text: string;
}

export interface LogSource {
  sections(input: {
    filter: LogFilter;
    cursor?: string | null;
    since?: Date;
    attemptIds?: string[];
    limit: number;
  }): Promise<{ items: LogSectionView[]; nextCursor: string | null; tail: string | null }>;
  window(input: { attemptId: string; fromLine: number; lineCount: number }): Promise<{
    totalLines: number;
    dropped: { fromLine: number; lineCount: number } | null;
    lines: LogLineView[];
  }>;
  /** Streams chunks after `after` until the task ends; returns the function that stops it. */
  follow(
    input: { filter: LogFilter; after: string },
    on: {
      chunk(c: LogChunkView): void;
      end(): void;
      error(e: unknown): void;
      connection?(state: "connecting" | "open"): void;
    },
  ): () => void;
  search(input: {
    query: string;
    after?: string | null;
    limit: number;
  }): Promise<{ hits: LogHitView[]; next: string | null }>;
}

export interface LogStoreOptions {
  pageSize?: number;
  /** How often a live log re-reads new and running sections. */
  refreshMs?: number;
  /** Window reads in flight at once. */
  concurrency?: number;
  /** While scrolling, reads start at most this often. */
  throttleMs?: number;
  maxBlocks?: number;
  /** Sections beyond which finished ones start collapsed. */
  compactAbove?: number;
  /** New attempts are found by re-reading those queued since (newest known − this margin): a claim
   * committing late can carry an earlier time than one already seen. */
  sinceMarginMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export type FollowState = "idle" | "connecting" | "live" | "ended";

export class LogStore {
  sections: LogSectionView[] = [];
  filter: LogFilter = {};
  /** Loading the first page, or paging through the rest. */
  loading = true;
  complete = false;
  error: unknown = null;
  follow: FollowState = "idle";
  readonly cache: LineCache;

  private version = 0;
  private listeners = new Set<() => void>();
  private at = new Map<string, number>();
  private collapsed = new Set<string>();
  private index: RowIndex | null = null;
  private compact = false;
  private live = false;
  private position = "";
  private generation = 0;
  private stopFollow: (() => void) | null = null;
  private followTimer: unknown = null;
  private refreshTimer: unknown = null;
  private refreshSoonTimer: unknown = null;
  private notifyTimer: unknown = null;
  private pumpTimer: unknown = null;
  private lastPump = Number.NEGATIVE_INFINITY;
  private inFlight = new Set<string>();
  private queue: { attemptId: string; block: number }[] = [];
  private wanted = new Set<string>();
  /** Per block: the section's line count when it was last read, and when. */
  private readAt = new Map<string, { total: number; at: number }>();
  private loaded: Promise<void> = Promise.resolve();
  private readonly opts: Required<LogStoreOptions>;

  constructor(
    private readonly source: LogSource,
    options: LogStoreOptions = {},
  ) {
    this.opts = {
      pageSize: 2000,
      refreshMs: 2000,
      concurrency: 6,
      throttleMs: 100,
      maxBlocks: 400,
      compactAbove: 30,
      sinceMarginMs: 10_000,
      now: () => Date.now(),
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      ...options,
    };
    this.cache = new LineCache(this.opts.maxBlocks);
  }

  // ---- subscription (useSyncExternalStore)

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = (): number => this.version;

  private notify(): void {
    if (this.notifyTimer !== null) {
      this.opts.clearTimer(this.notifyTimer);
      this.notifyTimer = null;
    }
    this.version++;
    for (const l of this.listeners) l();
  }

  /** Live chunks and window reads come in bursts: at most one repaint per frame. */
  private notifySoon(): void {
    if (this.notifyTimer !== null) return;
    this.notifyTimer = this.opts.setTimer(() => {
      this.notifyTimer = null;
      this.notify();
    }, 16);
  }

  // ---- opening

  /** Loads the log for a filter: sections page by page, then (when live) follows it. */
  open(filter: LogFilter, live: boolean): Promise<void> {
    this.close();
    const gen = ++this.generation;
    this.filter = { ...filter };
    this.sections = [];
    this.at.clear();
    this.collapsed.clear();
    this.index = null;
    this.loading = true;
    this.complete = false;
    this.error = null;
    this.position = "";
    this.queue = [];
    this.wanted.clear();
    this.readAt.clear();
    this.live = live;
    this.notify();
    this.loaded = this.loadAll(gen);
    return this.loaded;
  }

  private async loadAll(gen: number): Promise<void> {
    let cursor: string | null = null;
    let first = true;
    try {
      do {
        const page = await this.source.sections({
          filter: this.filter,
          cursor,
          limit: this.opts.pageSize,
        });
        if (gen !== this.generation) return;
        if (first) {
          this.position = page.tail ?? "";
          this.compact = page.items.length > this.opts.compactAbove || page.nextCursor !== null;
          first = false;
          // Lines written after these counts come through the stream from `tail`.
          if (this.live) this.startFollow(gen);
        }
        this.merge(page.items);
        cursor = page.nextCursor;
        this.loading = cursor !== null;
        this.notify();
      } while (cursor);
      this.complete = true;
      this.loading = false;
      this.notify();
      if (this.live) this.scheduleRefresh(gen);
    } catch (e) {
      if (gen !== this.generation) return;
      this.error = e;
      this.loading = false;
      this.notify();
    }
  }

  /** Resolves once every page of sections is in (for jumping to a line). */
  whenLoaded(): Promise<void> {
    return this.loaded;
  }

  /** The task started or stopped running: follow it, or stop after a last refresh. */
  setLive(live: boolean): void {
    if (live === this.live) return;
    this.live = live;
    const gen = this.generation;
    if (live) {
      if (!this.loading && !this.stopFollow) this.startFollow(gen);
      this.scheduleRefresh(gen);
    } else {
      // The stream ends by itself once the task has; one more read settles statuses and counts.
      void this.refresh(gen);
    }
  }

  close(): void {
    this.generation++;
    this.stopFollow?.();
    this.stopFollow = null;
    for (const t of [this.followTimer, this.refreshTimer, this.refreshSoonTimer, this.pumpTimer]) {
      if (t !== null) this.opts.clearTimer(t);
    }
    this.followTimer = this.refreshTimer = this.refreshSoonTimer = this.pumpTimer = null;
    this.follow = "idle";
  }

  // ---- live

  private startFollow(gen: number): void {
    if (gen !== this.generation) return;
    this.stopFollow?.();
    this.follow = "connecting";
    let ended = false;
    const stop = this.source.follow(
      { filter: this.filter, after: this.position },
      {
        chunk: (c) => {
          if (gen !== this.generation) return;
          this.follow = "live";
          this.applyChunk(c);
        },
        connection: (state) => {
          if (gen !== this.generation) return;
          this.follow = state === "open" ? "live" : "connecting";
          this.notifySoon();
        },
        end: () => {
          if (gen !== this.generation || ended) return;
          ended = true;
          this.stopFollow = null;
          this.follow = "ended";
          this.notify();
          // Ended while the page still thinks the task runs (a retry reopened it, or the status
          // is about to arrive): try again shortly from where the stream stopped.
          if (this.live)
            this.followTimer = this.opts.setTimer(() => {
              this.followTimer = null;
              if (this.live && !this.stopFollow) this.startFollow(gen);
            }, 1000);
        },
        error: (e) => {
          if (gen !== this.generation || ended) return;
          ended = true;
          this.stopFollow = null;
          this.follow = "connecting";
          this.notifySoon();
          void e;
          this.followTimer = this.opts.setTimer(() => {
            this.followTimer = null;
            if (this.live && !this.stopFollow) this.startFollow(gen);
          }, 2000);
        },
      },
    );
    if (!ended) this.stopFollow = stop;
  }

  /** Places a live chunk's lines and grows its section. */
  applyChunk(c: LogChunkView): void {
    this.position = c.position;
    if (!chunkMatchesFilter(c, this.filter)) return;
    this.cache.put(
      c.attemptId,
      c.lines.map((text, i) => ({ n: c.firstLine + i, stream: c.stream, text })),
    );
    const i = this.at.get(c.attemptId);
    if (i === undefined) {
      // An attempt the list does not know yet: its section comes with the next read.
      this.refreshSoon();
      return;
    }
    const s = this.sections[i]!;
    const total = c.firstLine + c.lines.length;
    if (total > s.totalLines) {
      this.sections[i] = { ...s, totalLines: total };
      this.index = null;
    }
    this.notifySoon();
  }

  private scheduleRefresh(gen: number): void {
    if (this.refreshTimer !== null) this.opts.clearTimer(this.refreshTimer);
    this.refreshTimer = this.opts.setTimer(async () => {
      this.refreshTimer = null;
      if (gen !== this.generation || !this.live) return;
      await this.refresh(gen);
      if (gen === this.generation && this.live) this.scheduleRefresh(gen);
    }, this.opts.refreshMs);
  }

  private refreshSoon(): void {
    if (this.refreshSoonTimer !== null || this.loading) return;
    const gen = this.generation;
    this.refreshSoonTimer = this.opts.setTimer(() => {
      this.refreshSoonTimer = null;
      void this.refresh(gen);
    }, 250);
  }

  /** Re-reads sections created lately (new attempts) and the open ones (status, counts). */
  async refresh(gen = this.generation): Promise<void> {
    if (this.loading) return;
    const newest = this.sections.at(-1)?.queuedAt.getTime();
    const since = newest === undefined ? undefined : new Date(newest - this.opts.sinceMarginMs);
    const open = this.sections
      .filter(isOpenSection)
      .map((s) => s.attemptId)
      .slice(0, 500);
    try {
      const [fresh, reread] = await Promise.all([
        this.source.sections({
          filter: this.filter,
          limit: this.opts.pageSize,
          ...(since ? { since } : {}),
        }),
        open.length
          ? this.source.sections({ filter: this.filter, attemptIds: open, limit: 500 })
          : Promise.resolve({ items: [] as LogSectionView[], nextCursor: null, tail: null }),
      ]);
      if (gen !== this.generation) return;
      this.merge([...fresh.items, ...reread.items]);
      this.notify();
    } catch {
      // A failed refresh is retried on the next tick; the stream keeps the lines coming.
    }
  }

  private merge(items: readonly LogSectionView[]): void {
    const fresh = items.filter((s) => matchesFilter(s, this.filter));
    if (fresh.length === 0) return;
    const known = new Set(this.at.keys());
    const next = mergeSections(this.sections, fresh);
    if (next === this.sections) return;
    this.sections = next as LogSectionView[];
    this.at = new Map(this.sections.map((s, i) => [s.attemptId, i]));
    for (const s of fresh)
      if (!known.has(s.attemptId) && this.compact && s.status === "succeeded")
        this.collapsed.add(s.attemptId);
    this.index = null;
  }

  // ---- rows

  isExpanded = (attemptId: string): boolean => !this.collapsed.has(attemptId);

  rowIndex(): RowIndex {
    this.index ??= buildRowIndex(this.sections, this.isExpanded);
    return this.index;
  }

  sectionIndex(attemptId: string): number | undefined {
    return this.at.get(attemptId);
  }

  totalLines(): number {
    let n = 0;
    for (const s of this.sections) n += s.totalLines;
    return n;
  }

  toggle(attemptId: string, expanded?: boolean): void {
    const open = expanded ?? this.collapsed.has(attemptId);
    if (open) this.collapsed.delete(attemptId);
    else this.collapsed.add(attemptId);
    this.index = null;
    this.notify();
  }

  expandAll(): void {
    this.collapsed.clear();
    this.index = null;
    this.notify();
  }

  /** Collapses the sections that succeeded: what is left open is what needs reading. */
  collapseFinished(): void {
    for (const s of this.sections) if (s.status === "succeeded") this.collapsed.add(s.attemptId);
    this.index = null;
    this.notify();
  }

  /**
   * The row of line `line` of an attempt, expanding its section; waits for the section list
   * when it is still paging in. Null when the attempt is not in this (filtered) log.
   */
  async locate(attemptId: string, line: number): Promise<number | null> {
    if (!this.at.has(attemptId)) await this.loaded;
    const i = this.at.get(attemptId);
    if (i === undefined) return null;
    if (this.collapsed.delete(attemptId)) {
      this.index = null;
      this.notify();
    }
    return rowOfLine(this.rowIndex(), this.sections, i, line, this.isExpanded);
  }

  // ---- lines

  /**
   * Fetches what rows [start, end) need and is not in memory. While the view moves, reads start at
   * most every `throttleMs` (`immediate` skips the wait: opening, jumping) and only for what is
   * wanted when they start, so a fling through a million lines reads where it passes now and
   * then, and where it stops — never every block on the way.
   */
  ensureRows(start: number, end: number, immediate = false): void {
    const index = this.rowIndex();
    const wanted = new Set<string>();
    const now = this.opts.now();
    for (const r of linesInRows(index, this.sections, start, end)) {
      const s = this.sections[r.section]!;
      const missing = this.cache.missingBlocks(s.attemptId, r.from, r.to, s.dropped);
      for (const b of missing) {
        const k = `${s.attemptId}#${b}`;
        wanted.add(k);
        if (this.inFlight.has(k)) continue;
        // A block read that came back short (lines still being committed) is read again only
        // when the section has grown or a moment has passed.
        const last = this.readAt.get(k);
        if (last && last.total >= s.totalLines && now - last.at < 2000) continue;
        if (!this.queue.some((q) => q.attemptId === s.attemptId && q.block === b))
          this.queue.push({ attemptId: s.attemptId, block: b });
      }
    }
    this.wanted = wanted;
    if (this.queue.length === 0) return;
    const wait = this.lastPump + this.opts.throttleMs - now;
    if (immediate || wait <= 0) {
      if (this.pumpTimer !== null) this.opts.clearTimer(this.pumpTimer);
      this.pumpTimer = null;
      this.lastPump = now;
      this.pump();
    } else if (this.pumpTimer === null) {
      this.pumpTimer = this.opts.setTimer(() => {
        this.pumpTimer = null;
        this.lastPump = this.opts.now();
        this.pump();
      }, wait);
    }
  }

  private pump(): void {
    while (this.inFlight.size < this.opts.concurrency && this.queue.length) {
      const next = this.queue.pop()!;
      const k = `${next.attemptId}#${next.block}`;
      if (!this.wanted.has(k)) continue; // scrolled away before its turn
      this.inFlight.add(k);
      void this.readBlock(next.attemptId, next.block, k, this.generation);
    }
    this.queue = this.queue.filter((q) => this.wanted.has(`${q.attemptId}#${q.block}`));
  }

  private async readBlock(attemptId: string, block: number, k: string, gen: number) {
    try {
      const w = await this.source.window({
        attemptId,
        fromLine: block * BLOCK_LINES,
        lineCount: BLOCK_LINES,
      });
      this.cache.put(attemptId, w.lines);
      const i = this.at.get(attemptId);
      if (gen === this.generation && i !== undefined) {
        const s = this.sections[i]!;
        const dropped = w.dropped
          ? { fromLine: w.dropped.fromLine, lineCount: w.dropped.lineCount }
          : null;
        if (
          w.totalLines > s.totalLines ||
          dropped?.fromLine !== s.dropped?.fromLine ||
          dropped?.lineCount !== s.dropped?.lineCount
        ) {
          this.sections[i] = { ...s, totalLines: Math.max(s.totalLines, w.totalLines), dropped };
          this.index = null;
        }
        this.readAt.set(k, { total: this.sections[i]!.totalLines, at: this.opts.now() });
      }
    } catch {
      this.readAt.set(k, { total: Number.MAX_SAFE_INTEGER, at: this.opts.now() });
    } finally {
      this.inFlight.delete(k);
      if (gen === this.generation) {
        // Lines someone is waiting to see: draw them now, not with the next burst.
        this.notify();
        this.pump();
      }
    }
  }

  /** Blocks a range of rows needs, whether or not in memory (tests, the bench). */
  blocksFor(start: number, end: number): string[] {
    const out: string[] = [];
    for (const r of linesInRows(this.rowIndex(), this.sections, start, end))
      for (const b of blocksOf(r.from, r.to))
        out.push(`${this.sections[r.section]!.attemptId}#${b}`);
    return out;
  }
}
