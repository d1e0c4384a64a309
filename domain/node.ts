/**
 * Node lifecycle: the statuses a node moves through and the only moves allowed between them, plus
 * connectivity derived from heartbeats. One table of transitions, used by the services (which
 * refuse anything else with `node.transition-refused`), the console (which offers only allowed
 * actions) and the tests.
 *
 *   discovered → assigned → provisioning → provisioned → deploying → ready
 *   any working status → error (a task failed on the node); error → back where a retry leads
 *   ready ⇄ maintenance; assigned/provisioned/ready/maintenance/error → removing → removed
 *
 * `offline` is not a lifecycle status a node is moved into: it is derived from heartbeats (silent
 * for AGENT_DEFAULTS.offlineAfterSeconds) and shown instead of the status while it lasts, so a node
 * that comes back is exactly where it was.
 */
import { z } from "zod";
import { AGENT_DEFAULTS } from "./agent/protocol";
import { CairnError } from "./errors";
import { ARCHES, NODE_STATUSES, type NodeStatus } from "./model";

/** Lifecycle statuses a node can be in (everything but the derived `offline`). */
export type LifecycleStatus = Exclude<NodeStatus, "offline">;

export const NODE_TRANSITIONS: Readonly<Record<LifecycleStatus, readonly LifecycleStatus[]>> = {
  discovered: ["assigned", "removed"],
  assigned: ["discovered", "provisioning", "deploying", "removing", "error"],
  provisioning: ["provisioned", "error"],
  provisioned: ["deploying", "removing", "error", "assigned"],
  deploying: ["ready", "error"],
  ready: ["deploying", "maintenance", "removing", "error"],
  error: ["assigned", "provisioning", "deploying", "ready", "maintenance", "removing"],
  maintenance: ["ready", "deploying", "removing", "error"],
  removing: ["removed", "error"],
  removed: ["discovered"],
};

export function canTransitionNode(from: LifecycleStatus, to: LifecycleStatus): boolean {
  return NODE_TRANSITIONS[from].includes(to);
}

/** Throws `node.transition-refused` naming both statuses and the moves that are allowed. */
export function assertNodeTransition(hostname: string, from: LifecycleStatus, to: LifecycleStatus) {
  if (canTransitionNode(from, to)) return;
  throw new CairnError("node.transition-refused", {
    hostname,
    from,
    to,
    allowed: NODE_TRANSITIONS[from].join(", ") || "none",
  });
}

export type Connectivity = "online" | "offline";

/** Online while heartbeats arrive; offline once silent for the offline window. */
export function connectivityOf(
  lastHeartbeatAt: number | null,
  now: number,
  offlineAfterSeconds: number = AGENT_DEFAULTS.offlineAfterSeconds,
): Connectivity {
  if (lastHeartbeatAt === null) return "offline";
  return now - lastHeartbeatAt > offlineAfterSeconds * 1000 ? "offline" : "online";
}

/** What the console shows: the lifecycle status, or `offline` while the agent is silent. */
export function displayedNodeStatus(
  status: LifecycleStatus,
  connectivity: Connectivity,
): NodeStatus {
  if (status === "removed") return status;
  return connectivity === "offline" ? "offline" : status;
}

// ---------- requests ----------

export const NODE_SORTS = ["hostname", "cores", "memory", "registered"] as const;

export const listNodesRequest = z.object({
  regionId: z.uuid().optional(),
  clusterId: z.uuid().optional(),
  /** `unassigned`: nodes in no cluster. */
  unassigned: z.boolean().optional(),
  /** Displayed statuses, `offline` included. */
  status: z.array(z.enum(NODE_STATUSES)).optional(),
  role: z.string().min(1).max(100).optional(),
  arch: z.enum(ARCHES).optional(),
  search: z.string().trim().max(100).optional(),
  sort: z.enum(NODE_SORTS).default("hostname"),
  order: z.enum(["asc", "desc"]).default("asc"),
  cursor: z.string().max(500).nullish(),
  limit: z.number().int().min(1).max(500).default(50),
});
export type ListNodesRequest = z.input<typeof listNodesRequest>;

export const nodeRefRequest = z.object({ id: z.uuid() });

// ---------- bootstrap tokens ----------

/** A bootstrap token's visible prefix, so operators can tell tokens apart without the secret. */
export const TOKEN_PREFIX_LENGTH = 8;

export const createBootstrapTokenRequest = z.object({
  regionId: z.uuid(),
  /** What the token is for, e.g. "rack 3 PXE image"; shown in the list. */
  label: z.string().trim().min(1, { error: "required" }).max(100).default("bootstrap"),
  /** Days until it stops working; 0 = no expiry. */
  expiresInDays: z.number().int().min(0).max(3650).default(0),
});

export const tokenRefRequest = z.object({ id: z.uuid() });

/** Puts discovered (or already assigned) nodes into a cluster with the given roles. */
export const assignNodesRequest = z.object({
  clusterId: z.uuid(),
  nodeIds: z.array(z.uuid()).min(1).max(1000),
  roles: z.array(z.string().min(1).max(100)).min(1, { error: "required" }).max(10),
});
export type AssignNodesRequest = z.input<typeof assignNodesRequest>;
