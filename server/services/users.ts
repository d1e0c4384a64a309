import "server-only";
import { eq } from "drizzle-orm";
import type { z } from "zod";
import type { Db } from "../../db/client";
import { getOrInitMeta } from "../../db/queries/meta";
import * as q from "../../db/queries/users";
import { meta, user } from "../../db/schema";
import { CairnError } from "../../domain/errors";
import { type createUserRequest, type setupRequest, type Role } from "../../domain/user";
import { getAuth } from "../auth";
import type { ServiceContext } from "./context";

export async function needsSetup(db: Db): Promise<boolean> {
  return (await q.countUsers(db)) === 0;
}

async function emailTaken(db: Db, email: string): Promise<boolean> {
  const [row] = await db.select({ id: user.id }).from(user).where(eq(user.email, email));
  return Boolean(row);
}

async function insertUser(input: z.output<typeof createUserRequest>) {
  const auth = await getAuth();
  // Called without request headers: better-auth treats it as a trusted server call.
  const result = await auth.api.createUser({
    body: { email: input.email, name: input.name, password: input.password, role: input.role },
  });
  return { id: result.user.id, email: result.user.email, role: input.role };
}

/**
 * First run: the one administrator. Two browsers racing through setup must not both win, so the
 * claim is a row insert that only one can make; a failed creation releases the claim.
 */
export async function createFirstAdmin(db: Db, input: z.output<typeof setupRequest>) {
  if (!(await needsSetup(db))) throw new CairnError("setup.done");
  const claim = `setup:${process.pid}:${Date.now()}:${Math.random()}`;
  const holder = await getOrInitMeta(db, { key: "setup.claim", initial: claim });
  if (holder !== claim) throw new CairnError("setup.done");
  try {
    return await insertUser({ ...input, role: "admin" });
  } catch (e) {
    await db.delete(meta).where(eq(meta.key, "setup.claim"));
    throw e;
  }
}

/** Unattended installs: CAIRN_ADMIN_PASSWORD creates the administrator at start if none exists. */
export async function ensureAdminFromEnv(db: Db, email: string, password: string | undefined) {
  if (!password || !(await needsSetup(db))) return false;
  await createFirstAdmin(db, { email, name: "Administrator", password });
  return true;
}

export async function listUsers(ctx: Pick<ServiceContext, "db">) {
  return q.listUsers(ctx.db);
}

export async function createUser(ctx: ServiceContext, input: z.output<typeof createUserRequest>) {
  if (await emailTaken(ctx.db, input.email))
    throw new CairnError("user.email-taken", { email: input.email });
  return insertUser(input);
}

export async function setUserRole(ctx: ServiceContext, input: { id: string; role: Role }) {
  if (input.id === ctx.user.id) throw new CairnError("user.self-demote");
  const target = await q.getUser(ctx.db, { id: input.id });
  if (!target) throw new CairnError("user.not-found", { id: input.id });
  await q.setUserRole(ctx.db, input);
}

export async function deleteUser(ctx: ServiceContext, id: string) {
  if (id === ctx.user.id) throw new CairnError("user.self-demote");
  const target = await q.getUser(ctx.db, { id });
  if (!target) throw new CairnError("user.not-found", { id });
  await q.deleteUser(ctx.db, { id });
}
