import "server-only";
/**
 * Long-poll support: a node's poll waits here until a NOTIFY says it has work (or a kill), or until
 * the fallback timeout, whichever comes first. One LISTEN per process serves every waiting node.
 */
import type { Database } from "../../db/client";
import { WORK_CHANNEL } from "./executor";

export interface WorkWaiter {
  /** Resolves "notified" when work for the node was signalled, "timeout" otherwise. */
  wait(nodeId: string, timeoutMs: number, signal?: AbortSignal): Promise<"notified" | "timeout">;
  close(): Promise<void>;
}

export async function createWorkWaiter(database: Database): Promise<WorkWaiter> {
  const waiting = new Map<string, Set<() => void>>();
  const stop = await database.listen(WORK_CHANNEL, (nodeId) => {
    const wakers = waiting.get(nodeId);
    if (!wakers) return;
    waiting.delete(nodeId);
    for (const wake of wakers) wake();
  });
  return {
    wait(nodeId, timeoutMs, signal) {
      return new Promise((resolve) => {
        let done = false;
        const finish = (how: "notified" | "timeout") => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          waiting.get(nodeId)?.delete(wake);
          signal?.removeEventListener("abort", onAbort);
          resolve(how);
        };
        const wake = () => finish("notified");
        const onAbort = () => finish("timeout");
        const timer = setTimeout(() => finish("timeout"), timeoutMs);
        let set = waiting.get(nodeId);
        if (!set) waiting.set(nodeId, (set = new Set()));
        set.add(wake);
        signal?.addEventListener("abort", onAbort);
      });
    },
    close: stop,
  };
}
