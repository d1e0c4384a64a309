/**
 * SQL of the installation wizard: the draft cluster with its region, its member nodes, what makes
 * a cluster or region "deployed", the running task, the license in force, and the writes of the
 * draft (networks, custom roles, confirmed steps, node addresses and OS disks).
 */
import { and, count, desc, eq, inArray, ne, sql } from "drizzle-orm";
import type { Network, NetworkName, WizardStep } from "../../domain/model";
import type { Db } from "../client";
import { clusters, licenses, nodes, regions, tasks } from "../schema";

export interface DraftRow {
  id: string;
  regionId: string;
  regionName: string;
  regionDisplayName: string;
  name: string;
  displayName: string;
  kind: typeof clusters.$inferSelect.kind;
  releaseId: string;
  status: typeof clusters.$inferSelect.status;
  settings: typeof clusters.$inferSelect.settings;
  networks: Network[];
  customRoles: { name: string; services: string[] }[];
  wizardDone: WizardStep[];
  createdAt: Date;
  updatedAt: Date;
}

const draftColumns = {
  id: clusters.id,
  regionId: clusters.regionId,
  regionName: regions.name,
  regionDisplayName: regions.displayName,
  name: clusters.name,
  displayName: clusters.displayName,
  kind: clusters.kind,
  releaseId: clusters.releaseId,
  status: clusters.status,
  settings: clusters.settings,
  networks: clusters.networks,
  customRoles: clusters.customRoles,
  wizardDone: clusters.wizardDone,
  createdAt: clusters.createdAt,
  updatedAt: clusters.updatedAt,
};

/** The cluster with its region; `lock` takes the cluster row for the rest of the transaction. */
export async function getDraft(
  db: Db,
  params: { clusterId: string; lock?: boolean },
): Promise<DraftRow | undefined> {
  const query = db
    .select(draftColumns)
    .from(clusters)
    .innerJoin(regions, eq(regions.id, clusters.regionId))
    .where(eq(clusters.id, params.clusterId));
  const [row] = params.lock ? await query.for("update", { of: clusters }) : await query;
  return row;
}

export const memberColumns = {
  id: nodes.id,
  hostname: nodes.hostname,
  arch: nodes.arch,
  status: nodes.status,
  roles: nodes.roles,
  lab: nodes.lab,
  osDisk: nodes.osDisk,
  addresses: nodes.addresses,
  hardware: nodes.hardware,
  cores: nodes.cores,
  threads: nodes.threads,
  memoryBytes: nodes.memoryBytes,
  diskCount: nodes.diskCount,
  agentVersion: nodes.agentVersion,
  registeredAt: nodes.registeredAt,
  lastHeartbeatAt: nodes.lastHeartbeatAt,
  offlineSince: nodes.offlineSince,
  clockOffsetMs: nodes.clockOffsetMs,
};

export type MemberRow = {
  [K in keyof typeof memberColumns]: (typeof nodes.$inferSelect)[K];
};

/** The cluster's nodes (removed ones are history, not members), by hostname. */
export async function listMembers(db: Db, params: { clusterId: string }): Promise<MemberRow[]> {
  return db
    .select(memberColumns)
    .from(nodes)
    .where(and(eq(nodes.clusterId, params.clusterId), ne(nodes.status, "removed")))
    .orderBy(nodes.hostname, nodes.id);
}

export interface CandidateRow {
  id: string;
  hostname: string;
  status: (typeof nodes.$inferSelect)["status"];
  regionId: string;
  regionName: string;
  clusterId: string | null;
  clusterName: string | null;
  hardware: (typeof nodes.$inferSelect)["hardware"];
}

/** Nodes by id with their region and cluster names, locked for the rest of the transaction. */
export async function lockNodes(db: Db, params: { ids: string[] }): Promise<CandidateRow[]> {
  if (params.ids.length === 0) return [];
  return db
    .select({
      id: nodes.id,
      hostname: nodes.hostname,
      status: nodes.status,
      regionId: nodes.regionId,
      regionName: regions.name,
      clusterId: nodes.clusterId,
      clusterName: clusters.name,
      hardware: nodes.hardware,
    })
    .from(nodes)
    .innerJoin(regions, eq(regions.id, nodes.regionId))
    .leftJoin(clusters, eq(clusters.id, nodes.clusterId))
    .where(inArray(nodes.id, params.ids))
    .for("update", { of: nodes });
}

/** A successful `deploy` in apply mode, or the cluster marked deployed: day-2 rules apply. */
const deployedCluster = sql`(${clusters.status} = 'deployed' or exists (
  select 1 from ${tasks} where ${tasks.clusterId} = ${clusters.id} and ${tasks.kind} = 'deploy'
    and ${tasks.mode} = 'apply' and ${tasks.status} = 'succeeded'))`;

