/**
 * Keyset paging: the cursor carries the last row's sort value and id, so a page costs the same at
 * row 10 as at row 10,000 and rows inserted meanwhile never shift what comes next.
 */
import { and, asc, desc, eq, gt, lt, or, type AnyColumn, type SQL } from "drizzle-orm";
import type { Page } from "../../domain/region";

interface CursorValue {
  s: string;
  v: string | number | null;
  d?: 1;
  id: string;
}

export function encodeCursor(sort: string, value: unknown, id: string): string {
  const isDate = value instanceof Date;
  const v = isDate ? value.toISOString() : (value as string | number | null);
  const c: CursorValue = isDate ? { s: sort, v, d: 1, id } : { s: sort, v, id };
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

/** A cursor from another sort order or a corrupted one restarts from the top instead of failing. */
export function decodeCursor(
  cursor: string | null | undefined,
  sort: string,
): { value: unknown; id: string } | null {
  if (!cursor) return null;
  try {
    const c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as CursorValue;
    if (c.s !== sort || typeof c.id !== "string") return null;
    return { value: c.d ? new Date(String(c.v)) : c.v, id: c.id };
  } catch {
    return null;
  }
}

export function keyset(
  column: AnyColumn,
  idColumn: AnyColumn,
  direction: "asc" | "desc",
  after: { value: unknown; id: string } | null,
): { where: SQL | undefined; orderBy: SQL[] } {
  const cmp = direction === "asc" ? gt : lt;
  const order = direction === "asc" ? asc : desc;
  const where = after
    ? or(cmp(column, after.value), and(eq(column, after.value), cmp(idColumn, after.id)))
    : undefined;
  return { where, orderBy: [order(column), order(idColumn)] };
}

/** Fetch limit + 1 rows; the extra one only says whether there is a next page. */
export function toPage<T extends { id: string }>(
  rows: T[],
  limit: number,
  sort: string,
  sortValue: (row: T) => unknown,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor(sort, sortValue(last), last.id) : null,
  };
}

export function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}
