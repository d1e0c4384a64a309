import "server-only";
import { setupRequest } from "../../../domain/user";
import { createFirstAdmin, needsSetup } from "../../services/users";
import { createTRPCRouter, publicProcedure } from "../init";

/** First run only: both procedures are public because no user exists yet to sign in as. */
export const setupRouter = createTRPCRouter({
  status: publicProcedure.query(async ({ ctx }) => ({
    needsSetup: await needsSetup(await ctx.openDb()),
  })),
  createAdmin: publicProcedure
    .input(setupRequest)
    .mutation(async ({ ctx, input }) => createFirstAdmin(await ctx.openDb(), input)),
});
