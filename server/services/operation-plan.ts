import "server-only";
/**
 * How an operation is planned on a cluster: the release graph of the operation expanded over the
 * cluster's nodes (roles → services from the catalog and the cluster's custom roles), with the
 * settings that changed since the last successful apply. `task.launch` stores this plan and runs
 * it; the wizard's plan preview shows it — one function, so the preview is what a launch plans.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { clusters, nodes, tasks } from "../../db/schema";
import { CairnError } from "../../domain/errors";
import type { IntentKind } from "../../domain/model";
import type { OPERATIONS } from "../../domain/release/bundle";
import { servicesOfRoles } from "../../domain/roles/catalog";
import { changedSettingPaths } from "../../domain/settings/diff";
import { expandPlan } from "../../domain/taskgraph/plan";
import { clusterSettings } from "./clusters";
import type { ServiceContext } from "./context";
import { effectiveBundle } from "./releases";

export type Operation = (typeof OPERATIONS)[number];

/** The intent an operation carries (what the constraint rules and the plan read). */
export const INTENT_OF: Record<Operation, IntentKind> = {
  provision: "add-nodes",
  deploy: "deploy",
  "remove-node": "remove-nodes",
  "enter-maintenance": "enter-maintenance",
  "exit-maintenance": "exit-maintenance",
  "update-settings": "change-settings",
  "verify-network": "validate",
};

export async function planOperation(
  ctx: Pick<ServiceContext, "db">,
  input: { clusterId: string; operation: Operation; retries?: number },
) {
  const [cluster] = await ctx.db
    .select({
      id: clusters.id,
      name: clusters.name,
      releaseId: clusters.releaseId,
      customRoles: clusters.customRoles,
    })
    .from(clusters)
    .where(eq(clusters.id, input.clusterId));
  if (!cluster) throw new CairnError("cluster.not-found", { ref: input.clusterId });
  const bundle = await effectiveBundle(ctx.db, cluster.releaseId);
  const graph = bundle.graphs[input.operation];
  const members = await ctx.db
    .select({ id: nodes.id, hostname: nodes.hostname, roles: nodes.roles, status: nodes.status })
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
      services: [...servicesOfRoles(bundle.catalog, m.roles, cluster.customRoles)],
      added: m.status === "assigned",
      removed: m.status === "removing",
    })),
    changedSettings,
    intentKind,
    ...(retryOverride ? { retryOverride } : {}),
  });
  return { cluster, members, intentKind, settings, changedSettings, retryOverride, plan };
}
