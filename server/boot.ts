import "server-only";
import { DatabaseOpenError } from "../db/client";
import { config } from "./config";
import { closeDatabase, getDatabase } from "./db";
import { startRunner, type Runner } from "./engine/runner";
import { addLabNodes, ensureLabRegion, stopLab } from "./lab";
import { ensureAdminFromEnv } from "./services/users";

const KEY = Symbol.for("cairn.booted");

/**
 * Start-up: a database that cannot be opened is a one-line error and a non-zero exit, not a stack
 * trace and a server that answers 500. Shutdown closes the embedded database cleanly (Next's own
 * SIGTERM handler would exit without it, forcing crash recovery at the next start).
 */
export async function boot(): Promise<void> {
  const g = globalThis as Record<symbol, unknown>;
  if (g[KEY]) return;
  g[KEY] = true;
  let runner: Runner | undefined;
  try {
    const c = config();
    const database = await getDatabase();
    console.log(`[cairn] database: ${database.kind} at ${database.location}`);
    if (await ensureAdminFromEnv(database.db, c.CAIRN_ADMIN_EMAIL, c.CAIRN_ADMIN_PASSWORD))
      console.log(`[cairn] created administrator ${c.CAIRN_ADMIN_EMAIL} from CAIRN_ADMIN_PASSWORD`);
    runner = startRunner(database, {
      heartbeatSeconds: c.CAIRN_ATTEMPT_HEARTBEAT_SECONDS,
      queueSeconds: 0,
      onError: (e) => console.error("[cairn] engine sweep failed:", (e as Error).message),
    });
    if (c.CAIRN_LAB) {
      console.log("[cairn] lab mode: administrators can start lab nodes from the Nodes page");
      // The lab's region exists from the start, so the wizard can build a cluster in it before
      // any lab node runs.
      await ensureLabRegion(database.db);
      // The agents retry until the server listens, which happens right after boot.
      if (c.CAIRN_LAB_NODES > 0)
        await addLabNodes(database.db, { count: c.CAIRN_LAB_NODES, actor: null });
    }
  } catch (e) {
    const message = e instanceof DatabaseOpenError ? e.message : (e as Error).message;
    console.error(`cairn: ${message}`);
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[cairn] ${signal}: closing the database`);
    stopLab()
      .then(() => runner?.stop())
      .then(() => closeDatabase())
      .catch((e) => console.error("[cairn] close failed", e))
      .finally(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
