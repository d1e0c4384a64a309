/**
 * The agent's reports that the gateway has not acknowledged yet: attempt events and log batches,
 * in the order they happened. The flusher sends a prefix of the queue and removes what the answer
 * acknowledges; what is not acknowledged stays at the head and goes again, so a report reaches the
 * server however often the connection drops, and the server's dedupe (an event by attempt, epoch and
 * type; a batch by attempt and seq) makes a resend change nothing.
 *
 * Order is the queue order, so an attempt's logs reach the server before its final event, and its
 * `started` before its logs.
 *
 * Bounds: events are never dropped (a few per attempt). Log batches are bounded by bytes; past the
 * bound, the oldest batches that are neither the start of their attempt's output nor already sent
 * give way, and a `system` line in their place says how many lines went. This outbox allocates the
 * seq numbers, so a note can take the seq of the first batch it replaces: that batch was never sent,
 * so the server has never seen its seq, and seqs stay unique and in reading order.
 */
import {
  AGENT_LIMITS,
  type AgentEvent,
  type EventsRequest,
  type EventsResponse,
  type LogsRequest,
  type LogsResponse,
} from "../domain/agent/protocol";
import { formatCount, type LogStream } from "../domain/logs";

const MiB = 1024 * 1024;
/** Bytes a batch costs in a request besides its lines (attemptId, seq, stream, at, punctuation). */
const BATCH_OVERHEAD = 120;

export interface OutboxOptions {
  /** Log bytes held while unacknowledged; past this, middle batches are dropped. Default 16 MiB. */
  maxLogBytes?: number;
  /** The first bytes of each attempt's output are never dropped. Default min(1 MiB, maxLogBytes/8). */
  headBytes?: number;
  /** Largest batch this outbox forms; longer output is split. Default 512 KiB. */
  maxBatchBytes?: number;
  /** Largest logs request it hands out (the gateway reads at most 4 MiB). Default 3 MiB. */
  maxRequestBytes?: number;
  clock?: () => number;
}

interface ItemBase {
  attemptId: string;
  /** The attempt's seq/byte counters; null for a final event of an attempt the outbox never saw. */
  state: AttemptState | null;
  at: number;
  /** Included in a request at least once: the server may have it, so it is never dropped. */
  attempted: boolean;
  /** Part of a multi-item request the gateway refused: resent alone to find the bad one. */
  suspect: boolean;
  removed: boolean;
}
export interface EventItem extends ItemBase {
  kind: "event";
  epoch: number;
  event: AgentEvent;
}
export interface LogItem extends ItemBase {
  kind: "log";
  seq: number;
  stream: LogStream;
  lines: string[];
  bytes: number;
  /** Log bytes of this attempt before this batch: below `headBytes` the batch is protected. */
  offset: number;
  /** Set on a drop note: the lines it stands for. */
  droppedLines?: number;
}
type Item = EventItem | LogItem;

export type OutboxRequest =
  | { kind: "events"; body: EventsRequest; items: readonly EventItem[] }
  | { kind: "logs"; body: LogsRequest; items: readonly LogItem[] };

interface AttemptState {
  nextSeq: number;
  bytes: number;
  /** Items of the attempt still in the queue. */
  live: number;
  /** Its final event was added: no more logs may follow. */
  closed: boolean;
}

export interface OutboxStats {
  events: number;
  logBatches: number;
  logBytes: number;
  droppedLines: number;
  droppedBatches: number;
}

const FINAL_EVENTS: ReadonlySet<AgentEvent["type"]> = new Set([
  "exited",
  "timed-out",
  "kill-confirmed",
]);

export function dropNote(lines: number): string {
  return `[cairn-agent] ${formatCount(lines)} lines dropped while the server was unreachable`;
}

function lineBytes(line: string): number {
  return Buffer.byteLength(JSON.stringify(line)) + 1;
}

export class Outbox {
  private items: Item[] = [];
  private head = 0;
  private readonly attempts = new Map<string, AttemptState>();
  private logBytes = 0;
  private droppedLines = 0;
  private droppedBatches = 0;
  private waiters: (() => void)[] = [];

  private readonly maxLogBytes: number;
  private readonly trimToBytes: number;
  private readonly headBytes: number;
  private readonly maxBatchBytes: number;
  private readonly maxRequestBytes: number;
  private readonly clock: () => number;

