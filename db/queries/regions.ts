import { and, count, eq, ilike, ne, or, sql } from "drizzle-orm";
import type { Db } from "../client";
import { clusters, nodes, regions } from "../schema";
import { decodeCursor, keyset, likePattern, toPage } from "./paging";
import type { Page } from "../../domain/region";

export const regionColumns = {
  id: regions.id,
  name: regions.name,
  displayName: regions.displayName,
  description: regions.description,
  createdAt: regions.createdAt,
  updatedAt: regions.updatedAt,
};

export type RegionRow = {
  id: string;
  name: string;
  displayName: string;
  description: string;
  createdAt: Date;
  updatedAt: Date;
};

export type RegionListRow = RegionRow & { clusterCount: number };

export async function listRegions(
  db: Db,
  params: {
    limit: number;
    cursor?: string | null;
    sort: "name" | "createdAt";
    order: "asc" | "desc";
    search?: string;
  },
): Promise<Page<RegionListRow>> {
  const column = params.sort === "name" ? regions.name : regions.createdAt;
  const page = keyset(column, regions.id, params.order, decodeCursor(params.cursor, params.sort));
  const filter = params.search
    ? or(
        ilike(regions.name, likePattern(params.search)),
        ilike(regions.displayName, likePattern(params.search)),
      )
    : undefined;
  const rows = await db
    .select({
      ...regionColumns,
      clusterCount: sql<number>`(select count(*)::int from ${clusters} where ${clusters.regionId} = ${regions.id})`,
    })
    .from(regions)
    .where(and(filter, page.where))
    .orderBy(...page.orderBy)
    .limit(params.limit + 1);
  return toPage(rows, params.limit, params.sort, (r) => r[params.sort]);
}

export async function getRegion(db: Db, params: { id: string }): Promise<RegionRow | undefined> {
  const [row] = await db.select(regionColumns).from(regions).where(eq(regions.id, params.id));
  return row;
}

export async function getRegionByName(
  db: Db,
  params: { name: string },
): Promise<RegionRow | undefined> {
  const [row] = await db.select(regionColumns).from(regions).where(eq(regions.name, params.name));
  return row;
}

export async function insertRegion(
  db: Db,
  params: { name: string; displayName: string; description: string },
): Promise<RegionRow> {
  const [row] = await db.insert(regions).values(params).returning(regionColumns);
  if (!row) throw new Error("insert returned no row");
  return row;
}

export async function updateRegion(
  db: Db,
  params: { id: string; displayName?: string; description?: string },
): Promise<RegionRow | undefined> {
  const { id, ...changes } = params;
  const [row] = await db
    .update(regions)
    .set({ ...changes, updatedAt: new Date() })
    .where(eq(regions.id, id))
    .returning(regionColumns);
  return row;
}

export async function deleteRegion(db: Db, params: { id: string }): Promise<boolean> {
  const rows = await db.delete(regions).where(eq(regions.id, params.id)).returning({ id: regions.id });
  return rows.length > 0;
}

export async function countClustersInRegion(db: Db, params: { regionId: string }): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(clusters)
    .where(eq(clusters.regionId, params.regionId));
  return row?.n ?? 0;
}

/** Nodes that are not removed: a region with machines still registered cannot go. */
export async function countNodesInRegion(db: Db, params: { regionId: string }): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(nodes)
    .where(and(eq(nodes.regionId, params.regionId), ne(nodes.status, "removed")));
  return row?.n ?? 0;
}

export async function deleteRemovedNodes(db: Db, params: { regionId: string }): Promise<void> {
  await db
    .delete(nodes)
    .where(and(eq(nodes.regionId, params.regionId), eq(nodes.status, "removed")));
}
