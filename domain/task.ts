/** Requests about tasks and their logs: one schema each, for the API and the console. */
import { z } from "zod";
import { STEP_STATUSES, TASK_MODES, TASK_STATUSES } from "./engine/types";
import { OPERATIONS } from "./release/bundle";

export const listTasksRequest = z.object({
  clusterId: z.uuid().optional(),
  status: z.array(z.enum(TASK_STATUSES)).optional(),
  /** Tasks created before this moment (paging backwards through history). */
  before: z.coerce.date().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const listTaskStepsRequest = z.object({
  taskId: z.uuid(),
  status: z.array(z.enum(STEP_STATUSES)).optional(),
  nodeId: z.string().min(1).optional(),
  stepId: z.string().min(1).optional(),
  includeBarriers: z.boolean().default(false),
  afterOrdinal: z.number().int().nonnegative().optional(),
  limit: z.number().int().min(1).max(1000).default(200),
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
