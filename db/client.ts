/**
 * One factory for both database kinds. PGlite (embedded, one process) is the default; a
 * `postgres://` URL selects node-postgres. The same schema, migrations and queries serve both.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "./schema";

export type Schema = typeof schema;
/** A database handle or a transaction: query functions accept either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DbConfig =
  | { kind: "pglite"; dataDir: string }
  | { kind: "pglite-memory" }
  | { kind: "postgres"; url: string; poolSize?: number };

export interface Database {
  db: Db;
  kind: "pglite" | "postgres";
  /** Where the data lives, safe to print (no password). */
  location: string;
  /** node-postgres pool, for the few things that need one session (advisory locks, LISTEN). */
  pool?: pg.Pool;
  /**
   * Subscribes to NOTIFY on a channel (a dedicated session on PostgreSQL, in-process on PGlite);
   * resolves to the function that unsubscribes.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]*$/;

async function listenPg(pool: pg.Pool, channel: string, onPayload: (payload: string) => void) {
  if (!CHANNEL.test(channel)) throw new Error(`bad channel name ${channel}`);
  const client = await pool.connect();
  // A lost connection ends the subscription; without a listener the 'error' event would crash.
  client.on("error", () => {});
  const handler = (m: pg.Notification) => {
    if (m.channel === channel) onPayload(m.payload ?? "");
  };
  client.on("notification", handler);
  await client.query(`listen ${channel}`);
  return async () => {
    client.off("notification", handler);
    await client.query(`unlisten ${channel}`).catch(() => {});
    client.release();
  };
}

export class DatabaseOpenError extends Error {
  constructor(
    message: string,
    readonly location: string,
  ) {
    super(message);
    this.name = "DatabaseOpenError";
  }
}

/** postgres://user:secret@host/db → postgres://user@host/db */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    return u.toString().replace(/:@/, "@");
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}

/**
 * PGlite has no cross-process lock: two processes on one folder silently lose data. An exclusive
 * lock file with our pid refuses the second; a lock left by a dead process is taken over.
 */
function takeLock(dataDir: string): () => void {
  const lockPath = `${dataDir}.lock`;
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number(readFileSync(lockPath, "utf8").trim());
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new DatabaseOpenError(
          `the embedded database at ${dataDir} is in use by process ${holder}; stop it first, or set CAIRN_DATA_DIR to another folder`,
          dataDir,
        );
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new DatabaseOpenError(`could not lock ${lockPath}`, dataDir);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function openDatabase(config: DbConfig): Promise<Database> {
  if (config.kind === "postgres") {
    const location = redactUrl(config.url);
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
    });
    // A client that loses its server emits 'error' — idle in the pool, or checked out between two
    // statements of a transaction — and without a listener that kills the process. The loss still
    // reaches the caller: the client's next (or current) query fails with a connection error.
    pool.on("error", () => {});
    pool.on("connect", (client) => client.on("error", () => {}));
    try {
      const client = await pool.connect();
      client.release();
    } catch (e) {
      await pool.end().catch(() => {});
      throw new DatabaseOpenError(
        `cannot reach the database at ${location}: ${(e as Error).message}`,
        location,
      );
    }
    const db = drizzlePg({ client: pool, schema }) as unknown as Db;
    return {
      db,
      kind: "postgres",
      location,
      pool,
      listen: (channel, onPayload) => listenPg(pool, channel, onPayload),
      // Bounded: a client still checked out on a dead connection must not hold shutdown forever.
      close: () =>
        Promise.race([
          pool.end(),
          new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref()),
        ]),
    };
  }

  if (config.kind === "pglite-memory") {
    const client = await PGlite.create();
    const db = drizzlePglite({ client, schema }) as unknown as Db;
    return {
      db,
      kind: "pglite",
      location: "memory://",
      listen: async (channel, onPayload) => {
        const stop = await client.listen(channel, onPayload);
        return () => stop();
      },
      close: () => client.close(),
    };
  }

  const dataDir = path.resolve(config.dataDir);
  // PGlite creates only the last path segment.
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const release = takeLock(dataDir);
  try {
    const client = await PGlite.create(dataDir);
    const db = drizzlePglite({ client, schema }) as unknown as Db;
    return {
      db,
      kind: "pglite",
      location: dataDir,
      listen: async (channel, onPayload) => {
        const stop = await client.listen(channel, onPayload);
        return () => stop();
      },
      close: async () => {
        await client.close();
        release();
      },
    };
  } catch (e) {
    release();
    throw new DatabaseOpenError(
      `cannot open the embedded database at ${dataDir}: ${(e as Error).message}`,
      dataDir,
    );
  }
}

export async function ping(db: Db): Promise<number> {
  const started = performance.now();
  await db.execute(sql`select 1`);
  return performance.now() - started;
}
