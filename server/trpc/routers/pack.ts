import "server-only";
import { z } from "zod";
import { PACK_ID_PATTERN } from "../../../domain/release/pack";
import * as packs from "../../services/packs";
import { adminProcedure, createTRPCRouter, viewerProcedure } from "../init";

const releaseId = z.string().min(1).max(100);
export const releasePacksRequest = z.object({ releaseId });
export const changePackRequest = z.object({
  releaseId,
  packId: z.string().max(63).regex(PACK_ID_PATTERN, {
    error: "a pack id is lowercase letters and digits in words joined by '-'",
  }),
});

/**
 * Content packs. Installing and removing are for administrators: a pack changes what every
 * cluster of the release runs on its nodes, as root, from then on — a change to the product's
 * content, like managing users — while operators build and run clouds with the content given.
 */
export const packRouter = createTRPCRouter({
  /** Packs on disk (`releases/packs/`), valid or with their problems. */
  available: viewerProcedure.query(() => packs.listAvailablePacks()),
  /** One release's installed packs and the available ones, each with whether it can be installed. */
  list: viewerProcedure
    .input(releasePacksRequest)
    .query(({ ctx, input }) => packs.releasePacks(ctx, input.releaseId)),
  install: adminProcedure
    .input(changePackRequest)
    .mutation(({ ctx, input }) => packs.installPack(ctx, input)),
  remove: adminProcedure
    .input(changePackRequest)
    .mutation(({ ctx, input }) => packs.uninstallPack(ctx, input)),
});
