import "server-only";
/**
 * The process-wide gateway and its work waiter (one LISTEN per process serves every waiting poll).
 * Lives on globalThis for the same reason as the database handle: Next gives route bundles their
 * own module instances.
 */
import { config } from "../config";
import { getDatabase } from "../db";
import { createWorkWaiter } from "../engine/wake";
import { createGateway, type Gateway } from "./gateway";

const KEY = Symbol.for("cairn.gateway");
type Slot = { promise?: Promise<Gateway> };
const slot: Slot = ((globalThis as Record<symbol, unknown>)[KEY] as Slot | undefined) ?? {};
(globalThis as Record<symbol, unknown>)[KEY] = slot;

export function getGateway(): Promise<Gateway> {
  if (!slot.promise) {
    slot.promise = (async () => {
      const database = await getDatabase();
      const waiter = await createWorkWaiter(database);
      const c = config();
      return createGateway(database, waiter, {
        engine: { heartbeatSeconds: c.CAIRN_ATTEMPT_HEARTBEAT_SECONDS, queueSeconds: 0 },
      });
    })();
    slot.promise.catch(() => {
      slot.promise = undefined;
    });
  }
  return slot.promise;
}
