import "server-only";
import { and, asc, count, desc, eq, gt, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import { listStepAttempts } from "../../db/queries/engine";
import { readLog, readLogWindow, searchLog, streamLogText } from "../../db/queries/logs";
import { attempts, clusters, nodes, steps, tasks } from "../../db/schema";
import type { IntentKind } from "../../domain/model";
import type { OPERATIONS } from "../../domain/release/bundle";
import { servicesOfRoles } from "../../domain/roles/catalog";
import { expandPlan } from "../../domain/taskgraph/plan";
import { changedSettingPaths } from "../../domain/settings/diff";
import { clusterSettings } from "./clusters";
import { requireBundle } from "./releases";
import { CairnError } from "../../domain/errors";
import type { Locale } from "../../domain/i18n";
import type {
  launchTaskRequest,
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

/** A task with its progress: steps per status (barriers are bookkeeping, not counted). */
export async function getTask(ctx: Read, id: string) {
  const task = await requireTask(ctx, id);
  const counts = await ctx.db
    .select({ status: steps.status, n: count() })
    .from(steps)
    .where(and(eq(steps.taskId, id), eq(steps.kind, "step")))
    .groupBy(steps.status);
  return { ...task, counts: Object.fromEntries(counts.map((c) => [c.status, c.n])) };
}

export async function listTasks(ctx: Read, input: z.output<typeof listTasksRequest>) {
  const rows = await ctx.db
    .select({
      id: tasks.id,
      clusterId: tasks.clusterId,
      kind: tasks.kind,
      mode: tasks.mode,
      status: tasks.status,
      launchedBy: tasks.launchedBy,
      createdAt: tasks.createdAt,
      endedAt: tasks.endedAt,
    })
    .from(tasks)
    .where(
      and(
        input.clusterId ? eq(tasks.clusterId, input.clusterId) : undefined,
        input.status?.length ? inArray(tasks.status, input.status) : undefined,
        input.before ? sql`${tasks.createdAt} < ${input.before}` : undefined,
      ),
    )
    .orderBy(desc(tasks.createdAt), desc(tasks.id))
    .limit(input.limit);
  return rows;
}

/** Steps of a task, paged by plan order, filterable by status and node ("failed only"). */
export async function listTaskSteps(ctx: Read, input: z.output<typeof listTaskStepsRequest>) {
  await requireTask(ctx, input.taskId);
  const rows = await ctx.db
    .select({
      id: steps.id,
      key: steps.key,
      kind: steps.kind,
      stepId: steps.stepId,
      nodeId: steps.nodeId,
      status: steps.status,
      attempts: steps.attempts,
      reason: steps.reason,
      readyAt: steps.readyAt,
      ordinal: steps.ordinal,
    })
    .from(steps)
    .where(
      and(
        eq(steps.taskId, input.taskId),
        input.includeBarriers ? undefined : eq(steps.kind, "step"),
        input.status?.length ? inArray(steps.status, input.status) : undefined,
        input.nodeId ? eq(steps.nodeId, input.nodeId) : undefined,
        input.stepId ? eq(steps.stepId, input.stepId) : undefined,
        input.afterOrdinal !== undefined ? gt(steps.ordinal, input.afterOrdinal) : undefined,
      ),
    )
    .orderBy(asc(steps.ordinal))
    .limit(input.limit + 1);
  const items = rows.slice(0, input.limit);
  return {
    items,
    nextAfterOrdinal: rows.length > input.limit ? (items.at(-1)?.ordinal ?? null) : null,
  };
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

export async function retry(ctx: ServiceContext, input: z.output<typeof retryTaskRequest>) {
  const result = await retryTask(ctx.db, {
    taskId: input.taskId,
    actor: ctx.user.email,
    from: input.from,
    now: new Date(),
  });
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

/** The intent an operation carries (what the constraint rules and the plan read). */
const INTENT_OF: Record<(typeof OPERATIONS)[number], IntentKind> = {
  provision: "add-nodes",
  deploy: "deploy",
  "remove-node": "remove-nodes",
  "enter-maintenance": "enter-maintenance",
  "exit-maintenance": "exit-maintenance",
  "update-settings": "change-settings",
  "verify-network": "validate",
};

/**
 * Launches one of the release's operations on a cluster's nodes and returns at once: the plan is
 * expanded from the release's graph over the cluster's nodes (their roles and services), stored,
 * and run by the engine as agents poll. One mutating task per cluster (the database refuses a
 * second); the same idempotency key returns the first task.
 */
export async function launch(ctx: ServiceContext, input: z.output<typeof launchTaskRequest>) {
  const [cluster] = await ctx.db
    .select({ id: clusters.id, name: clusters.name, releaseId: clusters.releaseId })
    .from(clusters)
    .where(eq(clusters.id, input.clusterId));
  if (!cluster) throw new CairnError("cluster.not-found", { ref: input.clusterId });
  const bundle = requireBundle(cluster.releaseId);
  const graph = bundle.graphs[input.operation];
  const members = await ctx.db
    .select({ id: nodes.id, roles: nodes.roles, status: nodes.status })
    .from(nodes)
    .where(and(eq(nodes.clusterId, cluster.id), sql`${nodes.status} <> 'removed'`));
  if (members.length === 0)
    throw new CairnError("task.no-nodes", { cluster: cluster.name, operation: input.operation });
  const intentKind = INTENT_OF[input.operation];
  // What changed since the settings the last successful deploy or update-settings applied: the
  // `settings-changed` conditions run only the steps that own a changed setting. Each task keeps
  // the settings it applies (its intent) for the next comparison.
  const { settings } = await clusterSettings(ctx, cluster.id);
  const [last] = await ctx.db
    .select({ intent: tasks.intent })
    .from(tasks)
    .where(
      and(
        eq(tasks.clusterId, cluster.id),
        eq(tasks.status, "succeeded"),
        inArray(tasks.kind, ["deploy", "update-settings"]),
        sql`${tasks.mode} = 'apply'`,
      ),
    )
    .orderBy(desc(tasks.endedAt))
    .limit(1);
  const applied = (last?.intent as { settings?: unknown } | undefined)?.settings;
  const changedSettings =
    applied === undefined ? Object.keys(settings) : changedSettingPaths(applied, settings);
  const retryOverride = input.retries === undefined ? undefined : { retries: input.retries };
  const plan = expandPlan(graph, {
    // Nodes assigned but never provisioned or deployed are the ones this change adds; nodes being
    // removed are the ones it removes.
    nodes: members.map((m) => ({
      id: m.id,
      roles: m.roles,
      services: [...servicesOfRoles(bundle.catalog, m.roles)],
      added: m.status === "assigned",
      removed: m.status === "removing",
    })),
    changedSettings,
    intentKind,
    ...(retryOverride ? { retryOverride } : {}),
  });
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
