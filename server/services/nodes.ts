import "server-only";
/**
 * Nodes and bootstrap tokens, for the console and the API. The agent-facing side (registration,
 * heartbeats, work) is the gateway's (server/gateway).
 */
import type { z } from "zod";
import * as q from "../../db/queries/nodes";
import { getRegion } from "../../db/queries/regions";
import type { Db } from "../../db/client";
import { CairnError } from "../../domain/errors";
import { eq, inArray } from "drizzle-orm";
import { clusters, nodes } from "../../db/schema";
import { effectiveBundle } from "./releases";
import {
  assertNodeTransition,
  type assignNodesRequest,
  connectivityOf,
  displayedNodeStatus,
  TOKEN_PREFIX_LENGTH,
  type createBootstrapTokenRequest,
  type listNodesRequest,
} from "../../domain/node";
import { AGENT_DEFAULTS } from "../../domain/agent/protocol";
import type { NodeStatus } from "../../domain/model";
import type { Page } from "../../domain/region";
import { hashSecret, newSecret } from "../gateway/http";
import type { ServiceContext } from "./context";

export type NodeListItem = q.NodeSummary & { displayedStatus: NodeStatus; online: boolean };

function withConnectivity<T extends q.NodeSummary>(row: T, now: number) {
  // The sweep sets offlineSince within seconds; between sweeps the heartbeat age decides.
  const connectivity =
    row.offlineSince !== null
      ? "offline"
      : connectivityOf(row.lastHeartbeatAt?.getTime() ?? null, now);
  return {
    ...row,
    online: connectivity === "online",
    displayedStatus: displayedNodeStatus(row.status, connectivity),
  };
}

export async function listNodes(
  ctx: Pick<ServiceContext, "db">,
  input: z.output<typeof listNodesRequest>,
): Promise<Page<NodeListItem>> {
  const page = await q.listNodes(ctx.db, input);
  const now = Date.now();
  return { ...page, items: page.items.map((r) => withConnectivity(r, now)) };
}

export async function getNode(ctx: Pick<ServiceContext, "db">, id: string) {
  const node = await q.getNode(ctx.db, { id });
  if (!node) throw new CairnError("node.not-found", { ref: id });
  const [events, attempts] = await Promise.all([
    q.listNodeEvents(ctx.db, { nodeId: id, limit: 100 }),
    q.recentNodeAttempts(ctx.db, { nodeId: id, limit: 50 }),
  ]);
  return { node: withConnectivity(node, Date.now()), events, attempts };
}

export async function nodeStatusCounts(ctx: Pick<ServiceContext, "db">, regionId?: string) {
  return q.countNodesByStatus(ctx.db, { regionId });
}

/** Marks silent nodes offline and records it; run by the engine's sweeping replica. */
export async function sweepOfflineNodes(
  db: Db,
  now: Date,
  offlineAfterSeconds: number = AGENT_DEFAULTS.offlineAfterSeconds,
): Promise<number> {
  const cutoff = new Date(now.getTime() - offlineAfterSeconds * 1000);
  return db.transaction(async (tx) => {
    const gone = await q.markOffline(tx, { cutoff, now });
    await q.insertNodeEvents(
      tx,
      gone.map((n) => ({
        nodeId: n.id,
        type: "offline",
        at: now,
        data: { lastHeartbeatAt: n.lastHeartbeatAt?.toISOString() ?? null },
      })),
    );
    return gone.length;
  });
}

// ---------- bootstrap tokens ----------

export type BootstrapTokenView = Omit<q.BootstrapTokenRow, "tokenHash"> & {
  state: "active" | "revoked" | "expired";
};

function tokenView(row: q.BootstrapTokenRow, now: number): BootstrapTokenView {
  const { tokenHash: _hash, ...rest } = row;
  const state = row.revokedAt
    ? "revoked"
    : row.expiresAt && row.expiresAt.getTime() <= now
      ? "expired"
      : "active";
  return { ...rest, state };
}

export async function listBootstrapTokens(ctx: Pick<ServiceContext, "db">, regionId: string) {
  const rows = await q.listBootstrapTokens(ctx.db, { regionId });
  const now = Date.now();
  return rows.map((r) => tokenView(r, now));
}

