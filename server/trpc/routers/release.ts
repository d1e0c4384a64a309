import "server-only";
import { listReleases } from "../../services/releases";
import { createTRPCRouter, viewerProcedure } from "../init";

export const releaseRouter = createTRPCRouter({
  list: viewerProcedure.query(() => listReleases()),
});
