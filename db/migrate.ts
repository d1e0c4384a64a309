import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type { Database, Db } from "./client";

/** Resolved from the working directory: Next bundles move this module, the folder stays put. */
const MIGRATION_LOCK = 72707369;

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "db", "migrations");

export async function migrate(database: Database, folder = MIGRATIONS_FOLDER): Promise<void> {
  if (database.pool) {
    // Replicas starting together: one migrates, the others wait on the advisory lock.
    const lockHolder = await database.pool.connect();
    try {
      await lockHolder.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
      await migratePg(database.db as unknown as NodePgDatabase, { migrationsFolder: folder });
    } finally {
      await lockHolder.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
      lockHolder.release();
    }
  } else {
    await migratePglite(database.db as unknown as PgliteDatabase, { migrationsFolder: folder });
  }
}

export function expectedMigrations(folder = MIGRATIONS_FOLDER): number {
  const journal = JSON.parse(readFileSync(path.join(folder, "meta", "_journal.json"), "utf8")) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

export async function appliedMigrations(db: Db): Promise<number> {
  try {
    // Both drivers return { rows }; drizzle types the two differently.
    const result = (await db.execute(
      sql`select count(*)::int as count from drizzle.__drizzle_migrations`,
    )) as unknown as { rows: { count: number }[] };
    return Number(result.rows[0]?.count ?? 0);
  } catch {
    return 0;
  }
}
