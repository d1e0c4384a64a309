import "server-only";
import { z } from "zod";
import { listReleases, releaseDetail } from "../../services/releases";
import { createTRPCRouter, viewerProcedure } from "../init";

export const releaseRouter = createTRPCRouter({
  list: viewerProcedure.query(() => listReleases()),
  get: viewerProcedure
    .input(z.object({ id: z.string().min(1).max(100) }))
    .query(({ input }) => releaseDetail(input.id)),
});
