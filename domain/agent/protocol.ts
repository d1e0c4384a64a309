/**
 * The agent ↔ gateway protocol: every request and answer between `cairn-agent` and
 * `/api/agent/*`, as zod schemas that both sides import. One source of truth: the gateway parses
 * requests with these, the agent parses answers with these.
 *
 * Transport: HTTP(S) POST with a JSON body; `Authorization: Bearer <secret>`. `register` takes a
 * region's bootstrap token; every other call takes the node's own credential, which `register`
 * returns once and the gateway stores only as a hash. A bootstrap token alone cannot act as a node.
 *
 * Delivery: the agent resends a report until the gateway acknowledges it. Every report is
 * idempotent on the server — an attempt event by (attempt, epoch, type), a log batch by
 * (attempt, seq) — so a resend after a lost answer changes nothing. Transport retries are never
 * attempts: only the engine creates attempts.
 */
import { z } from "zod";
import { ATTEMPT_STATUSES } from "../engine/types";
import { LOG_STREAMS } from "../logs";
import { ARCHES, hardwareSchema } from "../model";

export const AGENT_PROTOCOL_VERSION = 1;

export const AGENT_PATHS = {
  register: "/api/agent/register",
  heartbeat: "/api/agent/heartbeat",
  poll: "/api/agent/poll",
  events: "/api/agent/events",
  logs: "/api/agent/logs",
} as const;

export const AGENT_LIMITS = {
  /** Largest request body the gateway reads (logs are the big ones). */
  maxBodyBytes: 4 * 1024 * 1024,
  /** Registration and heartbeat carry an inventory: a few hundred disks and NICs at most. */
  maxInventoryBodyBytes: 512 * 1024,
  maxBatchesPerRequest: 64,
  maxLinesPerBatch: 5000,
  maxLineChars: 64 * 1024,
  maxEventsPerRequest: 64,
  /** Longest a poll waits for work before answering "nothing". */
  maxPollSeconds: 30,
} as const;

export const AGENT_DEFAULTS = {
  heartbeatSeconds: 10,
  /** A node that has not been heard from for this long is `offline`. */
  offlineAfterSeconds: 180,
  pollSeconds: 25,
} as const;

// ---------- register ----------

export const registerRequest = z.object({
  protocol: z.literal(AGENT_PROTOCOL_VERSION),
  /**
   * What identifies this machine across reinstalls of the agent: the SMBIOS UUID when readable,
   * else the serial, else the first MAC. The same machine registering again gets the same node.
   */
  machineId: z.string().min(1).max(200),
  hostname: z.string().min(1).max(253),
  agentVersion: z.string().min(1).max(50),
  arch: z.enum(ARCHES),
  hardware: hardwareSchema,
  /** Lab nodes say so; the console marks them and the lab fleet can remove them. */
  lab: z.boolean().default(false),
});
export type RegisterRequest = z.input<typeof registerRequest>;

export const registerResponse = z.object({
  nodeId: z.string(),
  regionId: z.string(),
  /** The node's own secret; shown only here, stored hashed on the server. */
  credential: z.string().min(32),
  heartbeatSeconds: z.number().int().positive(),
  pollSeconds: z.number().int().positive(),
});
export type RegisterResponse = z.infer<typeof registerResponse>;

// ---------- heartbeat ----------

export const heartbeatRequest = z.object({
  /** The agent's clock (epoch ms) when it sent this, for the clock-offset finding. */
  sentAt: z.number().int().nonnegative(),
  /** Attempts the agent is running right now (their processes are alive). */
  running: z
    .array(z.object({ attemptId: z.uuid(), epoch: z.number().int().positive() }))
    .max(16)
    .default([]),
  /** Sent when the hardware changed since registration (a disk added, a NIC's link up). */
  hardware: hardwareSchema.optional(),
});
export type HeartbeatRequest = z.input<typeof heartbeatRequest>;

export const killOrder = z.object({
  attemptId: z.uuid(),
  epoch: z.number().int().positive(),
  reason: z.enum(["timeout", "cancel"]),
});
export type KillOrder = z.infer<typeof killOrder>;

export const heartbeatResponse = z.object({
  serverTime: z.number().int(),
  heartbeatSeconds: z.number().int().positive(),
  kills: z.array(killOrder),
});
export type HeartbeatResponse = z.infer<typeof heartbeatResponse>;

// ---------- poll ----------

export const pollRequest = z.object({
  /** How long the gateway may hold the request open waiting for work; 0 answers at once. */
  waitSeconds: z.number().int().min(0).max(AGENT_LIMITS.maxPollSeconds).default(25),
});
export type PollRequest = z.input<typeof pollRequest>;

