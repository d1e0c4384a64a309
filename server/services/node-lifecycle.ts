import "server-only";
/**
 * Nodes follow the tasks that ran on them: when an `apply` task of a lifecycle operation ends, each
 * node whose steps all succeeded (or were skipped) moves to the operation's outcome — provisioned,
 * ready, maintenance, removed — and a node with a failed step moves to `error`. Only moves the
 * lifecycle table allows are made; each is recorded as a node event naming the task. While such a
 * task runs, its nodes show the operation's running status (provisioning, deploying, removing).
 * Run by the engine's sweeping replica; each run of a task is handled once at its start and once
 * at its end: the intent records the end it synced (`nodesSynced`, the end time) and the run it
 * started (`nodesStarted`, the previous end or "launch"), so a task retried after it ended moves
 * its nodes again. A node left in the running status by a task that ended without finishing its
 * steps (cancelled) moves to `error`: it is half-configured, and saying "deploying" would be false.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { insertNodeEvents } from "../../db/queries/nodes";
import { nodes, steps, tasks } from "../../db/schema";
import { canTransitionNode, type LifecycleStatus } from "../../domain/node";

/** What a successful operation makes of the nodes it ran on. */
export const OPERATION_OUTCOME: Readonly<Record<string, LifecycleStatus>> = {
  provision: "provisioned",
  deploy: "ready",
  "enter-maintenance": "maintenance",
  "exit-maintenance": "ready",
  "remove-node": "removed",
};

/** The status a node is in while the operation runs on it; a node may pass through it. */
const OPERATION_RUNNING: Readonly<Record<string, LifecycleStatus>> = {
  provision: "provisioning",
  deploy: "deploying",
  "remove-node": "removing",
};

/** A move the lifecycle table allows, directly or through the operation's running status. */
function reachable(from: LifecycleStatus, to: LifecycleStatus, operation: string): boolean {
  if (canTransitionNode(from, to)) return true;
  const via = OPERATION_RUNNING[operation];
  return via !== undefined && canTransitionNode(from, via) && canTransitionNode(via, to);
}

/** Running `apply` tasks whose nodes have not yet been moved to the operation's running status. */
export async function syncNodesOnTaskStart(db: Db, now: Date): Promise<number> {
  const started = await db
    .select({ id: tasks.id })
    .from(tasks)
    .where(
      and(
        eq(tasks.status, "running"),
        eq(tasks.mode, "apply"),
        inArray(tasks.kind, Object.keys(OPERATION_RUNNING)),
        sql`(${tasks.intent} ->> 'nodesStarted') is distinct from coalesce(${tasks.intent} ->> 'nodesSynced', 'launch')`,
      ),
    )
    .limit(20);
  let moved = 0;
  for (const { id } of started)
    moved += await db.transaction(async (tx) => {
      const [task] = await tx.select().from(tasks).where(eq(tasks.id, id)).for("update");
      const intent = task?.intent as { nodesStarted?: string; nodesSynced?: string } | undefined;
      const run = intent?.nodesSynced ?? "launch";
      if (!task || task.status !== "running" || intent?.nodesStarted === run) return 0;
      const to = OPERATION_RUNNING[task.kind]!;
      const members = await tx
        .selectDistinct({ nodeId: steps.nodeId })
        .from(steps)
        .where(and(eq(steps.taskId, id), eq(steps.kind, "step")));
      const moved = await moveNodes(tx, task, members, now, (row) =>
        row.status !== to && canTransitionNode(row.status, to) ? to : null,
      );
      await tx
        .update(tasks)
        .set({ intent: { ...task.intent, nodesStarted: run } })
        .where(eq(tasks.id, id));
      return moved;
    });
  return moved;
}

export async function syncNodesAfterTasks(db: Db, now: Date): Promise<number> {
  const ended = await db
    .select({ id: tasks.id })
    .from(tasks)
    .where(
      and(
        inArray(tasks.status, ["succeeded", "failed", "cancelled"]),
        eq(tasks.mode, "apply"),
        inArray(tasks.kind, Object.keys(OPERATION_OUTCOME)),
        sql`(${tasks.intent} ->> 'nodesSynced') is distinct from (floor(extract(epoch from ${tasks.endedAt}) * 1000))::bigint::text`,
      ),
    )
    .limit(20);
  let moved = 0;
  for (const { id } of ended)
    moved += await db.transaction(async (tx) => {
      const [task] = await tx.select().from(tasks).where(eq(tasks.id, id)).for("update");
      const end = String(task?.endedAt?.getTime() ?? "");
      if (!task || (task.intent as { nodesSynced?: string }).nodesSynced === end) return 0;
      const outcomes = (await tx
        .select({
          nodeId: steps.nodeId,
          failed: sql<boolean>`bool_or(${steps.status} = 'failed')`,
          done: sql<boolean>`bool_and(${steps.status} in ('succeeded', 'skipped'))`,
        })
        .from(steps)
        .where(and(eq(steps.taskId, id), eq(steps.kind, "step")))
        .groupBy(steps.nodeId)) as { nodeId: string | null; failed: boolean; done: boolean }[];
      const moved = await moveNodes(tx, task, outcomes, now, (row) => {
        const o = outcomes.find((x) => x.nodeId === row.id)!;
        const to: LifecycleStatus | null = o.failed
          ? "error"
          : o.done
            ? (OPERATION_OUTCOME[task.kind] ?? null)
            : row.status === OPERATION_RUNNING[task.kind]
              ? "error"
              : null;
        return to && to !== row.status && reachable(row.status, to, task.kind) ? to : null;
      });
      await tx
        .update(tasks)
        .set({ intent: { ...task.intent, nodesSynced: end } })
        .where(eq(tasks.id, id));
      return moved;
    });
  return moved;
}

/**
 * Moves the task's nodes (locked) where `decide` says, each move recorded as a node event naming
 * the task. Node ids of engine-only tests are not nodes; only real node rows move.
 */
async function moveNodes(
  tx: Db,
  task: typeof tasks.$inferSelect,
  members: { nodeId: string | null }[],
  now: Date,
  decide: (row: { id: string; status: LifecycleStatus }) => LifecycleStatus | null,
): Promise<number> {
  const uuids = members
    .map((m) => m.nodeId)
    .filter((n): n is string => Boolean(n && /^[0-9a-f-]{36}$/.test(n)));
  const rows = uuids.length
    ? await tx
        .select({ id: nodes.id, status: nodes.status })
        .from(nodes)
        .where(inArray(nodes.id, uuids))
        .for("update")
    : [];
  const events = [];
  for (const row of rows) {
    const to = decide(row);
    if (!to) continue;
    await tx.update(nodes).set({ status: to, updatedAt: now }).where(eq(nodes.id, row.id));
    events.push({
      nodeId: row.id,
      type: "status",
      fromStatus: row.status,
      toStatus: to,
      actor: `task ${task.id}`,
      data: { taskId: task.id, operation: task.kind, taskStatus: task.status },
      at: now,
    });
  }
  await insertNodeEvents(tx, events);
  return events.length;
}
