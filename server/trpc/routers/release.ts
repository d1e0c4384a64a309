import "server-only";
import { z } from "zod";
import { releasesWithPacks } from "../../services/packs";
import { releaseDetail } from "../../services/releases";
import { createTRPCRouter, viewerProcedure } from "../init";

export const releaseRouter = createTRPCRouter({
  /** Every release bundle with its problems and the ids of the content packs installed on it. */
  list: viewerProcedure.query(({ ctx }) => releasesWithPacks(ctx)),
  /** One release as clusters use it: its own bundle with its installed packs merged in. */
  get: viewerProcedure
    .input(z.object({ id: z.string().min(1).max(100) }))
    .query(({ ctx, input }) => releaseDetail(ctx.db, input.id)),
});
