import "server-only";
import type { z } from "zod";
import { isUniqueViolation } from "../../db/errors";
import * as q from "../../db/queries/clusters";
import { getRegion } from "../../db/queries/regions";
import { canDeleteCluster } from "../../domain/cluster";
import { CairnError } from "../../domain/errors";
import type {
  createClusterRequest,
  listClustersRequest,
  Page,
  renameClusterRequest,
} from "../../domain/region";
import type { ServiceContext } from "./context";
import { eq } from "drizzle-orm";
import { clusters } from "../../db/schema";
import type { Settings } from "../../domain/model";
import { effectiveBundle, requireRelease } from "./releases";
import { effectiveSettings } from "../../domain/release/pack";

export async function listClusters(
  ctx: Pick<ServiceContext, "db">,
  input: z.output<typeof listClustersRequest>,
): Promise<Page<q.ClusterRow>> {
  return q.listClusters(ctx.db, input);
}

export async function getCluster(
  ctx: Pick<ServiceContext, "db">,
  id: string,
): Promise<q.ClusterRow> {
  const row = await q.getCluster(ctx.db, { id });
  if (!row) throw new CairnError("cluster.not-found", { ref: id });
  return row;
}

export async function createCluster(
  ctx: ServiceContext,
  input: z.output<typeof createClusterRequest>,
): Promise<q.ClusterRow> {
  requireRelease(input.releaseId);
  const id = await ctx.db.transaction(async (tx) => {
    const region = await getRegion(tx, { id: input.regionId });
    if (!region) throw new CairnError("region.not-found", { ref: input.regionId });
    try {
      return (await q.insertCluster(tx, input)).id;
    } catch (e) {
      if (isUniqueViolation(e))
        throw new CairnError("cluster.name-taken", { region: region.name, name: input.name });
      throw e;
    }
  });
  return getCluster(ctx, id);
}

export async function renameCluster(
  ctx: ServiceContext,
  input: z.output<typeof renameClusterRequest>,
): Promise<q.ClusterRow> {
  if (!(await q.renameCluster(ctx.db, input)))
    throw new CairnError("cluster.not-found", { ref: input.id });
  return getCluster(ctx, input.id);
}

export async function deleteCluster(ctx: ServiceContext, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const cluster = await q.getCluster(tx, { id });
    if (!cluster) throw new CairnError("cluster.not-found", { ref: id });
    if (!canDeleteCluster(cluster.status) || !(await q.deleteNewCluster(tx, { id })))
      throw new CairnError("cluster.not-deletable", { name: cluster.name, status: cluster.status });
  });
}

/** The cluster's settings as steps will get them: its own, or the release's defaults. */
export async function clusterSettings(ctx: Pick<ServiceContext, "db">, id: string) {
  const [row] = await ctx.db
    .select({ settings: clusters.settings, releaseId: clusters.releaseId })
    .from(clusters)
    .where(eq(clusters.id, id));
  if (!row) throw new CairnError("cluster.not-found", { ref: id });
  return {
    settings: effectiveSettings(await effectiveBundle(ctx.db, row.releaseId), row.settings),
    own: row.settings !== null,
  };
}

/**
 * Replaces the cluster's settings. Nothing runs: an `update-settings` task applies them, and only
 * the steps that own a changed setting run.
 */
export async function updateClusterSettings(
  ctx: ServiceContext,
  input: { id: string; settings: Settings },
) {
  const [row] = await ctx.db
    .update(clusters)
    .set({ settings: input.settings, updatedAt: new Date() })
    .where(eq(clusters.id, input.id))
    .returning({ id: clusters.id });
  if (!row) throw new CairnError("cluster.not-found", { ref: input.id });
  return clusterSettings(ctx, input.id);
}
