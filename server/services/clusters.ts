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
import { requireRelease } from "./releases";

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
