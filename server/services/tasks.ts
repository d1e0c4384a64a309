import "server-only";
import { and, count, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import { isUniqueViolation } from "../../db/errors";
import { findActiveTask, listStepAttempts } from "../../db/queries/engine";
import { decodeCursor, keyset, toPage } from "../../db/queries/paging";
import {
  listLogSections,
  listNodeProgress,
  listStepEntries,
  logTailPosition,
  stepGroupSummary,
} from "../../db/queries/task-view";
import { readLog, readLogWindow, searchLog, streamLogText } from "../../db/queries/logs";
import { attempts, clusters, steps, tasks } from "../../db/schema";
import { planOperation } from "./operation-plan";
import { CairnError } from "../../domain/errors";
import type { Locale } from "../../domain/i18n";
import type {
  launchTaskRequest,
  listLogSectionsRequest,
  listTaskNodesRequest,
  listTaskStepsRequest,
  listTasksRequest,
  readTaskLogRequest,
  retryTaskRequest,
  searchTaskLogRequest,
  taskLogWindowRequest,
} from "../../domain/task";
import { cancelTask, launchTask, pauseTask, resumeTask, retryTask } from "../engine/executor";
import type { ServiceContext } from "./context";

type Read = Pick<ServiceContext, "db">;

async function requireTask(ctx: Read, id: string) {
  const [task] = await ctx.db.select().from(tasks).where(eq(tasks.id, id));
  if (!task) throw new CairnError("task.not-found", { ref: id });
  return task;
}

/**
 * A task with its progress: steps per status (barriers are bookkeeping, not counted), and the
 * cluster it runs on.
 */
export async function getTask(ctx: Read, id: string) {
  const task = await requireTask(ctx, id);
  const counts = await ctx.db
    .select({ status: steps.status, n: count() })
    .from(steps)
    .where(and(eq(steps.taskId, id), eq(steps.kind, "step")))
    .groupBy(steps.status);
  const [cluster] = await ctx.db
    .select({ id: clusters.id, name: clusters.name, regionId: clusters.regionId })
    .from(clusters)
    .where(eq(clusters.id, task.clusterId));
  return {
    ...task,
    cluster: cluster ?? null,
    counts: Object.fromEntries(counts.map((c) => [c.status, c.n])),
  };
}

/** Tasks, newest first, paged by (created, id); the cluster's name comes along for lists. */
export async function listTasks(ctx: Read, input: z.output<typeof listTasksRequest>) {
  const after = decodeCursor(input.cursor, "created");
  const { where, orderBy } = keyset(tasks.createdAt, tasks.id, "desc", after);
  const rows = await ctx.db
    .select({
      id: tasks.id,
      clusterId: tasks.clusterId,
      clusterName: clusters.name,
      kind: tasks.kind,
      mode: tasks.mode,
      status: tasks.status,
      launchedBy: tasks.launchedBy,
      createdAt: tasks.createdAt,
      startedAt: tasks.startedAt,
      endedAt: tasks.endedAt,
    })
    .from(tasks)
    .leftJoin(clusters, eq(clusters.id, tasks.clusterId))
    .where(
      and(
        input.clusterId ? eq(tasks.clusterId, input.clusterId) : undefined,
        input.status?.length ? inArray(tasks.status, input.status) : undefined,
        input.kind?.length ? inArray(tasks.kind, input.kind) : undefined,
        input.mode?.length ? inArray(tasks.mode, input.mode) : undefined,
        input.before ? sql`${tasks.createdAt} < ${input.before}` : undefined,
        where,
      ),
    )
    .orderBy(...orderBy)
    .limit(input.limit + 1);
  return toPage(rows, input.limit, "created", (r) => r.createdAt);
}

/**
 * Steps of a task, paged by plan order, filterable by status, node and graph step ("failed
 * only"), each with its node's hostname and its latest attempt's exit code and times.
 */
export async function listTaskSteps(ctx: Read, input: z.output<typeof listTaskStepsRequest>) {
  await requireTask(ctx, input.taskId);
  const afterOrdinal = input.afterOrdinal ?? input.cursor ?? undefined;
  return listStepEntries(ctx.db, { ...input, afterOrdinal });
}

/** Per graph step: how many of its entries are in each status, in plan order. */
export async function taskStepGroups(ctx: Read, taskId: string) {
  await requireTask(ctx, taskId);
  return stepGroupSummary(ctx.db, { taskId });
}

/** Per node: steps done, failed, running and waiting, by hostname, with per-filter counts. */
export async function listTaskNodes(ctx: Read, input: z.output<typeof listTaskNodesRequest>) {
  await requireTask(ctx, input.taskId);
  return listNodeProgress(ctx.db, input);
}

/**
 * The log's sections with their line counts. A first page (no cursor, no `since`, no ids) also
 * says where a live reader starts (`tail`), read before the sections so it never lies after them.
 */
export async function taskLogSections(ctx: Read, input: z.output<typeof listLogSectionsRequest>) {
  await requireTask(ctx, input.taskId);
  const first = !input.cursor && !input.since && !input.attemptIds?.length;
  const tail = first ? await logTailPosition(ctx.db, { taskId: input.taskId }) : null;
  const page = await listLogSections(ctx.db, input);
  return { ...page, tail };
}

/** Every attempt of a step, oldest first: a retried success shows both. */
export async function listAttempts(ctx: Read, stepId: string) {
  return listStepAttempts(ctx.db, { stepId });
}

export async function cancel(ctx: ServiceContext, id: string) {
  await requireTask(ctx, id);
  await cancelTask(ctx.db, { taskId: id, actor: ctx.user.email, now: new Date() });
  return getTask(ctx, id);
}

export async function pause(ctx: ServiceContext, id: string) {
  await requireTask(ctx, id);
  await pauseTask(ctx.db, { taskId: id, actor: ctx.user.email, now: new Date() });
  return getTask(ctx, id);
}

export async function resume(ctx: ServiceContext, id: string) {
  await requireTask(ctx, id);
  await resumeTask(ctx.db, { taskId: id, actor: ctx.user.email, now: new Date() });
  return getTask(ctx, id);
}

/**
 * Retry failed / retry from a step. Running the task again makes it the cluster's active task:
 * when another one already is, the database refuses, and the operator is told which one.
 */
export async function retry(ctx: ServiceContext, input: z.output<typeof retryTaskRequest>) {
  let result: Awaited<ReturnType<typeof retryTask>>;
  try {
    result = await retryTask(ctx.db, {
      taskId: input.taskId,
      actor: ctx.user.email,
      from: input.from,
      now: new Date(),
    });
  } catch (e) {
    if (!isUniqueViolation(e, "task_one_active_per_cluster")) throw e;
    const task = await requireTask(ctx, input.taskId);
    const active = await findActiveTask(ctx.db, { clusterId: task.clusterId });
    throw new CairnError("task.cluster-busy", {
      taskId: active?.id ?? "?",
      kind: active?.kind ?? "?",
    });
  }
  return { ...result, task: await getTask(ctx, input.taskId) };
}

export async function readTaskLog(ctx: Read, input: z.output<typeof readTaskLogRequest>) {
  await requireTask(ctx, input.taskId);
  return readLog(ctx.db, input);
}

export async function taskLogWindow(ctx: Read, input: z.output<typeof taskLogWindowRequest>) {
  const [attempt] = await ctx.db
    .select({ taskId: attempts.taskId })
    .from(attempts)
    .where(eq(attempts.id, input.attemptId));
  if (!attempt) throw new CairnError("task.not-found", { ref: input.attemptId });
  return readLogWindow(ctx.db, input);
}

export async function searchTaskLog(ctx: Read, input: z.output<typeof searchTaskLogRequest>) {
  await requireTask(ctx, input.taskId);
  return searchLog(ctx.db, input);
}

/** The whole raw log of a task, streamed in pieces for a download. */
export async function downloadTaskLog(ctx: Read, params: { taskId: string; locale: Locale }) {
  await requireTask(ctx, params.taskId);
  return streamLogText(ctx.db, { taskId: params.taskId, locale: params.locale });
}

/**
 * Launches one of the release's operations on a cluster's nodes and returns at once: the plan is
 * expanded from the release's graph over the cluster's nodes (their roles and services), stored,
 * and run by the engine as agents poll. One mutating task per cluster (the database refuses a
 * second); the same idempotency key returns the first task.
 */
export async function launch(ctx: ServiceContext, input: z.output<typeof launchTaskRequest>) {
  const { cluster, intentKind, settings, changedSettings, retryOverride, plan } =
    await planOperation(ctx, input);
  const { task, created } = await launchTask(ctx.db, {
    clusterId: cluster.id,
    kind: input.operation,
    plan,
    mode: input.mode,
    intent: {
      kind: intentKind,
      operation: input.operation,
      releaseId: cluster.releaseId,
      settings,
      changedSettings,
    },
    overrides: retryOverride ? { retry: retryOverride } : {},
    idempotencyKey: input.idempotencyKey ?? null,
    actor: ctx.user.email,
    now: new Date(),
  });
  return { taskId: task.id, created, counts: plan.counts, changedSettings };
}
