import "server-only";
import { checkHealth } from "../../services/health";
import { createTRPCRouter, viewerProcedure } from "../init";
import { publicProcedure } from "../init";

export const healthRouter = createTRPCRouter({
  /** Details (database location, versions) for signed-in users; works while the database is down. */
  report: publicProcedure.query(async ({ ctx }) => {
    if (!ctx.user) return null;
    return checkHealth();
  }),
  ping: viewerProcedure.query(() => ({ ok: true as const })),
});
