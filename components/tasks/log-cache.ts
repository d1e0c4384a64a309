/**
 * The log lines the viewer holds in memory: blocks of BLOCK_LINES lines per attempt, the least
 * recently used dropped past a limit, so scrolling through a million lines (or following a task
 * for hours) keeps memory flat. A block is filled by a window read or line by line by live chunks.
 */
import type { LogStream } from "@/domain/logs";
import { BLOCK_LINES } from "./log-rows";

export interface LogLineView {
  /** 0-based line number within the attempt. */
  n: number;
  stream: LogStream;
  text: string;
}

interface Block {
  lines: (LogLineView | undefined)[];
  filled: number;
}

export class LineCache {
  private readonly blocks = new Map<string, Block>();

  constructor(
    /** 400 blocks × 500 lines = 200,000 lines (a few tens of MB at most). */
    readonly maxBlocks = 400,
    readonly blockLines = BLOCK_LINES,
  ) {}

  get size(): number {
    return this.blocks.size;
  }

  get(attemptId: string, n: number): LogLineView | undefined {
    const block = this.blocks.get(key(attemptId, Math.floor(n / this.blockLines)));
    return block?.lines[n % this.blockLines];
  }

  /** Stores lines (any order, any attempt range); a line already held is replaced. */
  put(attemptId: string, lines: readonly LogLineView[]): void {
    for (const line of lines) {
      const b = Math.floor(line.n / this.blockLines);
      const k = key(attemptId, b);
      let block = this.blocks.get(k);
      if (!block) {
        block = { lines: new Array<LogLineView | undefined>(this.blockLines), filled: 0 };
        this.blocks.set(k, block);
      }
      const i = line.n % this.blockLines;
      if (block.lines[i] === undefined) block.filled++;
      block.lines[i] = line;
    }
    this.evict();
  }

  /**
   * Blocks that lack a line of [from, to), skipping `skip` (a dropped range). Blocks found whole
   * count as just used, so the lines on screen are the last to be evicted.
   */
  missingBlocks(
    attemptId: string,
    from: number,
    to: number,
    skip: { fromLine: number; lineCount: number } | null = null,
  ): number[] {
    const missing: number[] = [];
    const dropped = (n: number) =>
      skip !== null && n >= skip.fromLine && n < skip.fromLine + skip.lineCount;
    for (let b = Math.floor(from / this.blockLines); b * this.blockLines < to; b++) {
      const k = key(attemptId, b);
      const block = this.blocks.get(k);
      let whole = block !== undefined;
      if (block && block.filled < this.blockLines) {
        const base = b * this.blockLines;
        const hi = Math.min(to, base + this.blockLines);
        for (let n = Math.max(from, base); n < hi; n++)
          if (block.lines[n - base] === undefined && !dropped(n)) {
            whole = false;
            break;
          }
      }
      if (!whole) missing.push(b);
      else {
        // Just used: re-insert so it is the last to be evicted.
        this.blocks.delete(k);
        this.blocks.set(k, block!);
      }
    }
    return missing;
  }

  clear(): void {
    this.blocks.clear();
  }

  private evict(): void {
    while (this.blocks.size > this.maxBlocks) {
      const oldest = this.blocks.keys().next();
      if (oldest.done) return;
      this.blocks.delete(oldest.value);
    }
  }
}

function key(attemptId: string, block: number): string {
  return `${attemptId}#${block}`;
}
