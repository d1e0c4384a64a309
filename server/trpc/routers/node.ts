import "server-only";
import { z } from "zod";
import {
  assignNodesRequest,
  createBootstrapTokenRequest,
  listNodesRequest,
  nodeRefRequest,
  tokenRefRequest,
} from "../../../domain/node";
import * as nodes from "../../services/nodes";
import { adminProcedure, createTRPCRouter, operatorProcedure, viewerProcedure } from "../init";

export const nodeRouter = createTRPCRouter({
  list: viewerProcedure
    .input(listNodesRequest)
    .query(({ ctx, input }) => nodes.listNodes(ctx, input)),
  get: viewerProcedure
    .input(nodeRefRequest)
    .query(({ ctx, input }) => nodes.getNode(ctx, input.id)),
  assign: operatorProcedure
    .input(assignNodesRequest)
    .mutation(({ ctx, input }) => nodes.assignNodes(ctx, input)),
  statusCounts: viewerProcedure
    .input(z.object({ regionId: z.uuid().optional() }))
    .query(({ ctx, input }) => nodes.nodeStatusCounts(ctx, input.regionId)),
});

/** Bootstrap tokens let machines join a region: administrators only. */
export const tokenRouter = createTRPCRouter({
  list: adminProcedure
    .input(z.object({ regionId: z.uuid() }))
    .query(({ ctx, input }) => nodes.listBootstrapTokens(ctx, input.regionId)),
  create: adminProcedure
    .input(createBootstrapTokenRequest)
    .mutation(({ ctx, input }) => nodes.createBootstrapToken(ctx, input)),
  revoke: adminProcedure
    .input(tokenRefRequest)
    .mutation(({ ctx, input }) => nodes.revokeBootstrapToken(ctx, input.id)),
  rotate: adminProcedure
    .input(tokenRefRequest)
    .mutation(({ ctx, input }) => nodes.rotateBootstrapToken(ctx, input.id)),
});
