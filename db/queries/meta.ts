import { eq } from "drizzle-orm";
import type { Db } from "../client";
import { meta } from "../schema";

export async function getMeta(db: Db, params: { key: string }): Promise<string | undefined> {
  const [row] = await db.select({ value: meta.value }).from(meta).where(eq(meta.key, params.key));
  return row?.value;
}

/** Inserts unless present and returns what is stored, so concurrent replicas agree on one value. */
export async function getOrInitMeta(
  db: Db,
  params: { key: string; initial: string },
): Promise<string> {
  await db.insert(meta).values({ key: params.key, value: params.initial }).onConflictDoNothing();
  const value = await getMeta(db, { key: params.key });
  if (value === undefined) throw new Error(`meta ${params.key} vanished`);
  return value;
}