/** Creates a token; its secret is in the answer and nowhere else (the database keeps a hash). */
export async function createBootstrapToken(
  ctx: ServiceContext,
  input: z.output<typeof createBootstrapTokenRequest>,
): Promise<{ token: BootstrapTokenView; secret: string }> {
  const region = await getRegion(ctx.db, { id: input.regionId });
  if (!region) throw new CairnError("region.not-found", { ref: input.regionId });
  const secret = newSecret("cbt");
  const now = Date.now();
  const row = await q.insertBootstrapToken(ctx.db, {
    regionId: input.regionId,
    label: input.label,
    prefix: secret.slice(0, 4 + TOKEN_PREFIX_LENGTH),
    tokenHash: hashSecret(secret),
    createdBy: ctx.user.email,
    expiresAt: input.expiresInDays ? new Date(now + input.expiresInDays * 86_400_000) : null,
  });
  return { token: tokenView(row, now), secret };
}

export async function revokeBootstrapToken(ctx: ServiceContext, id: string) {
  const existing = await q.getBootstrapToken(ctx.db, { id });
  if (!existing) throw new CairnError("token.not-found", { ref: id });
  if (existing.revokedAt) throw new CairnError("token.revoked", { prefix: existing.prefix });
  const row = await q.revokeBootstrapToken(ctx.db, { id, actor: ctx.user.email, now: new Date() });
  if (!row) throw new CairnError("token.revoked", { prefix: existing.prefix });
  return tokenView(row, Date.now());
}

/** A new token with the same label and region, and the old one revoked, in one transaction. */
export async function rotateBootstrapToken(ctx: ServiceContext, id: string) {
  return ctx.db.transaction(async (tx) => {
    const inner = { ...ctx, db: tx };
    const old = await revokeBootstrapToken(inner, id);
    return createBootstrapToken(inner, {
      regionId: old.regionId,
      label: old.label,
      expiresInDays: 0,
    });
  });
}

/**
 * Puts nodes into a cluster with roles, in one transaction: every node must be in the cluster's
 * region and either discovered or already in this cluster (then only its roles change); every
 * role must exist in the cluster's release. Nothing changes if any node or role is refused.
 */
export async function assignNodes(ctx: ServiceContext, input: z.output<typeof assignNodesRequest>) {
  return ctx.db.transaction(async (tx) => {
    const [cluster] = await tx
      .select({
        id: clusters.id,
        name: clusters.name,
        regionId: clusters.regionId,
        releaseId: clusters.releaseId,
        customRoles: clusters.customRoles,
      })
      .from(clusters)
      .where(eq(clusters.id, input.clusterId));
    if (!cluster) throw new CairnError("cluster.not-found", { ref: input.clusterId });
    const catalog = (await effectiveBundle(tx, cluster.releaseId)).catalog;
    // The release's roles and the roles defined on this cluster from the release's services.
    const known = [...catalog.roles.map((r) => r.name), ...cluster.customRoles.map((r) => r.name)];
    for (const role of input.roles)
      if (!known.includes(role))
        throw new CairnError("node.unknown-role", {
          role,
          releaseId: cluster.releaseId,
          known: known.join(", "),
        });
    const rows = await tx
      .select({
        id: nodes.id,
        hostname: nodes.hostname,
        status: nodes.status,
        regionId: nodes.regionId,
        clusterId: nodes.clusterId,
      })
      .from(nodes)
      .where(inArray(nodes.id, input.nodeIds))
      .for("update");
    const now = new Date();
    for (const id of input.nodeIds) {
      const node = rows.find((r) => r.id === id);
      if (!node) throw new CairnError("node.not-found", { ref: id });
      const refuse = (why: string) =>
        new CairnError("node.not-assignable", {
          hostname: node.hostname,
          cluster: cluster.name,
          why,
        });
      if (node.regionId !== cluster.regionId) throw refuse("it is in another region");
      if (node.clusterId && node.clusterId !== cluster.id) throw refuse("it is in another cluster");
      if (node.clusterId !== cluster.id)
        assertNodeTransition(node.hostname, node.status, "assigned");
    }
    await tx
      .update(nodes)
      .set({ clusterId: cluster.id, roles: input.roles, updatedAt: now })
      .where(inArray(nodes.id, input.nodeIds));
    const joining = rows.filter((r) => r.clusterId !== cluster.id);
    if (joining.length)
      await tx
        .update(nodes)
        .set({ status: "assigned" })
        .where(
          inArray(
            nodes.id,
            joining.map((r) => r.id),
          ),
        );
    await q.insertNodeEvents(
      tx,
      rows.map((r) => ({
        nodeId: r.id,
        type: r.clusterId === cluster.id ? "roles" : "status",
        fromStatus: r.status,
        toStatus: r.clusterId === cluster.id ? r.status : "assigned",
        actor: ctx.user.email,
        data: { clusterId: cluster.id, roles: input.roles },
        at: now,
      })),
    );
    return { assigned: input.nodeIds.length };
  });
}
