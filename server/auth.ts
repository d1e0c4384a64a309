import "server-only";
import { randomBytes } from "node:crypto";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { admin } from "better-auth/plugins";
import { createAccessControl } from "better-auth/plugins/access";
import { defaultStatements } from "better-auth/plugins/admin/access";
import type { Db } from "../db/client";
import { getOrInitMeta } from "../db/queries/meta";
import * as schema from "../db/schema";
import { config } from "./config";
import { getDb } from "./db";

import { ROLES, type Role } from "../domain/user";

export { ROLES, type Role };

const ac = createAccessControl(defaultStatements);
// Only admins manage users through better-auth's admin endpoints; the others get no user rights.
const accessRoles = {
  admin: ac.newRole({
    user: [
      "create",
      "list",
      "set-role",
      "ban",
      "impersonate",
      "delete",
      "set-password",
      "get",
      "update",
    ],
    session: ["list", "revoke", "delete"],
  }),
  operator: ac.newRole({ user: [], session: [] }),
  viewer: ac.newRole({ user: [], session: [] }),
};

function createAuth(db: Db, secret: string) {
  return betterAuth({
    appName: "Cairn",
    secret,
    // Operators reach the console by whatever name or address their network gives it, so unless
    // CAIRN_URL pins one, the base URL comes from each request, and the only trusted origin is the
    // request's own Host (a form on another site cannot sign anyone in).
    baseURL: config().CAIRN_URL,
    trustedOrigins: async (request) => {
      const pinned = config().CAIRN_URL;
      const host = request?.headers.get("host");
      return [pinned, host ? `http://${host}` : null, host ? `https://${host}` : null];
    },
    database: drizzleAdapter(db, {
      provider: "pg",
      schema: {
        user: schema.user,
        session: schema.session,
        account: schema.account,
        verification: schema.verification,
        rateLimit: schema.rateLimit,
      },
    }),
    emailAndPassword: {
      enabled: true,
      // Users are created by an administrator (or by the first-run setup), never by themselves.
      disableSignUp: true,
      minPasswordLength: 12,
      maxPasswordLength: 128,
    },
    session: { expiresIn: 60 * 60 * 12, updateAge: 60 * 60 },
    rateLimit: {
      enabled: true,
      storage: "database",
      modelName: "rateLimit",
      window: 60,
      max: 300,
      customRules: { "/sign-in/email": { window: 60, max: 10 } },
    },
    advanced: {
      cookiePrefix: "cairn",
      // Consoles are often reached as http://<management-ip>:3000, where browsers drop Secure
      // cookies; they are Secure exactly when the operator says Cairn is served over HTTPS.
      useSecureCookies: config().CAIRN_URL?.startsWith("https://") ?? false,
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
    },
    plugins: [admin({ ac, roles: accessRoles, defaultRole: "viewer", adminRoles: ["admin"] })],
  });
}

export type Auth = ReturnType<typeof createAuth>;

const KEY = Symbol.for("cairn.auth");
type Slot = { promise?: Promise<Auth> };
const slot: Slot = ((globalThis as Record<symbol, unknown>)[KEY] as Slot | undefined) ?? {};
(globalThis as Record<symbol, unknown>)[KEY] = slot;

/** The secret lives in the database so that every replica signs sessions alike without setup. */
export function getAuth(): Promise<Auth> {
  if (!slot.promise) {
    slot.promise = (async () => {
      const db = await getDb();
      const secret =
        config().CAIRN_AUTH_SECRET ??
        (await getOrInitMeta(db, { key: "auth.secret", initial: randomBytes(32).toString("hex") }));
      return createAuth(db, secret);
    })();
    slot.promise.catch(() => {
      slot.promise = undefined;
    });
  }
  return slot.promise;
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export function asRole(value: unknown): Role {
  return (ROLES as readonly unknown[]).includes(value) ? (value as Role) : "viewer";
}

export async function sessionFromHeaders(headers: Headers): Promise<SessionUser | null> {
  const auth = await getAuth();
  const session = await auth.api.getSession({ headers });
  if (!session) return null;
  const u = session.user as { id: string; email: string; name: string; role?: string | null };
  return { id: u.id, email: u.email, name: u.name, role: asRole(u.role) };
}
