/** Users and their roles: who may read and who may change what (enforced per procedure on the server). */
import { z } from "zod";

export const ROLES = ["admin", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const createUserRequest = z.object({
  email: z.email({ error: "email" }).transform((s) => s.toLowerCase()),
  name: z.string().trim().min(1, { error: "required" }).max(100),
  password: z.string().min(12, { error: "password-length" }).max(128, { error: "password-length" }),
  role: z.enum(ROLES),
});
export type CreateUserRequest = z.input<typeof createUserRequest>;

export const setupRequest = createUserRequest.omit({ role: true });
