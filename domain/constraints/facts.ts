/**
 * Facts several rules (and the impact preview) derive from a state, defined once so that a
 * "controller" or an "OSD disk" means the same thing everywhere.
 */
import { diskNeedsFrom, minimumOsDiskBytes, pickOsDisk } from "../disk/plan";
import type { ClusterState, Disk, IntentKind, Node } from "../model";
import { nodeRequirements, type Requirements } from "../roles/catalog";
import type { RuleContext } from "./types";

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
export const GB = 1000 ** 3;

/** The service that makes a node a controller (through the controller role, controller-hci or a custom role). */
export const CONTROL_SERVICE = "openstack-control";
export const COMPUTE_SERVICE = "nova-compute";
export const OSD_SERVICE = "ceph-osd";
export const MON_SERVICE = "ceph-mon";

/** Ceph's default mon_osd_nearfull_ratio: above it the cluster warns and rebalancing may stall. */
export const CEPH_NEAR_FULL_RATIO = 0.85;

/** An agent that has not called in for this long is offline (MAAS and StarlingX use minutes, not seconds). */
export const HEARTBEAT_TIMEOUT_MS = 3 * 60 * 1000;

/** In service and, when the agent reports heartbeats, heard from recently. */
export function isOnline(node: Node, now: number): boolean {
  if (!inService(node)) return false;
  return node.lastHeartbeatAt === undefined || now - node.lastHeartbeatAt <= HEARTBEAT_TIMEOUT_MS;
}

/** A node takes part in the cluster's work: not being removed and not in maintenance or offline. */
export function inService(node: Node): boolean {
  return node.status !== "maintenance" && node.status !== "offline" && node.status !== "removing";
}

/** Quorum of n voting members. */
export function quorumOf(members: number): number {
  return Math.floor(members / 2) + 1;
}

/** How many members may fail while quorum holds. */
export function failuresTolerated(members: number): number {
  return members <= 0 ? 0 : members - quorumOf(members);
}

interface NodeFacts {
  byRoles: Map<string, Requirements>;
  requirements: WeakMap<Node, Requirements>;
  osd: WeakMap<Node, Disk[]>;
  osdHosts?: Node[];
}

const nodeFacts = new WeakMap<RuleContext, NodeFacts>();

function factsOf(ctx: RuleContext): NodeFacts {
  let facts = nodeFacts.get(ctx);
  if (!facts)
    nodeFacts.set(
      ctx,
      (facts = { byRoles: new Map(), requirements: new WeakMap(), osd: new WeakMap() }),
    );
  return facts;
}

/** What a node's roles need (catalog minimums), computed once per distinct role set per evaluation. */
export function requirementsOf(ctx: RuleContext, node: Node): Requirements {
  const facts = factsOf(ctx);
  let req = facts.requirements.get(node);
  if (req) return req;
  const key = node.roles.join("\u0000");
  req = facts.byRoles.get(key);
  if (!req) {
    req = nodeRequirements(ctx.catalog, node.roles, ctx.state.cluster.customRoles);
    facts.byRoles.set(key, req);
  }
  facts.requirements.set(node, req);
  return req;
}

/**
 * The disks Ceph turns into OSDs on a node carrying ceph-osd: every fixed disk other than the OS
 * disk (chosen exactly as the disk planner chooses it) and at least the catalog's data-disk size.
 * When no disk can take the OS, the smallest fixed disk is assumed to be kept for it.
 */
export function osdDisks(ctx: RuleContext, node: Node): Disk[] {
  const facts = factsOf(ctx);
  const cached = facts.osd.get(node);
  if (cached) return cached;
  let disks: Disk[] = [];
  const services = ctx.servicesOf(node);
  if (services.has(OSD_SERVICE)) {
    const { minimumOsBytes, osdMinBytes } = diskNeedsOf(requirementsOf(ctx, node), services);
    const picked = pickOsDisk(node, minimumOsBytes);
    const all = node.hardware.disks;
    let os: Disk | undefined;
    if (picked.ok) os = picked.disk;
    else os = all.find((d) => d.name === node.osDisk) ?? smallestFixed(all);
    disks = all.filter((d) => d !== os && !d.removable && d.sizeBytes >= osdMinBytes);
  }
  facts.osd.set(node, disks);
  return disks;
}

function smallestFixed(disks: readonly Disk[]): Disk | undefined {
  let best: Disk | undefined;
  for (const d of disks) if (!d.removable && (!best || d.sizeBytes < best.sizeBytes)) best = d;
  return best;
}

const diskNeedsCache = new WeakMap<Requirements, { minimumOsBytes: number; osdMinBytes: number }>();

/** Disk sizes a role set implies, computed once per requirements object. */
function diskNeedsOf(req: Requirements, services: ReadonlySet<string>) {
  let needs = diskNeedsCache.get(req);
  if (!needs) {
    const full = diskNeedsFrom(req, services);
    needs = { minimumOsBytes: minimumOsDiskBytes(full), osdMinBytes: full.osd?.minBytes ?? 0 };
    diskNeedsCache.set(req, needs);
  }
  return needs;
}

/** Storage hosts that actually hold OSDs (a node with the role but no usable data disk holds nothing). */
export function osdHosts(ctx: RuleContext): Node[] {
  const facts = factsOf(ctx);
  facts.osdHosts ??= ctx.nodesWithService(OSD_SERVICE).filter((n) => osdDisks(ctx, n).length > 0);
  return facts.osdHosts;
}

export function osdRawBytes(ctx: RuleContext, node: Node): number {
  return osdDisks(ctx, node).reduce((sum, d) => sum + d.sizeBytes, 0);
}

export function carries(ctx: RuleContext, node: Node, service: string): boolean {
  return ctx.servicesOf(node).has(service);
}

/** Nodes carrying both nova-compute and ceph-osd: their memory is shared by VMs and OSDs. */
export function isHci(ctx: RuleContext, node: Node): boolean {
  const s = ctx.servicesOf(node);
  return s.has(COMPUTE_SERVICE) && s.has(OSD_SERVICE);
}

export function nodeIdsOf(intent: RuleContext["intent"]): string[] {
  return "nodeIds" in intent ? intent.nodeIds : [];
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Bytes as "12.3 TB" (vendor decimal units, as disks are sold). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${round1(value)} ${units[unit]}`;
}

export function hostnames(state: ClusterState, ids: readonly string[]): string {
  const byId = new Map(state.nodes.map((n) => [n.id, n.hostname]));
  return ids.map((id) => byId.get(id) ?? id).join(", ");
}

/** A list of names for a message, shortened after `limit` so a 5,000-node finding stays readable. */
export function nameList(names: readonly string[], limit = 5): string {
  if (names.length <= limit) return names.join(", ");
  return `${names.slice(0, limit).join(", ")} (+${names.length - limit})`;
}

/** Intents that change which nodes carry which roles (or are checked live in the wizard). */
export const TOPOLOGY_OPS: readonly IntentKind[] = [
  "validate",
  "deploy",
  "add-nodes",
  "remove-nodes",
  "change-roles",
];
/** Intents after which every node in the state must suit its roles. */
export const NODE_OPS: readonly IntentKind[] = ["validate", "deploy", "add-nodes", "change-roles"];
/** Every intent that changes something (all but the wizard's live check). */
export const MUTATING_OPS: readonly IntentKind[] = [
  "deploy",
  "add-nodes",
  "remove-nodes",
  "enter-maintenance",
  "exit-maintenance",
  "change-settings",
  "change-roles",
  "upgrade",
];
