/**
 * SQL of nodes and bootstrap tokens. The agent-facing calls (authenticate, heartbeat) are one
 * statement each: at 2,000 agents heartbeating every 10 s they run 200 times a second.
 */
import {
  and,
  desc,
  eq,
  gt,
  ilike,
  inArray,
  isNotNull,
  isNull,
  lt,
  or,
  sql,
  type SQL,
} from "drizzle-orm";
import type { Hardware, NodeStatus } from "../../domain/model";
import type { LifecycleStatus } from "../../domain/node";
import type { Page } from "../../domain/region";
import type { Db } from "../client";
import { attempts, bootstrapTokens, clusters, nodeEvents, nodes, regions, steps } from "../schema";
import { decodeCursor, keyset, likePattern, toPage } from "./paging";

export type NodeRow = typeof nodes.$inferSelect;
export type NodeEventRow = typeof nodeEvents.$inferSelect;
export type BootstrapTokenRow = typeof bootstrapTokens.$inferSelect;

/** A node as lists show it: no credential hash, the hardware only in the detail view. */
export type NodeSummary = Omit<NodeRow, "credentialHash" | "hardware"> & {
  regionName: string;
  clusterName: string | null;
};

const summaryColumns = {
  id: nodes.id,
  regionId: nodes.regionId,
  regionName: regions.name,
  clusterId: nodes.clusterId,
  clusterName: clusters.name,
  machineId: nodes.machineId,
  hostname: nodes.hostname,
  arch: nodes.arch,
  status: nodes.status,
  roles: nodes.roles,
  lab: nodes.lab,
  osDisk: nodes.osDisk,
  addresses: nodes.addresses,
  cores: nodes.cores,
  threads: nodes.threads,
  memoryBytes: nodes.memoryBytes,
  diskCount: nodes.diskCount,
  agentVersion: nodes.agentVersion,
  registeredAt: nodes.registeredAt,
  lastHeartbeatAt: nodes.lastHeartbeatAt,
  offlineSince: nodes.offlineSince,
  clockOffsetMs: nodes.clockOffsetMs,
  updatedAt: nodes.updatedAt,
};

// ---------- bootstrap tokens ----------

