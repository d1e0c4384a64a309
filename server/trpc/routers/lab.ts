import "server-only";
import { z } from "zod";
import { STEP_ID_PATTERN } from "../../../domain/taskgraph/schema";
import { addLabNodes, LAB_MAX_NODES, labStatus } from "../../lab";
import { adminProcedure, createTRPCRouter, viewerProcedure } from "../init";

export const addLabNodesRequest = z.object({
  count: z.number().int().min(1).max(LAB_MAX_NODES),
  /** Graph step ids whose first attempt in each task fails on these nodes (then runs on retry). */
  failOnce: z.array(z.string().regex(STEP_ID_PATTERN)).max(20).optional(),
  /** Seconds each step waits before it runs on these nodes (default: CAIRN_LAB_SLOW_SECONDS). */
  slowSeconds: z.number().min(0).max(600).optional(),
});

export const labRouter = createTRPCRouter({
  status: viewerProcedure.query(() => labStatus()),
  addNodes: adminProcedure.input(addLabNodesRequest).mutation(({ ctx, input }) =>
    addLabNodes(ctx.db, {
      count: input.count,
      actor: ctx.user.email,
      ...(input.failOnce ? { failOnce: input.failOnce } : {}),
      ...(input.slowSeconds !== undefined ? { slowSeconds: input.slowSeconds } : {}),
    }),
  ),
});
