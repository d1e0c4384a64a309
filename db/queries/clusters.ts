import { and, eq, ilike, inArray, or } from "drizzle-orm";
import type { ClusterStatus } from "../../domain/cluster";
import type { ClusterKind } from "../../domain/model";
import type { Page } from "../../domain/region";
import type { Db } from "../client";
import { clusters, regions } from "../schema";
import { decodeCursor, keyset, likePattern, toPage } from "./paging";

export type ClusterRow = {
  id: string;
  regionId: string;
  regionName: string;
  name: string;
  displayName: string;
  kind: ClusterKind;
  releaseId: string;
  status: ClusterStatus;
  createdAt: Date;
  updatedAt: Date;
};

const clusterColumns = {
  id: clusters.id,
  regionId: clusters.regionId,
  regionName: regions.name,
  name: clusters.name,
  displayName: clusters.displayName,
  kind: clusters.kind,
  releaseId: clusters.releaseId,
  status: clusters.status,
  createdAt: clusters.createdAt,
  updatedAt: clusters.updatedAt,
};

const SORT_COLUMNS = {
  name: clusters.name,
  createdAt: clusters.createdAt,
  status: clusters.status,
} as const;

export async function listClusters(
  db: Db,
  params: {
    limit: number;
    cursor?: string | null;
    sort: keyof typeof SORT_COLUMNS;
    order: "asc" | "desc";
    search?: string;
    regionId?: string;
    status?: ClusterStatus[];
    kind?: ClusterKind;
  },
): Promise<Page<ClusterRow>> {
  const column = SORT_COLUMNS[params.sort];
  const page = keyset(column, clusters.id, params.order, decodeCursor(params.cursor, params.sort));
  const rows = await db
    .select(clusterColumns)
    .from(clusters)
    .innerJoin(regions, eq(regions.id, clusters.regionId))
    .where(
      and(
        params.regionId ? eq(clusters.regionId, params.regionId) : undefined,
        params.status?.length ? inArray(clusters.status, params.status) : undefined,
        params.kind ? eq(clusters.kind, params.kind) : undefined,
        params.search
          ? or(
              ilike(clusters.name, likePattern(params.search)),
              ilike(clusters.displayName, likePattern(params.search)),
            )
          : undefined,
        page.where,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(params.limit + 1);
  return toPage(rows, params.limit, params.sort, (r) => r[params.sort]);
}

export async function getCluster(db: Db, params: { id: string }): Promise<ClusterRow | undefined> {
  const [row] = await db
    .select(clusterColumns)
    .from(clusters)
    .innerJoin(regions, eq(regions.id, clusters.regionId))
    .where(eq(clusters.id, params.id));
  return row;
}

export async function findClusterByName(
  db: Db,
  params: { regionId: string; name: string },
): Promise<{ id: string } | undefined> {
  const [row] = await db
    .select({ id: clusters.id })
    .from(clusters)
    .where(and(eq(clusters.regionId, params.regionId), eq(clusters.name, params.name)));
  return row;
}

export async function insertCluster(
  db: Db,
  params: {
    regionId: string;
    name: string;
    displayName: string;
    kind: ClusterKind;
    releaseId: string;
  },
): Promise<{ id: string }> {
  const [row] = await db.insert(clusters).values(params).returning({ id: clusters.id });
  if (!row) throw new Error("insert returned no row");
  return row;
}

export async function renameCluster(
  db: Db,
  params: { id: string; displayName: string },
): Promise<boolean> {
  const rows = await db
    .update(clusters)
    .set({ displayName: params.displayName, updatedAt: new Date() })
    .where(eq(clusters.id, params.id))
    .returning({ id: clusters.id });
  return rows.length > 0;
}

/** Deletes only while the status is still `new`, so a concurrent deploy cannot be deleted under it. */
export async function deleteNewCluster(db: Db, params: { id: string }): Promise<boolean> {
  const rows = await db
    .delete(clusters)
    .where(and(eq(clusters.id, params.id), eq(clusters.status, "new")))
    .returning({ id: clusters.id });
  return rows.length > 0;
}

export async function setClusterStatus(
  db: Db,
  params: { id: string; status: ClusterStatus },
): Promise<void> {
  await db
    .update(clusters)
    .set({ status: params.status, updatedAt: new Date() })
    .where(eq(clusters.id, params.id));
}
