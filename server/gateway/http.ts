import "server-only";
/**
 * HTTP plumbing of the agent gateway: bounded body reading, bearer secrets, JSON refusals that
 * name the field and the fix, and a small token-bucket rate limiter.
 */
import { createHash, randomBytes } from "node:crypto";
import type { z } from "zod";
import { CairnError, type ErrorKind } from "../../domain/errors";
import { fieldErrors } from "../../domain/validation";
import { isConnectionError } from "../../db/errors";

export const HTTP_STATUS: Record<ErrorKind, number> = {
  unauthenticated: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  invalid: 400,
  precondition: 412,
  "rate-limited": 429,
  unavailable: 503,
  internal: 500,
};

/** 32 random bytes, URL-safe: the shape of every agent secret (bootstrap tokens, credentials). */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString("base64url")}`;
}

/** Secrets are stored and looked up only by this hash. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function bearer(req: Request): string | null {
  const header = req.headers.get("authorization");
  const m = header ? /^Bearer\s+(\S{16,512})$/i.exec(header.trim()) : null;
  return m?.[1] ?? null;
}

/** Reads at most `limit` bytes of JSON; a larger body is refused before it is all read. */
export async function readJson(req: Request, limit: number): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > limit)
    throw new CairnError("agent.payload-too-large", { size: declared, limit });
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw new CairnError("agent.payload-too-large", { size: `more than ${limit}`, limit });
      }
      chunks.push(value);
    }
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new CairnError("agent.bad-json");
  }
}

export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const fields = fieldErrors(parsed.error);
  throw new CairnError(
    "input.invalid",
    { fields: fields.map((f) => f.path || "(body)").join(", ") },
    { fields },
  );
}

/** The gateway's one error answer: `{error: {code, message, hint, fields}}` with the kind's status. */
export function errorResponse(e: unknown, headers?: HeadersInit): Response {
  let error: CairnError;
  if (e instanceof CairnError) error = e;
  else if (isConnectionError(e)) error = new CairnError("db.unavailable");
  else {
    const ref = Math.random().toString(36).slice(2, 10);
    console.error(`[cairn] gateway internal error ${ref}`, e);
    error = new CairnError("internal", { ref });
  }
  return Response.json(
    {
      error: {
        code: error.code,
        message: error.localized.en,
        hint: error.hint?.en,
        fields: error.fields?.map((f) => ({ path: f.path, message: f.message.en })),
      },
    },
    {
      status: error.code === "agent.payload-too-large" ? 413 : HTTP_STATUS[error.kind],
      headers,
    },
  );
}

/**
 * Token buckets per key (a node, or a client address before it is known). In memory, per process:
 * each replica limits what reaches it, which is what protects that replica and its database pool.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.prune(t);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.perSecond);
  }

  /** Seconds until a token is available, without taking one (0 = available). */
  peek(key: string): number {
    const b = this.buckets.get(key);
    if (!b) return 0;
    const tokens = Math.min(this.burst, b.tokens + ((this.now() - b.at) / 1000) * this.perSecond);
    return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / this.perSecond);
  }

  private prune(t: number) {
    for (const [k, b] of this.buckets)
      if (t - b.at > (this.burst / this.perSecond) * 1000) this.buckets.delete(k);
  }
}
