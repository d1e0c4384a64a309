import "server-only";
/**
 * The engine's clock: once a second, the process holding the sweep lock fires due timers
 * (attempt deadlines, silent agents, retry backoff). On PostgreSQL the lock is a session advisory
 * lock on a dedicated connection, so with N replicas exactly one sweeps and another takes over the
 * moment it dies (its session, and so its lock, ends with it). PGlite is one process: it always
 * holds the lock.
 */
import type { PoolClient } from "pg";
import type { Database } from "../../db/client";
import { syncNodesAfterTasks, syncNodesOnTaskStart } from "../services/node-lifecycle";
import { sweepOfflineNodes } from "../services/nodes";
import { DEFAULT_ENGINE_OPTIONS, sweep, type EngineOptions } from "./executor";

const SWEEP_LOCK = 72707370;

export interface Runner {
  /** Whether this process currently sweeps. */
  leading(): boolean;
  stop(): Promise<void>;
}

export function startRunner(
  database: Database,
  opts: EngineOptions & {
    intervalMs?: number;
    onError?: (e: unknown) => void;
  } = DEFAULT_ENGINE_OPTIONS,
): Runner {
  const intervalMs = opts.intervalMs ?? 1000;
  let leader = database.kind === "pglite";
  let lockClient: PoolClient | null = null;
  let stopped = false;
  let running = false;

  async function tryLead() {
    if (leader || !database.pool) return;
    try {
      if (!lockClient) {
        lockClient = await database.pool.connect();
        // A checked-out client reports a dead socket as an 'error' event; unhandled, that would
        // crash the process. The next query fails too, which is where we drop the client.
        const client = lockClient;
        client.on("error", (e) => {
          // The session that held the lock is gone, and the lock with it: stop sweeping until
          // we win it again (another replica may have it by now).
          if (lockClient === client) {
            lockClient.release(true);
            lockClient = null;
            leader = false;
          }
          opts.onError?.(e);
        });
      }
      const r = await lockClient.query<{ ok: boolean }>("select pg_try_advisory_lock($1) as ok", [
        SWEEP_LOCK,
      ]);
      leader = Boolean(r.rows[0]?.ok);
    } catch (e) {
      // The lock connection broke (database restart): drop it and try again next tick.
      lockClient?.release(true);
      lockClient = null;
      leader = false;
      opts.onError?.(e);
    }
  }

  async function tick() {
    if (running || stopped) return;
    running = true;
    try {
      await tryLead();
      if (leader) {
        const now = new Date();
        await sweep(database.db, { now }, opts);
        await sweepOfflineNodes(database.db, now);
        await syncNodesOnTaskStart(database.db, now);
        await syncNodesAfterTasks(database.db, now);
      }
    } catch (e) {
      opts.onError?.(e);
    } finally {
      running = false;
    }
  }

  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  void tick();

  return {
    leading: () => leader,
    async stop() {
      stopped = true;
      clearInterval(timer);
      while (running) await new Promise((r) => setTimeout(r, 10));
      if (lockClient) {
        await lockClient.query("select pg_advisory_unlock($1)", [SWEEP_LOCK]).catch(() => {});
        lockClient.release();
      }
    },
  };
}
