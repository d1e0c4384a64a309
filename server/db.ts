import "server-only";
import { openDatabase, type Database, type Db } from "../db/client";
import { migrate } from "../db/migrate";
import { dbConfig } from "./config";

/**
 * The process-wide database. Next gives instrumentation and each route bundle their own module
 * instances, so the handle lives on globalThis; a failed open is not cached, the next call retries.
 */
const KEY = Symbol.for("cairn.database");
type Slot = { promise?: Promise<Database> };
const slot: Slot = ((globalThis as Record<symbol, unknown>)[KEY] as Slot | undefined) ?? {};
(globalThis as Record<symbol, unknown>)[KEY] = slot;

export function getDatabase(): Promise<Database> {
  if (!slot.promise) {
    slot.promise = (async () => {
      const database = await openDatabase(dbConfig());
      try {
        await migrate(database);
      } catch (e) {
        await database.close().catch(() => {});
        throw e;
      }
      return database;
    })();
    slot.promise.catch(() => {
      slot.promise = undefined;
    });
  }
  return slot.promise;
}

export async function getDb(): Promise<Db> {
  return (await getDatabase()).db;
}

export async function closeDatabase(): Promise<void> {
  const pending = slot.promise;
  slot.promise = undefined;
  if (pending) await (await pending).close();
}