  constructor(opts: OutboxOptions = {}) {
    this.maxLogBytes = opts.maxLogBytes ?? 16 * MiB;
    // Trimming below the bound makes room for a while: one trim per tenth of the bound, not per batch.
    this.trimToBytes = Math.floor(this.maxLogBytes * 0.9);
    this.headBytes = opts.headBytes ?? Math.min(MiB, Math.floor(this.maxLogBytes / 8));
    this.maxRequestBytes = opts.maxRequestBytes ?? 3 * MiB;
    this.maxBatchBytes = Math.min(opts.maxBatchBytes ?? 512 * 1024, this.maxRequestBytes);
    this.clock = opts.clock ?? Date.now;
  }

  addEvent(attemptId: string, epoch: number, event: AgentEvent, at: number = this.clock()): void {
    const final = FINAL_EVENTS.has(event.type);
    // A kill confirmation for an attempt never seen here needs no counters (and must not leak them).
    const state = final ? (this.attempts.get(attemptId) ?? null) : this.stateOf(attemptId);
    if (state) {
      state.live++;
      if (final) state.closed = true;
    }
    this.items.push({
      kind: "event",
      attemptId,
      state,
      epoch,
      event,
      at,
      attempted: false,
      suspect: false,
      removed: false,
    });
    this.notify();
  }

  /** Queues output lines of an attempt; long output is split into batches, each with its own seq. */
  addLogs(
    attemptId: string,
    stream: LogStream,
    lines: readonly string[],
    at: number = this.clock(),
  ): void {
    if (lines.length === 0) return;
    const state = this.stateOf(attemptId);
    if (state.closed)
      throw new Error(`outbox: logs for attempt ${attemptId} after its final event`);
    let chunk: string[] = [];
    let chunkBytes = 0;
    let newest: LogItem | null = null;
    const push = () => {
      if (chunk.length === 0) return;
      const bytes = chunkBytes + BATCH_OVERHEAD;
      newest = {
        kind: "log",
        attemptId,
        state,
        seq: state.nextSeq++,
        stream,
        lines: chunk,
        at,
        bytes,
        offset: state.bytes,
        attempted: false,
        suspect: false,
        removed: false,
      };
      state.bytes += bytes;
      state.live++;
      this.logBytes += bytes;
      this.items.push(newest);
      chunk = [];
      chunkBytes = 0;
    };
    for (const whole of lines) {
      for (let i = 0; i === 0 || i < whole.length; i += AGENT_LIMITS.maxLineChars) {
        const line =
          whole.length > AGENT_LIMITS.maxLineChars
            ? whole.slice(i, i + AGENT_LIMITS.maxLineChars)
            : whole;
        const b = lineBytes(line);
        if (
          chunk.length >= AGENT_LIMITS.maxLinesPerBatch ||
          (chunk.length > 0 && chunkBytes + b + BATCH_OVERHEAD > this.maxBatchBytes)
        )
          push();
        chunk.push(line);
        chunkBytes += b;
      }
    }
    push();
    if (this.logBytes > this.maxLogBytes && newest) this.trim(newest);
    this.notify();
  }

  /**
   * The next request to send: the longest run of same-kind items at the head of the queue that
   * fits one request. The items stay queued until `acknowledge`; null when nothing is pending.
   */
  next(): OutboxRequest | null {
    this.skipRemoved();
    const first = this.items[this.head];
    if (!first) return null;
    if (first.kind === "event") {
      const items: EventItem[] = [];
      for (
        let i = this.head;
        i < this.items.length && items.length < AGENT_LIMITS.maxEventsPerRequest;
        i++
      ) {
        const item = this.items[i]!;
        if (item.removed) continue;
        if (item.kind !== "event") break;
        if (item.suspect && items.length > 0) break;
        items.push(item);
        if (item.suspect) break;
      }
      for (const item of items) item.attempted = true;
      return {
        kind: "events",
        items,
        body: {
          events: items.map((e) => ({
            attemptId: e.attemptId,
            epoch: e.epoch,
            at: e.at,
            event: e.event,
          })),
        },
      };
    }
    const items: LogItem[] = [];
    let bytes = 0;
    for (
      let i = this.head;
      i < this.items.length && items.length < AGENT_LIMITS.maxBatchesPerRequest;
      i++
    ) {
      const item = this.items[i]!;
      if (item.removed) continue;
      if (item.kind !== "log") break;
      if (items.length > 0 && (item.suspect || bytes + item.bytes > this.maxRequestBytes)) break;
      items.push(item);
      bytes += item.bytes;
      if (item.suspect) break;
    }
    for (const item of items) item.attempted = true;
    return {
      kind: "logs",
      items,
      body: {
        batches: items.map((b) => ({
          attemptId: b.attemptId,
          seq: b.seq,
          stream: b.stream,
          lines: b.lines,
          at: b.at,
        })),
      },
    };
  }

