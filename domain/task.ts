/** Requests about tasks and their logs: one schema each, for the API and the console. */
import { z } from "zod";
import { STEP_STATUSES, TASK_MODES, TASK_STATUSES } from "./engine/types";
import { OPERATIONS } from "./release/bundle";

/** Newest first, keyset-paged by (created, id): `cursor` is the previous page's `nextCursor`. */
export const listTasksRequest = z.object({
  clusterId: z.uuid().optional(),
  status: z.array(z.enum(TASK_STATUSES)).optional(),
  /** Operations (`deploy`, `provision`, …). */
  kind: z.array(z.enum(OPERATIONS)).optional(),
  mode: z.array(z.enum(TASK_MODES)).optional(),
  /** Tasks created before this moment (paging backwards through history). */
  before: z.coerce.date().optional(),
  cursor: z.string().max(500).nullish(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const listTaskStepsRequest = z.object({
  taskId: z.uuid(),
  status: z.array(z.enum(STEP_STATUSES)).optional(),
  nodeId: z.string().min(1).optional(),
  stepId: z.string().min(1).optional(),
  includeBarriers: z.boolean().default(false),
  afterOrdinal: z.number().int().nonnegative().optional(),
  /** The same as `afterOrdinal`, under the name paged queries (infinite lists) use. */
  cursor: z.number().int().nonnegative().nullish(),
  limit: z.number().int().min(1).max(1000).default(200),
});

export const taskRefRequest = z.object({ taskId: z.uuid() });

export const NODE_PROGRESS_FILTERS = ["all", "failed", "running", "waiting", "done"] as const;

/** Progress per node, by hostname; `filter` keeps nodes with a failed / running / waiting step,
 * or those with nothing left to do. */
export const listTaskNodesRequest = z.object({
  taskId: z.uuid(),
  filter: z.enum(NODE_PROGRESS_FILTERS).default("all"),
  search: z.string().trim().max(100).optional(),
  cursor: z.string().max(500).nullish(),
  limit: z.number().int().min(1).max(1000).default(200),
});

/**
 * The log's sections (one per attempt) with their line counts. `cursor` pages through them in
 * creation order; `since` re-reads those created from a moment on and `attemptIds` chosen ones —
 * how a live viewer picks up new attempts and refreshes running ones. The first page also carries
 * `tail`, where `follow` should start so nothing written after these counts is missed.
 */
export const listLogSectionsRequest = z.object({
  taskId: z.uuid(),
  nodeId: z.string().min(1).max(100).optional(),
  stepId: z.string().min(1).max(100).optional(),
  attemptIds: z.array(z.uuid()).max(500).optional(),
  since: z.coerce.date().optional(),
  cursor: z.string().max(500).nullish(),
  limit: z.number().int().min(1).max(5000).default(2000),
});

export const retryTaskRequest = z.object({
  taskId: z.uuid(),
  /** Absent: retry failed. Present: re-run this graph step (on these nodes, or all) and downstream. */
  from: z
    .object({ stepId: z.string().min(1), nodeIds: z.array(z.string().min(1)).optional() })
    .optional(),
});

export const readTaskLogRequest = z.object({
  taskId: z.uuid(),
  attemptId: z.uuid().optional(),
  nodeId: z.string().min(1).optional(),
  stepKey: z.string().min(1).optional(),
  /** Opaque position returned by the previous read (`next`); absent = from the start. */
  after: z.string().max(100).nullish(),
  limit: z.number().int().min(1).max(1000).default(500),
});

export const taskLogWindowRequest = z.object({
  attemptId: z.uuid(),
  fromLine: z.number().int().nonnegative(),
  lineCount: z.number().int().min(1).max(5000).default(500),
});

export const searchTaskLogRequest = z.object({
  taskId: z.uuid(),
  query: z.string().min(1, { error: "required" }).max(200),
  after: z.string().max(200).nullish(),
  limit: z.number().int().min(1).max(1000).default(100),
});

/**
 * Runs one of the release's operations on a cluster. `plan` stores the plan without running it;
 * `noop` runs every step in check mode (a diff, no change); `apply` changes the nodes. The same
 * idempotency key returns the task it created before.
 */
export const launchTaskRequest = z.object({
  clusterId: z.uuid(),
  operation: z.enum(OPERATIONS),
  mode: z.enum(TASK_MODES).default("apply"),
  /** Fail fast (`retries: 0`) or retry more than the graph says, for this launch only. */
  retries: z.number().int().min(0).max(20).optional(),
  idempotencyKey: z.string().min(8).max(200).optional(),
});
export type LaunchTaskRequest = z.input<typeof launchTaskRequest>;