export async function isClusterDeployed(db: Db, params: { clusterId: string }): Promise<boolean> {
  const [row] = await db
    .select({ deployed: sql<boolean>`${deployedCluster}` })
    .from(clusters)
    .where(eq(clusters.id, params.clusterId));
  return row?.deployed ?? false;
}

/** A region is deployed once one of its clusters is: its name is then in DNS and certificates. */
export async function isRegionDeployed(db: Db, params: { regionId: string }): Promise<boolean> {
  const [row] = await db
    .select({ n: count() })
    .from(clusters)
    .where(and(eq(clusters.regionId, params.regionId), deployedCluster));
  return (row?.n ?? 0) > 0;
}

export async function countRegions(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(regions);
  return row?.n ?? 0;
}

/** The cluster's active mutating task (what the one-per-cluster index allows one of). */
export async function activeTask(
  db: Db,
  params: { clusterId: string },
): Promise<{ id: string; kind: string } | null> {
  const [row] = await db
    .select({ id: tasks.id, kind: tasks.kind })
    .from(tasks)
    .where(
      and(
        eq(tasks.clusterId, params.clusterId),
        inArray(tasks.status, ["pending", "running", "paused", "cancelling"]),
        ne(tasks.mode, "plan"),
      ),
    )
    .limit(1);
  return row ?? null;
}

// ---------- licenses ----------

export type LicenseRow = typeof licenses.$inferSelect;

/** The license in force: the newest one loaded. */
export async function newestLicense(db: Db): Promise<LicenseRow | null> {
  const [row] = await db
    .select()
    .from(licenses)
    .orderBy(desc(licenses.loadedAt), desc(licenses.id))
    .limit(1);
  return row ?? null;
}

export async function insertLicense(
  db: Db,
  params: Pick<LicenseRow, "token" | "claims" | "loadedBy" | "loadedAt">,
): Promise<LicenseRow> {
  const [row] = await db.insert(licenses).values(params).returning();
  if (!row) throw new Error("insert returned no row");
  return row;
}

// ---------- writes of the draft ----------

export async function setDraftNetworks(
  db: Db,
  params: { clusterId: string; networks: Network[]; now: Date },
): Promise<void> {
  await db
    .update(clusters)
    .set({ networks: params.networks, updatedAt: params.now })
    .where(eq(clusters.id, params.clusterId));
}

export async function setDraftCustomRoles(
  db: Db,
  params: { clusterId: string; customRoles: { name: string; services: string[] }[]; now: Date },
): Promise<void> {
  await db
    .update(clusters)
    .set({ customRoles: params.customRoles, updatedAt: params.now })
    .where(eq(clusters.id, params.clusterId));
}

export async function setWizardDone(
  db: Db,
  params: { clusterId: string; steps: WizardStep[]; now: Date },
): Promise<void> {
  await db
    .update(clusters)
    .set({ wizardDone: params.steps, updatedAt: params.now })
    .where(eq(clusters.id, params.clusterId));
}

/** Gives each listed node its addresses (the whole per-network record), in one statement. */
export async function setNodeAddresses(
  db: Db,
  params: {
    clusterId: string;
    addresses: { id: string; addresses: Partial<Record<NetworkName, string>> }[];
    now: Date;
  },
): Promise<void> {
  if (params.addresses.length === 0) return;
  const rows = JSON.stringify(params.addresses);
  await db.execute(sql`
    update ${nodes} set addresses = v.addresses, updated_at = ${params.now}
    from jsonb_to_recordset(${rows}::jsonb) as v(id uuid, addresses jsonb)
    where ${nodes.id} = v.id and ${nodes.clusterId} = ${params.clusterId}`);
}

export async function setNodeOsDisk(
  db: Db,
  params: { clusterId: string; nodeId: string; osDisk: string | null; now: Date },
): Promise<void> {
  await db
    .update(nodes)
    .set({ osDisk: params.osDisk, updatedAt: params.now })
    .where(and(eq(nodes.id, params.nodeId), eq(nodes.clusterId, params.clusterId)));
}

/**
 * Takes nodes out of a cluster they were only selected into: back to discovered, with nothing of
 * the cluster left on them (roles, addresses, OS disk choice).
 */
export async function releaseNodes(
  db: Db,
  params: { clusterId: string; ids: string[]; now: Date },
): Promise<void> {
  if (params.ids.length === 0) return;
  await db
    .update(nodes)
    .set({
      clusterId: null,
      status: "discovered",
      roles: [],
      addresses: {},
      osDisk: null,
      updatedAt: params.now,
    })
    .where(and(inArray(nodes.id, params.ids), eq(nodes.clusterId, params.clusterId)));
}