/** One attempt to run: everything the agent needs, so a node needs no copy of the release. */
export const workOrder = z.object({
  attemptId: z.uuid(),
  epoch: z.number().int().positive(),
  taskId: z.uuid(),
  /** `<graph step id>@<node id>`, the step's key in the task. */
  stepKey: z.string(),
  stepId: z.string(),
  mode: z.enum(["apply", "noop"]),
  /** Seconds the attempt may run; 0 = no limit. The agent enforces it locally too. */
  timeoutSeconds: z.number().int().nonnegative(),
  /** The script to run, as text (written to the state dir and executed), with its release path. */
  script: z.object({ path: z.string(), content: z.string() }),
  /** Extra environment (CAIRN_MODE, CAIRN_TASK_ID…); the agent adds CAIRN_ROOT and CAIRN_INPUT. */
  env: z.record(z.string(), z.string()),
  /** The step's inputs, written to the file named by CAIRN_INPUT. */
  input: z.record(z.string(), z.unknown()),
});
export type WorkOrder = z.infer<typeof workOrder>;

export const pollResponse = z.object({
  work: workOrder.nullable(),
  kills: z.array(killOrder),
});
export type PollResponse = z.infer<typeof pollResponse>;

// ---------- attempt events ----------

/**
 * What an agent can say about an attempt. `exited`: the main process ended by itself and no process
 * of the attempt is left. `timed-out`: the agent stopped the attempt at its deadline on its own
 * (the server may have been unreachable) and no process is left. `kill-confirmed`: the kill the
 * engine asked for is done and no process is left.
 */
export const agentEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("started") }),
  z.object({ type: z.literal("exited"), exitCode: z.number().int().min(0).max(255) }),
  z.object({ type: z.literal("timed-out") }),
  z.object({ type: z.literal("kill-confirmed") }),
]);
export type AgentEvent = z.infer<typeof agentEvent>;

export const eventsRequest = z.object({
  events: z
    .array(
      z.object({
        attemptId: z.uuid(),
        epoch: z.number().int().positive(),
        /** The agent's clock when it happened (epoch ms); informational. */
        at: z.number().int().nonnegative(),
        event: agentEvent,
      }),
    )
    .min(1)
    .max(AGENT_LIMITS.maxEventsPerRequest),
  /**
   * "And give me my next attempt": when these events end the node's attempt, the answer carries
   * the next work order (or null), claimed in the same transaction — an idle agent need not poll.
   */
  poll: z.boolean().default(false),
});
export type EventsRequest = z.input<typeof eventsRequest>;

/**
 * Per event, in order. `accepted: false` is still an acknowledgement (a resend, a stale epoch, an
 * attempt already final): the agent drops the event either way and never resends it.
 */
export const eventsResponse = z.object({
  results: z.array(
    z.object({
      attemptId: z.uuid(),
      accepted: z.boolean(),
      status: z.enum(ATTEMPT_STATUSES).nullable(),
      reason: z.string().optional(),
    }),
  ),
  /** Present when the request asked to `poll`: the next work order, or null when there is none. */
  work: workOrder.nullable().optional(),
});
export type EventsResponse = z.infer<typeof eventsResponse>;

// ---------- logs ----------

export const logBatch = z.object({
  attemptId: z.uuid(),
  /** Per attempt, from 0, one per batch across streams; the server stores each seq once. */
  seq: z.number().int().nonnegative(),
  stream: z.enum(LOG_STREAMS),
  lines: z
    .array(z.string().max(AGENT_LIMITS.maxLineChars))
    .min(1)
    .max(AGENT_LIMITS.maxLinesPerBatch),
  at: z.number().int().nonnegative(),
});
export type LogBatchMessage = z.infer<typeof logBatch>;

export const logsRequest = z.object({
  batches: z.array(logBatch).min(1).max(AGENT_LIMITS.maxBatchesPerRequest),
});
export type LogsRequest = z.input<typeof logsRequest>;

export const logsResponse = z.object({
  /** Per batch, in order: stored now, or already stored before (a resend). Both acknowledge. */
  results: z.array(z.object({ attemptId: z.uuid(), seq: z.number().int(), stored: z.boolean() })),
});
export type LogsResponse = z.infer<typeof logsResponse>;

// ---------- errors ----------

/** Every refusal from the gateway: a stable code, and a message that names the field and the fix. */
export const agentErrorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type AgentErrorResponse = z.infer<typeof agentErrorResponse>;

/**
 * What the agent does with an HTTP status: 401 → its credential is not accepted (re-register once
 * with a bootstrap token, else stop and say so); 403 → this report is refused (another node's or an
 * unknown attempt): drop it; 400/413 → the request itself is wrong: drop it and log; 429, 5xx and
 * network errors → back off (honouring Retry-After) and resend.
 */
export function agentRetryable(status: number): boolean {
  return status === 429 || status >= 500;
}
