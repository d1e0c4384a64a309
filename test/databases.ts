/**
 * The databases integration tests run against: an in-memory PGlite always, and a fresh PostgreSQL
 * database per test file when TEST_DATABASE_URL points at a server (CI sets it). Each gets the real
 * migrations.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../db/client";
import { migrate } from "../db/migrate";

export interface TestDatabase {
  name: "pglite" | "postgres";
  open(): Promise<Database & { drop(): Promise<void> }>;
}

async function openPostgres(baseUrl: string) {
  const name = `cairn_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ kind: "postgres", url: url.toString(), poolSize: 4 });
  await migrate(database);
  return {
    ...database,
    async drop() {
      await database.close();
      const again = new pg.Client({ connectionString: baseUrl });
      await again.connect();
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

export function testDatabases(): TestDatabase[] {
  const list: TestDatabase[] = [
    {
      name: "pglite",
      async open() {
        const database = await openDatabase({ kind: "pglite-memory" });
        await migrate(database);
        return { ...database, drop: () => database.close() };
      },
    },
  ];
  const url = process.env.TEST_DATABASE_URL;
  if (url) list.push({ name: "postgres", open: () => openPostgres(url) });
  return list;
}
