import "server-only";
import { z } from "zod";
import {
  createRegionRequest,
  listRegionsRequest,
  updateRegionRequest,
} from "../../../domain/region";
import * as regions from "../../services/regions";
import { adminProcedure, createTRPCRouter, operatorProcedure, viewerProcedure } from "../init";

export const regionRouter = createTRPCRouter({
  list: viewerProcedure
    .input(listRegionsRequest)
    .query(({ ctx, input }) => regions.listRegions(ctx, input)),
  get: viewerProcedure
    .input(z.object({ id: z.uuid() }))
    .query(({ ctx, input }) => regions.getRegion(ctx, input.id)),
  create: operatorProcedure
    .input(createRegionRequest)
    .mutation(({ ctx, input }) => regions.createRegion(ctx, input)),
  update: operatorProcedure
    .input(updateRegionRequest)
    .mutation(({ ctx, input }) => regions.updateRegion(ctx, input)),
  delete: adminProcedure
    .input(z.object({ id: z.uuid() }))
    .mutation(({ ctx, input }) => regions.deleteRegion(ctx, input.id)),
});