export async function insertBootstrapToken(
  db: Db,
  params: {
    regionId: string;
    label: string;
    prefix: string;
    tokenHash: string;
    createdBy: string | null;
    expiresAt: Date | null;
  },
): Promise<BootstrapTokenRow> {
  const [row] = await db.insert(bootstrapTokens).values(params).returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

export async function listBootstrapTokens(db: Db, params: { regionId: string }) {
  return db
    .select()
    .from(bootstrapTokens)
    .where(eq(bootstrapTokens.regionId, params.regionId))
    .orderBy(desc(bootstrapTokens.createdAt), desc(bootstrapTokens.id));
}

export async function getBootstrapToken(db: Db, params: { id: string }) {
  const [row] = await db.select().from(bootstrapTokens).where(eq(bootstrapTokens.id, params.id));
  return row;
}

export async function revokeBootstrapToken(
  db: Db,
  params: { id: string; actor: string | null; now: Date },
) {
  const [row] = await db
    .update(bootstrapTokens)
    .set({ revokedAt: params.now, revokedBy: params.actor })
    .where(and(eq(bootstrapTokens.id, params.id), isNull(bootstrapTokens.revokedAt)))
    .returning();
  return row;
}

/** A token that is neither revoked nor expired; counts the use in the same statement. */
export async function useBootstrapToken(db: Db, params: { tokenHash: string; now: Date }) {
  const [row] = await db
    .update(bootstrapTokens)
    .set({ lastUsedAt: params.now, uses: sql`${bootstrapTokens.uses} + 1` })
    .where(
      and(
        eq(bootstrapTokens.tokenHash, params.tokenHash),
        isNull(bootstrapTokens.revokedAt),
        or(isNull(bootstrapTokens.expiresAt), gt(bootstrapTokens.expiresAt, params.now)),
      ),
    )
    .returning({ id: bootstrapTokens.id, regionId: bootstrapTokens.regionId });
  return row;
}

/** Why a token that `useBootstrapToken` refused was refused (for the agent's error message). */
export async function findBootstrapTokenByHash(db: Db, params: { tokenHash: string }) {
  const [row] = await db
    .select({ revokedAt: bootstrapTokens.revokedAt, expiresAt: bootstrapTokens.expiresAt })
    .from(bootstrapTokens)
    .where(eq(bootstrapTokens.tokenHash, params.tokenHash));
  return row;
}

// ---------- registration and heartbeats ----------

export interface RegisterNode {
  regionId: string;
  machineId: string;
  hostname: string;
  arch: string;
  lab: boolean;
  hardware: Hardware;
  agentVersion: string;
  credentialHash: string;
  now: Date;
}

/**
 * Inserts the node, or — the same machine registering again — gives it the new credential (the
 * old one stops working at once) and the fresh inventory. A removed node comes back discovered.
 * Returns the row and whether it was new.
 */
export async function upsertNode(
  db: Db,
  params: RegisterNode,
): Promise<{ node: NodeRow; created: boolean; previousStatus: LifecycleStatus | null }> {
  const facts = {
    hostname: params.hostname,
    arch: params.arch,
    lab: params.lab,
    hardware: params.hardware,
    cores: params.hardware.cpu.cores,
    threads: params.hardware.cpu.threads,
    memoryBytes: params.hardware.memoryBytes,
    diskCount: params.hardware.disks.length,
    agentVersion: params.agentVersion,
    credentialHash: params.credentialHash,
    lastHeartbeatAt: params.now,
    offlineSince: null,
    updatedAt: params.now,
  };
  const [before] = await db
    .select({ id: nodes.id, status: nodes.status, regionId: nodes.regionId })
    .from(nodes)
    .where(eq(nodes.machineId, params.machineId))
    .for("update");
  if (!before) {
    const [node] = await db
      .insert(nodes)
      .values({ ...facts, regionId: params.regionId, machineId: params.machineId })
      .returning();
    if (!node) throw new Error("insert returned no row");
    return { node, created: true, previousStatus: null };
  }
  const [node] = await db
    .update(nodes)
    .set({
      ...facts,
      ...(before.status === "removed"
        ? { status: "discovered" as const, clusterId: null, roles: [] }
        : {}),
    })
    .where(eq(nodes.id, before.id))
    .returning();
  if (!node) throw new Error("update returned no row");
  return { node, created: false, previousStatus: before.status };
}

export async function findNodeByMachineId(db: Db, params: { machineId: string }) {
  const [row] = await db
    .select({ id: nodes.id, regionId: nodes.regionId })
    .from(nodes)
    .where(eq(nodes.machineId, params.machineId));
  return row;
}

export interface AgentIdentity {
  id: string;
  regionId: string;
  hostname: string;
  status: LifecycleStatus;
}

export async function findNodeByCredential(
  db: Db,
  params: { credentialHash: string },
): Promise<AgentIdentity | undefined> {
  const [row] = await db
    .select({
      id: nodes.id,
      regionId: nodes.regionId,
      hostname: nodes.hostname,
      status: nodes.status,
    })
    .from(nodes)
    .where(eq(nodes.credentialHash, params.credentialHash));
  return row;
}

/**
 * Authenticates and records a heartbeat in one statement. Returns null for an unknown credential;
 * `wasOffline` says the node just came back, so the caller records the `online` event.
 */
export async function recordHeartbeat(
  db: Db,
  params: { credentialHash: string; now: Date; clockOffsetMs: number; hardware?: Hardware },
): Promise<(AgentIdentity & { wasOffline: boolean }) | null> {
  const hw = params.hardware;
  const hardwareSet = hw
    ? sql`, hardware = ${JSON.stringify(hw)}::jsonb, cores = ${hw.cpu.cores},
          threads = ${hw.cpu.threads}, memory_bytes = ${hw.memoryBytes},
          disk_count = ${hw.disks.length}, updated_at = ${params.now}`
    : sql``;
  const result = (await db.execute(sql`
    update node set last_heartbeat_at = ${params.now}, offline_since = null,
      clock_offset_ms = ${Math.round(params.clockOffsetMs)} ${hardwareSet}
    from (select id as pid, offline_since as prev from node where credential_hash = ${params.credentialHash}) p
    where node.id = p.pid
    returning node.id, node.region_id as "regionId", node.hostname, node.status,
      (p.prev is not null) as "wasOffline"`)) as unknown as {
    rows: (AgentIdentity & { wasOffline: boolean })[];
  };
  return result.rows[0] ?? null;
}

/** Nodes silent since before `cutoff` become offline; returns them for the events. */
export async function markOffline(db: Db, params: { cutoff: Date; now: Date }) {
  return db
    .update(nodes)
    .set({ offlineSince: params.now })
    .where(
      and(
        isNull(nodes.offlineSince),
        isNotNull(nodes.lastHeartbeatAt),
        lt(nodes.lastHeartbeatAt, params.cutoff),
        sql`${nodes.status} <> 'removed'`,
      ),
    )
    .returning({ id: nodes.id, lastHeartbeatAt: nodes.lastHeartbeatAt });
}

export async function insertNodeEvents(
  db: Db,
  events: {
    nodeId: string;
    type: string;
    fromStatus?: string | null;
    toStatus?: string | null;
    actor?: string | null;
    data?: Record<string, unknown>;
    at?: Date;
  }[],
) {
  if (events.length === 0) return;
  await db.insert(nodeEvents).values(events);
}

export async function setNodeStatus(
  db: Db,
  params: { id: string; from: LifecycleStatus; to: LifecycleStatus; now: Date },
) {
  const [row] = await db
    .update(nodes)
    .set({ status: params.to, updatedAt: params.now })
    .where(and(eq(nodes.id, params.id), eq(nodes.status, params.from)))
    .returning();
  return row;
}

// ---------- console ----------

const SORT_COLUMNS = {
  hostname: nodes.hostname,
  cores: nodes.cores,
  memory: nodes.memoryBytes,
  registered: nodes.registeredAt,
} as const;

export async function listNodes(
  db: Db,
  params: {
    limit: number;
    cursor?: string | null;
    sort: keyof typeof SORT_COLUMNS;
    order: "asc" | "desc";
    regionId?: string;
    clusterId?: string;
    unassigned?: boolean;
    status?: NodeStatus[];
    role?: string;
    arch?: string;
    search?: string;
  },
): Promise<Page<NodeSummary>> {
  const column = SORT_COLUMNS[params.sort];
  const page = keyset(column, nodes.id, params.order, decodeCursor(params.cursor, params.sort));
  const rows = await db
    .select(summaryColumns)
    .from(nodes)
    .innerJoin(regions, eq(regions.id, nodes.regionId))
    .leftJoin(clusters, eq(clusters.id, nodes.clusterId))
    .where(
      and(
        params.regionId ? eq(nodes.regionId, params.regionId) : undefined,
        params.clusterId ? eq(nodes.clusterId, params.clusterId) : undefined,
        params.unassigned ? isNull(nodes.clusterId) : undefined,
        params.status?.length ? statusFilter(params.status) : undefined,
        params.role ? sql`${nodes.roles} @> array[${params.role}]::text[]` : undefined,
        params.arch ? eq(nodes.arch, params.arch) : undefined,
        params.search
          ? or(
              ilike(nodes.hostname, likePattern(params.search)),
              ilike(nodes.machineId, likePattern(params.search)),
            )
          : undefined,
        page.where,
      ),
    )
    .orderBy(...page.orderBy)
    .limit(params.limit + 1);
  return toPage(rows, params.limit, params.sort, (r) => {
    switch (params.sort) {
      case "hostname":
        return r.hostname;
      case "cores":
        return r.cores;
      case "memory":
        return r.memoryBytes;
      case "registered":
        return r.registeredAt;
    }
  });
}

/** Displayed statuses: `offline` is a connectivity fact; the others are lifecycle statuses of online nodes. */
function statusFilter(statuses: NodeStatus[]): SQL | undefined {
  const lifecycle = statuses.filter((s) => s !== "offline");
  const parts: (SQL | undefined)[] = [];
  if (statuses.includes("offline"))
    parts.push(and(isNotNull(nodes.offlineSince), sql`${nodes.status} <> 'removed'`));
  if (lifecycle.length)
    parts.push(
      and(
        inArray(nodes.status, lifecycle as LifecycleStatus[]),
        or(isNull(nodes.offlineSince), eq(nodes.status, "removed")),
      ),
    );
  return or(...parts);
}

export async function getNode(
  db: Db,
  params: { id: string },
): Promise<(NodeSummary & { hardware: Hardware }) | undefined> {
  const [row] = await db
    .select({ ...summaryColumns, hardware: nodes.hardware })
    .from(nodes)
    .innerJoin(regions, eq(regions.id, nodes.regionId))
    .leftJoin(clusters, eq(clusters.id, nodes.clusterId))
    .where(eq(nodes.id, params.id));
  return row;
}

export async function listNodeEvents(db: Db, params: { nodeId: string; limit: number }) {
  return db
    .select()
    .from(nodeEvents)
    .where(eq(nodeEvents.nodeId, params.nodeId))
    .orderBy(desc(nodeEvents.id))
    .limit(params.limit);
}

export async function recentNodeAttempts(db: Db, params: { nodeId: string; limit: number }) {
  return db
    .select({
      id: attempts.id,
      taskId: attempts.taskId,
      stepId: steps.stepId,
      stepKey: steps.key,
      number: attempts.number,
      status: attempts.status,
      exitCode: attempts.exitCode,
      reason: attempts.reason,
      queuedAt: attempts.queuedAt,
      startedAt: attempts.startedAt,
      endedAt: attempts.endedAt,
    })
    .from(attempts)
    .innerJoin(steps, eq(steps.id, attempts.stepId))
    .where(eq(attempts.nodeId, params.nodeId))
    .orderBy(desc(attempts.queuedAt), desc(attempts.id))
    .limit(params.limit);
}

/** Counts per displayed status, for the list's filter chips. */
export async function countNodesByStatus(db: Db, params: { regionId?: string }) {
  const result = (await db.execute(sql`
    select case when offline_since is not null and status <> 'removed' then 'offline' else status end as status,
           count(*)::int as n
    from node ${params.regionId ? sql`where region_id = ${params.regionId}` : sql``}
    group by 1`)) as unknown as { rows: { status: NodeStatus; n: number }[] };
  return result.rows;
}

export interface HeartbeatItem {
  credentialHash: string;
  at: Date;
  clockOffsetMs: number;
}

/**
 * Many heartbeats in one statement (the gateway coalesces those that arrive within a few
 * milliseconds): authenticates each by its credential and records it. Returns the nodes found, by
 * credential hash; an unknown credential is simply absent.
 */
export async function recordHeartbeats(
  db: Db,
  items: HeartbeatItem[],
): Promise<Map<string, AgentIdentity & { wasOffline: boolean }>> {
  const found = new Map<string, AgentIdentity & { wasOffline: boolean }>();
  if (items.length === 0) return found;
  // One row per node, in a fixed order, so concurrent batches lock rows in the same order.
  const unique = [...new Map(items.map((i) => [i.credentialHash, i])).values()].sort((a, b) =>
    a.credentialHash < b.credentialHash ? -1 : 1,
  );
  const values = sql.join(
    unique.map(
      (i) =>
        sql`(${i.credentialHash}::text, ${i.at.toISOString()}::timestamptz, ${Math.round(i.clockOffsetMs)}::int)`,
    ),
    sql`, `,
  );
  const result = (await db.execute(sql`
    with v(h, at, off) as (values ${values}),
    p as (select n.id as pid, n.offline_since as prev, v.at, v.off, v.h
          from node n join v on n.credential_hash = v.h order by n.id)
    update node set last_heartbeat_at = p.at, offline_since = null, clock_offset_ms = p.off
    from p where node.id = p.pid
    returning p.h as "credentialHash", node.id, node.region_id as "regionId", node.hostname,
      node.status, (p.prev is not null) as "wasOffline"`)) as unknown as {
    rows: (AgentIdentity & { wasOffline: boolean; credentialHash: string })[];
  };
  for (const { credentialHash, ...row } of result.rows) found.set(credentialHash, row);
  return found;
}

/**
 * A poll's first look, in one statement: who the credential belongs to, the kills it owes, and
 * whether any step is ready for it (only then is a claim transaction worth opening).
 */
export async function authenticatePoll(db: Db, params: { credentialHash: string }) {
  const result = (await db.execute(sql`
    select n.id, n.region_id as "regionId", n.hostname, n.status,
      (select coalesce(json_agg(json_build_object('id', a.id, 'epoch', a.epoch, 'killFor', a.kill_for)), '[]'::json)
         from attempt a where a.node_id = n.id::text and a.status = 'killing') as kills,
      exists (select 1 from step s where s.node_id = n.id::text and s.status = 'ready') as ready
    from node n where n.credential_hash = ${params.credentialHash}`)) as unknown as {
    rows: (AgentIdentity & {
      kills: { id: string; epoch: number; killFor: "timeout" | "cancel" | null }[];
      ready: boolean;
    })[];
  };
  return result.rows[0];
}

/** A poll's later looks: the kills owed and whether a step is ready, for a known node. */
export async function probeNodeWork(db: Db, params: { nodeId: string }) {
  const result = (await db.execute(sql`
    select
      (select coalesce(json_agg(json_build_object('id', a.id, 'epoch', a.epoch, 'killFor', a.kill_for)), '[]'::json)
         from attempt a where a.node_id = ${params.nodeId} and a.status = 'killing') as kills,
      exists (select 1 from step s where s.node_id = ${params.nodeId} and s.status = 'ready') as ready`)) as unknown as {
    rows: {
      kills: { id: string; epoch: number; killFor: "timeout" | "cancel" | null }[];
      ready: boolean;
    }[];
  };
  return result.rows[0] ?? { kills: [], ready: false };
}
