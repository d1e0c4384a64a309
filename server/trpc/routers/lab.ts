import "server-only";
import { z } from "zod";
import { addLabNodes, LAB_MAX_NODES, labStatus } from "../../lab";
import { adminProcedure, createTRPCRouter, viewerProcedure } from "../init";

export const labRouter = createTRPCRouter({
  status: viewerProcedure.query(() => labStatus()),
  addNodes: adminProcedure
    .input(z.object({ count: z.number().int().min(1).max(LAB_MAX_NODES) }))
    .mutation(({ ctx, input }) =>
      addLabNodes(ctx.db, { count: input.count, actor: ctx.user.email }),
    ),
});
