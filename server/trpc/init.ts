import "server-only";
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import type { Db } from "../../db/client";
import { isConnectionError } from "../../db/errors";
import { insertAudit } from "../../db/queries/audit";
import { CairnError, type CairnErrorShape, type ErrorKind } from "../../domain/errors";
import { fieldErrors } from "../../domain/validation";
import { sessionFromHeaders, type Role, type SessionUser } from "../auth";
import { getDb } from "../db";

export interface Context {
  headers: Headers;
  user: SessionUser | null;
  /** Opened lazily so that a health query can report an outage instead of failing to start. */
  openDb(): Promise<Db>;
}

export async function createContext(opts: { headers: Headers }): Promise<Context> {
  let user: SessionUser | null = null;
  try {
    user = await sessionFromHeaders(opts.headers);
  } catch (e) {
    // No database, no session check: procedures that need a user will say the database is down.
    if (!isConnectionError(e)) console.error("session lookup failed", e);
  }
  return { headers: opts.headers, user, openDb: getDb };
}

const STATUS: Record<ErrorKind, TRPCError["code"]> = {
  unauthenticated: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  "not-found": "NOT_FOUND",
  conflict: "CONFLICT",
  invalid: "BAD_REQUEST",
  precondition: "PRECONDITION_FAILED",
  "rate-limited": "TOO_MANY_REQUESTS",
  unavailable: "SERVICE_UNAVAILABLE",
  internal: "INTERNAL_SERVER_ERROR",
};

/** The one mapping from anything thrown to what a client sees: a CairnError shape, never a stack. */
export function toCairnError(error: unknown): CairnError {
  if (error instanceof CairnError) return error;
  if (error instanceof TRPCError) {
    if (error.cause instanceof CairnError) return error.cause;
    if (error.cause instanceof ZodError) {
      const fields = fieldErrors(error.cause);
      return new CairnError(
        "input.invalid",
        { fields: fields.map((f) => f.path || "(input)").join(", ") },
        { fields },
      );
    }
    if (error.code === "UNAUTHORIZED") return new CairnError("auth.unauthenticated");
    if (error.cause) return toCairnError(error.cause);
  }
  if (isConnectionError(error)) return new CairnError("db.unavailable");
  const ref = Math.random().toString(36).slice(2, 10);
  console.error(`[cairn] internal error ${ref}`, error);
  return new CairnError("internal", { ref });
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cairn = toCairnError(error);
    return {
      ...shape,
      message: cairn.localized.en,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        cairn: cairn.toShape() satisfies CairnErrorShape,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Rethrows CairnErrors with the transport status their kind maps to. */
const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cairn = toCairnError(result.error);
    throw new TRPCError({ code: STATUS[cairn.kind], message: cairn.message, cause: cairn });
  }
  return result;
});

export const publicProcedure = t.procedure.use(errorMapping);

/**
 * Every procedure names the roles that may call it: `allow("admin", "operator")`. Mutations are
 * audited here, in one place, whatever their outcome.
 */
export function allow(...roles: [Role, ...Role[]]) {
  return publicProcedure.use(async ({ ctx, next, type, path, getRawInput }) => {
    if (!ctx.user) throw new CairnError("auth.unauthenticated");
    const user = ctx.user;
    if (!roles.includes(user.role)) {
      if (type === "mutation") await audit(ctx, user, path, await getRawInput(), "auth.forbidden");
      throw new CairnError("auth.forbidden", { role: user.role, allowed: roles.join(", ") });
    }
    const db = await ctx.openDb();
    const result = await next({ ctx: { ...ctx, user, db } });
    if (type === "mutation") {
      const code = result.ok ? null : toCairnError(result.error).code;
      await audit(ctx, user, path, await getRawInput(), code);
    }
    return result;
  });
}

async function audit(
  ctx: Context,
  user: SessionUser,
  action: string,
  input: unknown,
  errorCode: string | null,
): Promise<void> {
  try {
    await insertAudit(await ctx.openDb(), {
      actorId: user.id,
      actorEmail: user.email,
      action,
      target: describeTarget(input),
      outcome: errorCode ? "error" : "ok",
      errorCode,
      details: redact(input),
    });
  } catch (e) {
    console.error("[cairn] audit write failed", e);
  }
}

function describeTarget(input: unknown): string | null {
  if (!input || typeof input !== "object") return typeof input === "string" ? input : null;
  const o = input as Record<string, unknown>;
  for (const key of ["id", "name", "email", "regionId"])
    if (typeof o[key] === "string") return o[key];
  return null;
}

function redact(input: unknown): Record<string, unknown> | null {
  if (!input || typeof input !== "object") return input === undefined ? null : { value: input };
  const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const key of Object.keys(copy)) if (/password|secret|token/i.test(key)) copy[key] = "***";
  return copy;
}

export const viewerProcedure = allow("admin", "operator", "viewer");
export const operatorProcedure = allow("admin", "operator");
export const adminProcedure = allow("admin");
