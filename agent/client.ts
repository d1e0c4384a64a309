/**
 * The agent's side of the gateway protocol (domain/agent/protocol.ts): one method per call, each
 * request checked against its schema before it leaves and each answer parsed with its schema when
 * it comes back. Every failure becomes a `GatewayError` of one of three kinds, which is all the
 * agent's loops need to decide what to do next:
 *
 * - `unauthorized` (401): the secret is not accepted; re-register or stop.
 * - `rejected` (other 4xx, or a request that fails its own schema): resending cannot help; drop it.
 *   403 is here, not above: the gateway answers 403 for an attempt of another node (the credential
 *   is fine, the report is not) and for a machine registered in another region.
 * - `retryable` (429, 5xx, network errors, timeouts, an answer that does not parse): back off, resend.
 */
import type { z } from "zod";
import {
  AGENT_LIMITS,
  AGENT_PATHS,
  agentErrorResponse,
  agentRetryable,
  eventsRequest,
  eventsResponse,
  heartbeatRequest,
  heartbeatResponse,
  logsRequest,
  logsResponse,
  pollRequest,
  pollResponse,
  registerRequest,
  registerResponse,
  type EventsRequest,
  type EventsResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type LogsRequest,
  type LogsResponse,
  type PollRequest,
  type PollResponse,
  type RegisterRequest,
  type RegisterResponse,
} from "../domain/agent/protocol";

export type FailureKind = "unauthorized" | "rejected" | "retryable";

export class GatewayError extends Error {
  override readonly name = "GatewayError";
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly details: {
      /** HTTP status; absent when no answer arrived (network error, timeout, abort). */
      status?: number;
      /** The gateway's stable error code, when it sent one. */
      code?: string;
      fields?: { path: string; message: string }[];
      /** The caller's own signal ended the request (stop), not a timeout or the network. */
      aborted?: boolean;
      /** From a 429/503 `Retry-After`: wait at least this long before resending. */
      retryAfterMs?: number;
    } = {},
  ) {
    super(message);
  }
  get status(): number | undefined {
    return this.details.status;
  }
}

/** What the agent does with an HTTP status (see `agentRetryable` in the protocol). */
export function classifyStatus(status: number): FailureKind {
  if (status === 401) return "unauthorized";
  if (agentRetryable(status)) return "retryable";
  return "rejected";
}

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/**
 * "Full jitter": a delay drawn uniformly from [0, min(max, base·2^attempt)). Spreads a thousand
 * agents that lost the same server over the whole window instead of bunching them at its edges.
 * `attempt` counts failures so far, from 0.
 */
export function backoffMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exp = Math.min(Math.max(0, attempt), 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exp);
  return Math.floor(random() * ceiling);
}

/** The backoff delay, but never shorter than what the server asked for with Retry-After. */
export function retryDelayMs(
  failure: GatewayError,
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  return Math.max(backoffMs(attempt, policy, random), failure.details.retryAfterMs ?? 0);
}

/** A sleep that ends early (resolving, not rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

export interface RetryOptions {
  backoff?: BackoffPolicy;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to print "server unreachable, retrying in 4 s". */
  onRetry?: (error: GatewayError, delayMs: number, attempt: number) => void;
}

/**
 * Calls `fn` until it succeeds, resending on `retryable` failures with backoff; an `unauthorized`
 * or `rejected` failure, or the signal aborting, ends the retries by throwing.
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const wait = opts.sleep ?? sleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const failure = asGatewayError(error);
      if (failure.kind !== "retryable" || failure.details.aborted || opts.signal?.aborted)
        throw failure;
      const delay = retryDelayMs(failure, attempt, opts.backoff, opts.random);
      opts.onRetry?.(failure, delay, attempt);
      await wait(delay, opts.signal);
      if (opts.signal?.aborted) throw new GatewayError("retryable", "stopped", { aborted: true });
    }
  }
}

export function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError("retryable", error instanceof Error ? error.message : String(error));
}

export interface GatewayClientOptions {
  /** Base URL of Cairn, e.g. https://cairn.example:3000 (a path prefix is kept). */
  server: string;
  /** The node's credential; set later with `setCredential` when the agent registers first. */
  credential?: string;
  fetch?: typeof fetch;
  /** Longest wait for any answer except a poll's. */
  requestTimeoutMs?: number;
  /** How much longer than its own wait a poll may take before it counts as lost. */
  pollGraceMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_POLL_GRACE_MS = 15_000;

export class GatewayClient {
  private credential: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly base: string;
  private readonly requestTimeoutMs: number;
  private readonly pollGraceMs: number;

