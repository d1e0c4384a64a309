import "server-only";
import { z } from "zod";
import { ROLES, createUserRequest } from "../../../domain/user";
import * as users from "../../services/users";
import { adminProcedure, createTRPCRouter, publicProcedure, viewerProcedure } from "../init";

export const userRouter = createTRPCRouter({
  /** Who am I; null when signed out (the one read that does not need a session). */
  me: publicProcedure.query(({ ctx }) => ctx.user),
  list: adminProcedure.query(({ ctx }) => users.listUsers(ctx)),
  create: adminProcedure
    .input(createUserRequest)
    .mutation(({ ctx, input }) => users.createUser(ctx, input)),
  setRole: adminProcedure
    .input(z.object({ id: z.string().min(1), role: z.enum(ROLES) }))
    .mutation(({ ctx, input }) => users.setUserRole(ctx, input)),
  delete: adminProcedure
    .input(z.object({ id: z.string().min(1) }))
    .mutation(({ ctx, input }) => users.deleteUser(ctx, input.id)),
  /** Anyone signed in can see the list of roles and what they mean. */
  roles: viewerProcedure.query(() => ROLES),
});
