import "server-only";
/**
 * Heartbeats coalesced into one statement: at 2,000 agents every 10 s, 200 heartbeats a second
 * arrive, and each one as its own UPDATE would cost more in round trips than in work. Those that
 * arrive within a few milliseconds are authenticated and recorded together; each caller gets its
 * own answer (its node, or null for an unknown credential) once that statement has committed.
 */
import type { Db } from "../../db/client";
import { recordHeartbeats, type AgentIdentity, type HeartbeatItem } from "../../db/queries/nodes";

type Result = (AgentIdentity & { wasOffline: boolean }) | null;
interface Pending {
  item: HeartbeatItem;
  resolve(r: Result): void;
  reject(e: unknown): void;
}

export class HeartbeatBatcher {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly options: { windowMs: number; maxBatch: number } = {
      windowMs: 15,
      maxBatch: 500,
    },
  ) {}

  submit(item: HeartbeatItem): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.options.maxBatch) this.flushSoon(0);
      else if (!this.timer) this.flushSoon(this.options.windowMs);
    });
  }

  private flushSoon(ms: number) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const batch = this.pending;
      this.pending = [];
      // One batch at a time: a slow database makes batches bigger, not more numerous.
      this.flushing = this.flushing.then(() => this.flush(batch));
    }, ms);
  }

  private async flush(batch: Pending[]) {
    if (batch.length === 0) return;
    try {
      const found = await recordHeartbeats(
        this.db,
        batch.map((p) => p.item),
      );
      for (const p of batch) p.resolve(found.get(p.item.credentialHash) ?? null);
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