  constructor(opts: GatewayClientOptions) {
    let url: URL;
    try {
      url = new URL(opts.server);
    } catch {
      throw new TypeError(
        `server must be a URL such as https://cairn.example:3000 (got "${opts.server}")`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new TypeError(`server must be an http:// or https:// URL (got "${opts.server}")`);
    this.base = url.href.replace(/\/+$/, "");
    this.credential = opts.credential;
    this.fetchImpl = opts.fetch ?? globalThis.fetch;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.pollGraceMs = opts.pollGraceMs ?? DEFAULT_POLL_GRACE_MS;
  }

  get server(): string {
    return this.base;
  }

  setCredential(credential: string): void {
    this.credential = credential;
  }

  /** Registers with a region's bootstrap token; the answer carries the node's own credential. */
  register(
    bootstrapToken: string,
    body: RegisterRequest,
    signal?: AbortSignal,
  ): Promise<RegisterResponse> {
    return this.call(AGENT_PATHS.register, registerRequest, registerResponse, body, {
      secret: bootstrapToken,
      maxBytes: AGENT_LIMITS.maxInventoryBodyBytes,
      signal,
    });
  }

  heartbeat(body: HeartbeatRequest, signal?: AbortSignal): Promise<HeartbeatResponse> {
    return this.call(AGENT_PATHS.heartbeat, heartbeatRequest, heartbeatResponse, body, {
      maxBytes: AGENT_LIMITS.maxInventoryBodyBytes,
      signal,
    });
  }

  /** Long poll: the request timeout is the wait plus `pollGraceMs`, so a held poll is not cut. */
  poll(body: PollRequest, signal?: AbortSignal): Promise<PollResponse> {
    const wait = pollRequest.parse(body).waitSeconds;
    return this.call(AGENT_PATHS.poll, pollRequest, pollResponse, body, {
      timeoutMs: wait * 1000 + this.pollGraceMs,
      signal,
    });
  }

  sendEvents(body: EventsRequest, signal?: AbortSignal): Promise<EventsResponse> {
    return this.call(AGENT_PATHS.events, eventsRequest, eventsResponse, body, { signal });
  }

  sendLogs(body: LogsRequest, signal?: AbortSignal): Promise<LogsResponse> {
    return this.call(AGENT_PATHS.logs, logsRequest, logsResponse, body, { signal });
  }

  private async call<Req extends z.ZodType, Res extends z.ZodType>(
    path: string,
    requestSchema: Req,
    responseSchema: Res,
    body: z.input<Req>,
    opts: { secret?: string; maxBytes?: number; timeoutMs?: number; signal?: AbortSignal },
  ): Promise<z.infer<Res>> {
    const checked = requestSchema.safeParse(body);
    if (!checked.success) {
      const fields = checked.error.issues.map((i) => ({
        path: i.path.join("."),
        message: i.message,
      }));
      throw new GatewayError(
        "rejected",
        `${path}: the agent built an invalid request (${fields.map((f) => `${f.path}: ${f.message}`).join("; ")})`,
        { fields },
      );
    }
    const text = JSON.stringify(checked.data);
    const maxBytes = opts.maxBytes ?? AGENT_LIMITS.maxBodyBytes;
    if (Buffer.byteLength(text) > maxBytes)
      throw new GatewayError(
        "rejected",
        `${path}: request of ${Buffer.byteLength(text)} bytes exceeds ${maxBytes}`,
        {
          status: 413,
        },
      );
    const secret = opts.secret ?? this.credential;
    if (secret === undefined)
      throw new GatewayError("unauthorized", `${path}: no credential yet; register first`);

    const timeoutMs = opts.timeoutMs ?? this.requestTimeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
    let response: Response;
    let answer: string;
    try {
      response = await this.fetchImpl(this.base + path, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          authorization: `Bearer ${secret}`,
        },
        body: text,
        signal,
      });
      answer = await response.text();
    } catch (error) {
      if (opts.signal?.aborted)
        throw new GatewayError("retryable", `${path}: stopped`, { aborted: true });
      if (timeout.aborted)
        throw new GatewayError(
          "retryable",
          `${path}: no answer within ${Math.round(timeoutMs / 1000)} s`,
        );
      throw new GatewayError("retryable", `${path}: ${networkMessage(error)}`);
    }

    if (!response.ok) {
      const kind = classifyStatus(response.status);
      const retryAfter = retryAfterMs(response.headers.get("retry-after"));
      const refusal = parseJson(answer);
      const parsed = agentErrorResponse.safeParse(refusal);
      if (parsed.success) {
        const { code, message, fields } = parsed.data.error;
        throw new GatewayError(kind, `${path}: ${response.status} ${code}: ${message}`, {
          status: response.status,
          code,
          ...(fields ? { fields } : {}),
          ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
        });
      }
      throw new GatewayError(
        kind,
        `${path}: HTTP ${response.status} ${answer.slice(0, 200)}`.trim(),
        {
          status: response.status,
        },
      );
    }
    const parsed = responseSchema.safeParse(parseJson(answer));
    if (!parsed.success) {
      // A server mid-upgrade or a proxy's error page: worth retrying, not worth acting on.
      const where = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`)
        .join("; ");
      throw new GatewayError(
        "retryable",
        `${path}: the answer does not match the protocol (${where})`,
        {
          status: response.status,
          code: "bad-answer",
        },
      );
    }
    return parsed.data;
  }
}

/** Retry-After in seconds (what the gateway sends) or as an HTTP date; capped at 5 minutes. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, 300_000) : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** undici hides the reason (ECONNREFUSED…) in `cause`; that is the part an operator can act on. */
function networkMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return error.message;
}
