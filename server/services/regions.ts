import "server-only";
import { isUniqueViolation } from "../../db/errors";
import * as q from "../../db/queries/regions";
import { CairnError } from "../../domain/errors";
import {
  type createRegionRequest,
  type listRegionsRequest,
  type updateRegionRequest,
  type Page,
} from "../../domain/region";
import type { z } from "zod";
import type { ServiceContext } from "./context";

export async function listRegions(
  ctx: Pick<ServiceContext, "db">,
  input: z.output<typeof listRegionsRequest>,
): Promise<Page<q.RegionListRow>> {
  return q.listRegions(ctx.db, input);
}

export async function getRegion(ctx: Pick<ServiceContext, "db">, id: string): Promise<q.RegionRow> {
  const row = await q.getRegion(ctx.db, { id });
  if (!row) throw new CairnError("region.not-found", { ref: id });
  return row;
}

export async function createRegion(
  ctx: ServiceContext,
  input: z.output<typeof createRegionRequest>,
): Promise<q.RegionRow> {
  try {
    return await q.insertRegion(ctx.db, input);
  } catch (e) {
    if (isUniqueViolation(e)) throw new CairnError("region.name-taken", { name: input.name });
    throw e;
  }
}

export async function updateRegion(
  ctx: ServiceContext,
  input: z.output<typeof updateRegionRequest>,
): Promise<q.RegionRow> {
  const row = await q.updateRegion(ctx.db, input);
  if (!row) throw new CairnError("region.not-found", { ref: input.id });
  return row;
}

export async function deleteRegion(ctx: ServiceContext, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const region = await q.getRegion(tx, { id });
    if (!region) throw new CairnError("region.not-found", { ref: id });
    const clusters = await q.countClustersInRegion(tx, { regionId: id });
    if (clusters > 0)
      throw new CairnError("region.has-clusters", { name: region.name, count: clusters });
    const nodes = await q.countNodesInRegion(tx, { regionId: id });
    if (nodes > 0) throw new CairnError("region.has-nodes", { name: region.name, count: nodes });
    // Removed nodes and the region's bootstrap tokens go with it.
    await q.deleteRemovedNodes(tx, { regionId: id });
    await q.deleteRegion(tx, { id });
  });
}