  /**
   * Removes what the answer acknowledges. `accepted: false` / `stored: false` acknowledge too: the
   * server has it already, or will never take it (stale epoch, attempt already final).
   */
  acknowledge(request: OutboxRequest, response: EventsResponse | LogsResponse): void {
    if (request.kind === "events") {
      const results = (response as EventsResponse).results;
      // Results come per event, in order; an answer shorter than the request leaves the rest queued.
      request.items.forEach((item, i) => {
        const r = results[i];
        if (r && r.attemptId === item.attemptId) this.remove(item);
      });
    } else {
      const acked = new Set(
        (response as LogsResponse).results.map((r) => `${r.attemptId}#${r.seq}`),
      );
      for (const item of request.items)
        if (acked.has(`${item.attemptId}#${item.seq}`)) this.remove(item);
    }
    this.skipRemoved();
    this.notify();
  }

  /**
   * The gateway refused the request as malformed (4xx): resending it as is cannot help. A single
   * item is dropped and returned; a larger request's items are resent one at a time so only the
   * bad one goes.
   */
  reject(request: OutboxRequest): Item | null {
    if (request.items.length === 1) {
      const item = request.items[0]!;
      this.remove(item);
      this.skipRemoved();
      this.notify();
      return item;
    }
    for (const item of request.items) item.suspect = true;
    return null;
  }

  /** Resolves on the next change (an item added, acknowledged or dropped). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  isEmpty(): boolean {
    this.skipRemoved();
    return this.head >= this.items.length;
  }

  /** Items of this attempt still waiting for an acknowledgement. */
  pending(attemptId: string): number {
    let n = 0;
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (!item.removed && item.attemptId === attemptId) n++;
    }
    return n;
  }

  stats(): OutboxStats {
    let events = 0;
    let logBatches = 0;
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i]!;
      if (item.removed) continue;
      if (item.kind === "event") events++;
      else logBatches++;
    }
    return {
      events,
      logBatches,
      logBytes: this.logBytes,
      droppedLines: this.droppedLines,
      droppedBatches: this.droppedBatches,
    };
  }

  private stateOf(attemptId: string): AttemptState {
    let state = this.attempts.get(attemptId);
    if (!state) {
      state = { nextSeq: 0, bytes: 0, live: 0, closed: false };
      this.attempts.set(attemptId, state);
    }
    return state;
  }

  private remove(item: Item): void {
    if (item.removed) return;
    item.removed = true;
    if (item.kind === "log") this.logBytes -= item.bytes;
    const state = item.state;
    if (state) {
      state.live--;
      // Forget a finished attempt once everything of it is acknowledged.
      if (state.closed && state.live <= 0 && this.attempts.get(item.attemptId) === state)
        this.attempts.delete(item.attemptId);
    }
  }

  private skipRemoved(): void {
    while (this.head < this.items.length && this.items[this.head]!.removed) this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  /** Drops the oldest droppable log batches until the log bytes are back under the trim mark. */
  private trim(protect: LogItem): void {
    let prevLive: Item | null = null;
    for (let i = this.head; i < this.items.length && this.logBytes > this.trimToBytes; i++) {
      const item = this.items[i]!;
      if (item.removed) continue;
      const droppable =
        item.kind === "log" &&
        item !== protect &&
        !item.attempted &&
        item.droppedLines === undefined &&
        item.offset >= this.headBytes;
      if (!droppable) {
        prevLive = item;
        continue;
      }
      this.droppedLines += item.lines.length;
      this.droppedBatches++;
      const note: LogItem | null =
        prevLive?.kind === "log" &&
        prevLive.attemptId === item.attemptId &&
        prevLive.droppedLines !== undefined &&
        !prevLive.attempted
          ? prevLive
          : null;
      if (note) {
        this.setNote(note, note.droppedLines! + item.lines.length);
        this.remove(item);
      } else {
        // The batch becomes the note: same attempt, same (never sent) seq, same place in the queue.
        this.logBytes -= item.bytes;
        item.stream = "system";
        this.setNote(item, item.lines.length);
        prevLive = item;
      }
    }
    this.items = this.items.filter((item, i) => i >= this.head && !item.removed);
    this.head = 0;
  }

  private setNote(note: LogItem, lines: number): void {
    if (note.droppedLines !== undefined) this.logBytes -= note.bytes;
    note.droppedLines = lines;
    note.lines = [dropNote(lines)];
    note.bytes = lineBytes(note.lines[0]!) + BATCH_OVERHEAD;
    this.logBytes += note.bytes;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
