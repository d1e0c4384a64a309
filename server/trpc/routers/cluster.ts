import "server-only";
import { z } from "zod";
import {
  createClusterRequest,
  listClustersRequest,
  renameClusterRequest,
} from "../../../domain/region";
import { settingsSchema } from "../../../domain/model";
import * as clusters from "../../services/clusters";
import { createTRPCRouter, operatorProcedure, viewerProcedure } from "../init";

export const clusterRouter = createTRPCRouter({
  list: viewerProcedure
    .input(listClustersRequest)
    .query(({ ctx, input }) => clusters.listClusters(ctx, input)),
  get: viewerProcedure
    .input(z.object({ id: z.uuid() }))
    .query(({ ctx, input }) => clusters.getCluster(ctx, input.id)),
  create: operatorProcedure
    .input(createClusterRequest)
    .mutation(({ ctx, input }) => clusters.createCluster(ctx, input)),
  rename: operatorProcedure
    .input(renameClusterRequest)
    .mutation(({ ctx, input }) => clusters.renameCluster(ctx, input)),
  settings: viewerProcedure
    .input(z.object({ id: z.uuid() }))
    .query(({ ctx, input }) => clusters.clusterSettings(ctx, input.id)),
  updateSettings: operatorProcedure
    .input(z.object({ id: z.uuid(), settings: settingsSchema }))
    .mutation(({ ctx, input }) => clusters.updateClusterSettings(ctx, input)),
  delete: operatorProcedure
    .input(z.object({ id: z.uuid() }))
    .mutation(({ ctx, input }) => clusters.deleteCluster(ctx, input.id)),
});
