/**
 * The installation wizard as pure functions: which steps are complete and which hold blocking
 * findings, where the wizard reopens, whether Next is allowed and why not, and the previews its
 * pages draw (address plan, disk pictures, topology, plan table, license usage). The server builds
 * its answers with these, and the browser can run the same ones on unsaved form values.
 */
import { blocking } from "./constraints/engine";
import { impact, type ImpactEntry } from "./constraints/impact";
import { CONTROL_SERVICE } from "./constraints/facts";
import { ruleById } from "./constraints/registry";
import type { Finding, Severity } from "./constraints/types";
import {
  diskNeedsFrom,
  planDisks,
  type DiskPlan,
  type DiskPlanResult,
  type DiskProblem,
} from "./disk/plan";
import { z } from "zod";
import { fill, localize, type Localized } from "./i18n";
import {
  WIZARD_STEPS,
  networkSchema,
  settingsSchema,
  type ClusterState,
  type Disk,
  type Network,
  type NetworkName,
  type Node,
  type Settings,
  type WizardStep,
} from "./model";
import {
  CIDR_PROBLEM_TEXT,
  NODE_NETWORKS,
  planAddresses,
  type AllocationError,
} from "./network/ipam";
import { OPERATIONS } from "./release/bundle";
import { nodeRequirements, servicesOfRoles, type CustomRole } from "./roles/catalog";
import type { RoleCatalog } from "./roles/schema";
import type { Plan, PlannedStep } from "./taskgraph/plan";

// ---------- steps ----------

export const STEP_LABELS: Record<WizardStep, Localized> = {
  region: { en: "Region", "zh-CN": "区域" },
  cluster: { en: "Cluster", "zh-CN": "集群" },
  discover: { en: "Discover", "zh-CN": "发现节点" },
  roles: { en: "Roles", "zh-CN": "角色" },
  networks: { en: "Networks", "zh-CN": "网络" },
  disks: { en: "Disks", "zh-CN": "磁盘" },
  settings: { en: "Settings", "zh-CN": "设置" },
  license: { en: "License", "zh-CN": "许可证" },
  review: { en: "Review", "zh-CN": "检查与部署" },
};

/**
 * - `blocking`: a blocking finding belongs to the step (confirmed or not);
 * - `complete`: confirmed, nothing blocks, nothing warns;
 * - `warning`: confirmed, nothing blocks, something warns;
 * - `todo`: not confirmed yet, nothing blocks.
 */
export const STEP_STATUSES = ["complete", "blocking", "warning", "todo"] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const WIZARD_TEXT = {
  blocked: {
    en: "{count} finding(s) block this step. First: {first}",
    "zh-CN": "有 {count} 项检查结果阻止此步骤。第一项：{first}",
  },
  noNodes: {
    en: "Select at least one node for the cluster.",
    "zh-CN": "请至少为集群选择一个节点。",
  },
  unconfirmed: {
    en: "Complete these steps first: {steps}.",
    "zh-CN": "请先完成以下步骤：{steps}。",
  },
  deployBlocked: {
    en: "{count} finding(s) block the deployment. First: {first}",
    "zh-CN": "有 {count} 项检查结果阻止部署。第一项：{first}",
  },
  roleNotInCluster: {
    en: "{role} is not a role of this cluster.",
    "zh-CN": "{role} 不是本集群的角色。",
  },
  chooseDisk: { en: "Choose one of {disks}.", "zh-CN": "请从 {disks} 中选择。" },
  duplicateNetwork: {
    en: "The {network} network is listed more than once; each network appears once.",
    "zh-CN": "{network} 网络被重复列出；每个网络只能出现一次。",
  },
} as const satisfies Record<string, Localized>;

/** Fills a template per language with a parameter that is itself a text in both languages. */
function withPhrase(
  template: Localized,
  params: Record<string, string | number>,
  phrases: Record<string, Localized>,
): Localized {
  const one = (locale: keyof Localized) => {
    const filled: Record<string, string | number> = { ...params };
    for (const [name, phrase] of Object.entries(phrases)) filled[name] = phrase[locale];
    return fill(template[locale], filled);
  };
  return { en: one("en"), "zh-CN": one("zh-CN") };
}

function joinLabels(steps: readonly WizardStep[]): Localized {
  return {
    en: steps.map((s) => STEP_LABELS[s].en).join(", "),
    "zh-CN": steps.map((s) => STEP_LABELS[s]["zh-CN"]).join("、"),
  };
}

/** Findings a step owns (a rule may belong to several steps). */
export function findingsOfStep(findings: readonly Finding[], step: WizardStep): Finding[] {
  return findings.filter((f) => f.steps.includes(step));
}

export interface FindingsBySeverity {
  block: Finding[];
  warn: Finding[];
  info: Finding[];
}

export function groupBySeverity(findings: readonly Finding[]): FindingsBySeverity {
  const out: FindingsBySeverity = { block: [], warn: [], info: [] };
  for (const f of findings) out[f.severity].push(f);
  return out;
}

export interface NextVerdict {
  allowed: boolean;
  /** Why Next is refused, in both languages; null when allowed. */
  reason: Localized | null;
  /** The findings that stop it (empty when a precondition, not a rule, stops it). */
  blocking: Finding[];
}

export interface StepView {
  step: WizardStep;
  label: Localized;
  status: StepStatus;
  confirmed: boolean;
  counts: Record<Severity, number>;
  /** Whether Next (for `review`: Deploy) may be pressed on this step. */
  next: NextVerdict;
}

export interface WizardInput {
  /** The wizard's live check: `evaluate(state, {kind: "validate"})`. */
  findings: readonly Finding[];
  /** `evaluate(state, {kind: "deploy"})`; decides the review step's Deploy. Defaults to `findings`. */
  deployFindings?: readonly Finding[];
  confirmed: readonly WizardStep[];
  /** Nodes selected into the cluster. */
  memberCount: number;
}

export interface WizardView {
  steps: StepView[];
  /** The first step (in wizard order) owning a blocking finding; null when nothing blocks. */
  firstFailingStep: WizardStep | null;
  /** Where the wizard reopens: the first failing step, else the first unconfirmed one, else review. */
  resumeStep: WizardStep;
}

function blockedVerdict(template: Localized, blockers: Finding[]): NextVerdict {
  const first = blockers[0] as Finding;
  return {
    allowed: false,
    reason: withPhrase(template, { count: blockers.length }, { first: first.message }),
    blocking: blockers,
  };
}

/** Whether Next may leave `step`, and the reason when it may not. */
export function nextFrom(step: WizardStep, input: WizardInput): NextVerdict {
  if (step === "review") {
    const earlier = WIZARD_STEPS.filter((s) => s !== "review" && !input.confirmed.includes(s));
    const blockers = blocking(input.deployFindings ?? input.findings);
    if (blockers.length > 0) return blockedVerdict(WIZARD_TEXT.deployBlocked, blockers);
    if (earlier.length > 0)
      return {
        allowed: false,
        reason: withPhrase(WIZARD_TEXT.unconfirmed, {}, { steps: joinLabels(earlier) }),
        blocking: [],
      };
    return { allowed: true, reason: null, blocking: [] };
  }
  const blockers = blocking(findingsOfStep(input.findings, step));
  if (blockers.length > 0) return blockedVerdict(WIZARD_TEXT.blocked, blockers);
  if (step === "discover" && input.memberCount === 0)
    return { allowed: false, reason: { ...WIZARD_TEXT.noNodes }, blocking: [] };
  return { allowed: true, reason: null, blocking: [] };
}

/** Every step's status and Next verdict, the first failing step and where to reopen. */
export function wizardView(input: WizardInput): WizardView {
  const steps = WIZARD_STEPS.map((step): StepView => {
    const owned = findingsOfStep(input.findings, step);
    const counts: Record<Severity, number> = { block: 0, warn: 0, info: 0 };
    for (const f of owned) counts[f.severity]++;
    const confirmed = input.confirmed.includes(step);
    const status: StepStatus =
      counts.block > 0
        ? "blocking"
        : !confirmed
          ? "todo"
          : counts.warn > 0
            ? "warning"
            : "complete";
    return {
      step,
      label: STEP_LABELS[step],
      status,
      confirmed,
      counts,
      next: nextFrom(step, input),
    };
  });
  const firstFailingStep = steps.find((s) => s.status === "blocking")?.step ?? null;
  const resumeStep = firstFailingStep ?? steps.find((s) => !s.confirmed)?.step ?? "review";
  return { steps, firstFailingStep, resumeStep };
}

/** The confirmed steps after confirming one more, in wizard order, without repeats. */
export function withConfirmed(confirmed: readonly WizardStep[], step: WizardStep): WizardStep[] {
  const set = new Set([...confirmed, step]);
  return WIZARD_STEPS.filter((s) => set.has(s));
}

// ---------- license ----------

export interface LicenseUsage {
  licenseId: string;
  customer: string;
  nodes: { used: number; max: number };
  sockets: { used: number; max: number };
  regions: { used: number; max: number };
  features: string[];
  /** Epoch seconds. */
  expiresAt: number;
  /** Whole days until expiry (negative once expired). */
  daysLeft: number;
}

/** The license's limits against the topology ("6 of 50 nodes"); null without a license. */
export function licenseUsage(state: ClusterState): LicenseUsage | null {
  const license = state.license;
  if (!license) return null;
  let sockets = 0;
  for (const node of state.nodes) sockets += node.hardware.cpu.sockets;
  return {
    licenseId: license.licenseId,
    customer: license.customer,
    nodes: { used: state.nodes.length, max: license.maxNodes },
    sockets: { used: sockets, max: license.maxCpuSockets },
    regions: { used: state.region.regionCount, max: license.maxRegions },
    features: license.features,
    expiresAt: license.expiresAt,
    daysLeft: Math.floor((license.expiresAt * 1000 - state.now) / 86_400_000),
  };
}

// ---------- topology ----------

export interface RoleGroup {
  /** A role name, or null for the nodes that have no role yet. */
  role: string | null;
  nodeIds: string[];
}

/**
 * Nodes grouped by role for the topology picture: catalog roles in catalog order, then custom
 * roles, then unknown ones, then the nodes without a role. A node with two roles is in both groups.
 */
export function topologyGroups(
  nodes: readonly Pick<Node, "id" | "roles">[],
  catalog: RoleCatalog,
  customRoles: readonly CustomRole[] = [],
): RoleGroup[] {
  const order = [...catalog.roles.map((r) => r.name), ...customRoles.map((r) => r.name)];
  const groups = new Map<string, string[]>();
  const none: string[] = [];
  for (const node of nodes) {
    if (node.roles.length === 0) none.push(node.id);
    for (const role of new Set(node.roles)) {
      let list = groups.get(role);
      if (!list) groups.set(role, (list = []));
      list.push(node.id);
    }
  }
  const rank = (role: string) => {
    const i = order.indexOf(role);
    return i === -1 ? order.length : i;
  };
  const out: RoleGroup[] = [...groups]
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([role, nodeIds]) => ({ role, nodeIds }));
  if (none.length > 0) out.push({ role: null, nodeIds: none });
  return out;
}

// ---------- address plan ----------

/** Services whose nodes need a public address (as the public-pool-size rule counts them). */
export const PUBLIC_ADDRESS_SERVICES: readonly string[] = [CONTROL_SERVICE, "neutron-l3"];

/** Which networks a node gets an address on: the node networks, and public for API/router nodes. */
export function wantsAddress(services: ReadonlySet<string>, network: NetworkName): boolean {
  if (NODE_NETWORKS.includes(network)) return true;
  return network === "public" && PUBLIC_ADDRESS_SERVICES.some((s) => services.has(s));
}

export interface AddressPlanRow {
  nodeId: string;
  hostname: string;
  addresses: Partial<Record<NetworkName, string>>;
  /** Networks on which the planned address differs from the one the node holds. */
  changed: NetworkName[];
}

export interface AddressPlanProblem {
  network: NetworkName;
  code: AllocationError["code"];
  /** The network's field to mark, e.g. `networks.management.cidr`. */
  field: string;
  message: Localized;
  hint: Localized;
}

export interface AddressPlanPreview {
  ok: boolean;
  rows: AddressPlanRow[];
  problems: AddressPlanProblem[];
}

/** A rule's texts, for previews that must say what the rule says. */
function ruleTexts(id: string): { message: Localized; hint: Localized } {
  const rule = ruleById(id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule;
}

function allocationProblem(error: AllocationError): AddressPlanProblem {
  const field = `networks.${error.network}.cidr`;
  if (error.code === "invalid-cidr") {
    const params = { network: error.network, cidr: error.cidr, ...error.problem.params };
    return {
      network: error.network,
      code: error.code,
      field,
      message: localize(CIDR_PROBLEM_TEXT[error.problem.code], params),
      hint: localize(ruleTexts("network-cidr-valid").hint, params),
    };
  }
  // Exactly what network-pool-exhausted says when the rule sees the same numbers.
  const rule = ruleTexts("network-pool-exhausted");
  const params = {
    network: error.network,
    cidr: error.cidr,
    needed: error.needed,
    available: error.available,
  };
  return {
    network: error.network,
    code: error.code,
    field,
    message: localize(rule.message, params),
    hint: localize(rule.hint, params),
  };
}

/**
 * The addresses every node would get on every network it needs, keeping the ones it holds (so
 * saving again never renumbers). Addresses are handed out in hostname order (lab-0002 before
 * lab-0010), whatever the node ids are; nothing is handed out of the provisioning DHCP range.
 */
export function addressPlanPreview(
  networks: readonly Network[],
  nodes: readonly Node[],
  options: {
    dhcp?: { start: string; end: string };
    servicesOf: (node: Node) => ReadonlySet<string>;
  },
): AddressPlanPreview {
  // IPAM orders by id; an id that starts with the hostname makes that the hostname order.
  const byProxy = new Map<string, Node>();
  const proxies = nodes.map((node) => {
    const id = `${node.hostname}\u0000${node.id}`;
    byProxy.set(id, node);
    return { ...node, id };
  });
  const original = (proxy: Node) => byProxy.get(proxy.id) as Node;
  const plan = planAddresses(networks, proxies, {
    ...(options.dhcp ? { dhcp: options.dhcp } : {}),
    wants: (proxy, network) => wantsAddress(options.servicesOf(original(proxy)), network.name),
  });
  const rows: AddressPlanRow[] = Object.entries(plan.byNode).map(([proxyId, addresses]) => {
    const node = byProxy.get(proxyId) as Node;
    const changed = (Object.keys(addresses) as NetworkName[]).filter(
      (name) => node.addresses[name] !== addresses[name],
    );
    return { nodeId: node.id, hostname: node.hostname, addresses, changed };
  });
  return { ok: plan.ok, rows, problems: plan.errors.map(allocationProblem) };
}

/**
 * A finding's or problem's field path as the networks form names it: the network by its position
 * in `networks` and indexes as path segments (`networks.management.vips[0].address` →
 * `networks.1.vips.0.address`). Paths outside the networks come back unchanged.
 */
export function networkFieldPath(
  field: string,
  networks: readonly Pick<Network, "name">[],
): string {
  const m = /^networks\.([a-z]+)(.*)$/.exec(field);
  if (!m) return field;
  const index = networks.findIndex((n) => n.name === m[1]);
  const rest = (m[2] ?? "").replace(/\[(\d+)\]/g, ".$1");
  return index === -1 ? field : `networks.${index}${rest}`;
}

/**
 * What the networks step of a new draft starts from: the usual split of a private cloud (documentation
 * ranges), for the operator to edit before saving. Nothing is stored until the operator saves.
 */
export const SUGGESTED_NETWORKS: readonly Network[] = [
  {
    name: "provisioning",
    cidr: "10.20.0.0/24",
    vlan: null,
    gateway: "10.20.0.1",
    mtu: 1500,
    ranges: [],
    vips: [],
  },
  {
    name: "management",
    cidr: "10.0.0.0/24",
    vlan: 101,
    gateway: "10.0.0.1",
    mtu: 1500,
    ranges: [],
    vips: [{ name: "internal", address: "10.0.0.10" }],
  },
  { name: "storage", cidr: "10.1.0.0/24", vlan: 102, mtu: 9000, ranges: [], vips: [] },
  {
    name: "public",
    cidr: "203.0.113.0/24",
    vlan: null,
    gateway: "203.0.113.1",
    mtu: 1500,
    ranges: [{ start: "203.0.113.100", end: "203.0.113.250", purpose: "floating" }],
    vips: [{ name: "public", address: "203.0.113.10" }],
  },
  { name: "tenant", cidr: "10.2.0.0/24", vlan: 103, mtu: 1500, ranges: [], vips: [] },
];

// ---------- disks ----------

export type DiskUse = "os" | "osd" | "unused";

export interface DiskSegment {
  kind: "reserved" | "partition" | "logical-volume" | "osd" | "free";
  name: string;
  sizeBytes: number;
  mountpoint?: string;
}

export interface DiskBar {
  disk: string;
  sizeBytes: number;
  type: Disk["type"];
  removable: boolean;
  use: DiskUse;
  /** Why the disk is used this way (the OS disk's choice, an unused disk's reason). */
  reason?: Localized;
  /** Left to right; the sizes add up to the disk's size. */
  segments: DiskSegment[];
}

export interface DiskPicture {
  nodeId: string;
  hostname: string;
  /** The operator's choice; null lets the planner choose. */
  chosenOsDisk: string | null;
  /** The disk the planner puts the OS on; null when none fits (see problems). */
  osDisk: string | null;
  plan: DiskPlan | null;
  problems: DiskProblem[];
  bars: DiskBar[];
}

function osBar(disk: Disk, plan: DiskPlan): DiskBar {
  const os = plan.os;
  const segments: DiskSegment[] = [];
  const first = os.partitions[0];
  if (first && first.startBytes > 0)
    segments.push({ kind: "reserved", name: "gpt", sizeBytes: first.startBytes });
  let end = first?.startBytes ?? 0;
  for (const p of os.partitions) {
    if (p.purpose === "lvm") {
      let used = 0;
      for (const lv of os.logicalVolumes) {
        used += lv.sizeBytes;
        segments.push({
          kind: "logical-volume",
          name: lv.name,
          sizeBytes: lv.sizeBytes,
          ...(lv.mountpoint ? { mountpoint: lv.mountpoint } : {}),
        });
      }
      if (p.sizeBytes > used)
        segments.push({ kind: "reserved", name: "lvm-metadata", sizeBytes: p.sizeBytes - used });
    } else {
      segments.push({
        kind: "partition",
        name: p.name,
        sizeBytes: p.sizeBytes,
        ...(p.mountpoint ? { mountpoint: p.mountpoint } : {}),
      });
    }
    end = p.startBytes + p.sizeBytes;
  }
  if (disk.sizeBytes > end)
    segments.push({ kind: "reserved", name: "gpt-backup", sizeBytes: disk.sizeBytes - end });
  return {
    disk: disk.name,
    sizeBytes: disk.sizeBytes,
    type: disk.type,
    removable: disk.removable,
    use: "os",
    reason: os.choice.message,
    segments,
  };
}

/** The planned layout of one node's disks as bars, from the disk planner itself. */
export function diskPicture(
  node: Pick<Node, "id" | "hostname" | "osDisk" | "roles" | "hardware">,
  catalog: RoleCatalog,
  customRoles: readonly CustomRole[] = [],
): DiskPicture {
  const services = servicesOfRoles(catalog, node.roles, customRoles);
  const needs = diskNeedsFrom(nodeRequirements(catalog, node.roles, customRoles), services);
  const result: DiskPlanResult = planDisks(node, needs);
  const plan = result.ok ? result.plan : null;
  const bars = node.hardware.disks.map((disk): DiskBar => {
    const base = {
      disk: disk.name,
      sizeBytes: disk.sizeBytes,
      type: disk.type,
      removable: disk.removable,
    };
    if (plan && plan.os.disk === disk.name) return osBar(disk, plan);
    if (plan?.osdDisks.some((d) => d.name === disk.name))
      return {
        ...base,
        use: "osd",
        segments: [{ kind: "osd", name: "ceph-osd", sizeBytes: disk.sizeBytes }],
      };
    const unused = plan?.unused.find((d) => d.name === disk.name);
    return {
      ...base,
      use: "unused",
      ...(unused ? { reason: unused.reason.message } : {}),
      segments: [{ kind: "free", name: "free", sizeBytes: disk.sizeBytes }],
    };
  });
  return {
    nodeId: node.id,
    hostname: node.hostname,
    chosenOsDisk: node.osDisk ?? null,
    osDisk: plan?.os.disk ?? null,
    plan,
    problems: result.ok ? [] : result.problems,
    bars,
  };
}

// ---------- plan preview ----------

export interface PlanCell {
  status: "planned" | "skipped";
  reason?: Localized;
}

export interface PlanRow {
  stepId: string;
  description?: Localized;
  type: PlannedStep["type"];
  planned: number;
  skipped: number;
  /** node id → what happens there; nodes the step does not select are absent. */
  cells: Record<string, PlanCell>;
}

export interface PlanTable {
  nodes: { id: string; hostname: string }[];
  rows: PlanRow[];
}

function replaceAll(text: Localized, from: string, to: string): Localized {
  return { en: text.en.split(from).join(to), "zh-CN": text["zh-CN"].split(from).join(to) };
}

/**
 * Steps × nodes for the review page, in plan order, with skip reasons naming hostnames (the
 * planner names nodes by id). Barriers are bookkeeping and not shown.
 */
export function planTable(plan: Plan, hostnames: Readonly<Record<string, string>>): PlanTable {
  const rows = new Map<string, PlanRow>();
  for (const entry of plan.entries) {
    if (entry.kind !== "step") continue;
    let row = rows.get(entry.stepId);
    if (!row) {
      row = {
        stepId: entry.stepId,
        ...(entry.description ? { description: entry.description } : {}),
        type: entry.type,
        planned: 0,
        skipped: 0,
        cells: {},
      };
      rows.set(entry.stepId, row);
    }
    const hostname = hostnames[entry.nodeId];
    if (entry.status === "planned") row.planned++;
    else row.skipped++;
    row.cells[entry.nodeId] = {
      status: entry.status,
      ...(entry.reason
        ? {
            reason: hostname
              ? replaceAll(entry.reason.message, entry.nodeId, hostname)
              : entry.reason.message,
          }
        : {}),
    };
  }
  const nodes = Object.entries(hostnames)
    .map(([id, hostname]) => ({ id, hostname }))
    .sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  return { nodes, rows: [...rows.values()] };
}

/**
 * What a first deploy brings up (nodes, controllers, compute nodes, schedulable vCPU and RAM, Ceph
 * hosts, OSDs and capacity), each as 0 → its value: the impact engine's figures for taking every
 * node away, read the other way round.
 */
export function deploySummary(state: ClusterState, catalog: RoleCatalog): ImpactEntry[] {
  const ids = state.nodes.filter((n) => n.status !== "removed").map((n) => n.id);
  if (ids.length === 0) return [];
  const reverse = impact(state, { kind: "remove-nodes", nodeIds: ids }, catalog);
  return reverse.entries.map(({ note: _note, ...entry }) => ({
    ...entry,
    before: entry.after,
    after: entry.before,
    risk: "ok" as const,
  }));
}

// ---------- fixes ----------

/** Settings with the value at a dotted path replaced (`overcommit.ram`, `dhcp.end`, `dhcp`). */
export function settingsWithPath(settings: Settings, path: string, value: unknown): Settings {
  const keys = path.split(".");
  const copy = structuredClone(settings) as unknown as Record<string, unknown>;
  let target = copy;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (next === null || typeof next !== "object" || Array.isArray(next))
      throw new Error(`settings path ${path} does not name a setting`);
    target = next as Record<string, unknown>;
  }
  const last = keys.at(-1) as string;
  if (!(last in target)) throw new Error(`settings path ${path} does not name a setting`);
  target[last] = value;
  return copy as unknown as Settings;
}

/** Networks with one field of one network replaced (the `set-network` fix). */
export function networksWithField(
  networks: readonly Network[],
  name: string,
  field: string,
  value: unknown,
): Network[] {
  if (!networks.some((n) => n.name === name))
    throw new Error(`there is no ${name} network to change`);
  return networks.map((n) => (n.name === name ? { ...n, [field]: value } : n));
}

// ---------- fixes ----------

/**
 * The fix actions the wizard's server applies to the draft (`wizard.applyFix`). Others a rule may
 * offer are not wizard changes: `open-task-log` is navigation (the panel opens the task), and
 * `set-hostname` (the agent reports it), `set-region-name` (region names never change) and
 * `enter-maintenance` (a day-2 operation) are shown as the hint alone.
 */
export const WIZARD_FIX_ACTIONS = [
  "set-setting",
  "set-os-disk",
  "set-roles",
  "set-network",
] as const;

export function isWizardFix(action: string): boolean {
  return (WIZARD_FIX_ACTIONS as readonly string[]).includes(action);
}

// ---------- requests ----------

const clusterId = z.uuid();
const nodeIds = z.array(z.uuid()).min(1, { error: "required" }).max(1000);

export const clusterRefRequest = z.object({ clusterId });

/** Nodes to select into (or take out of) the draft. */
export const nodeSelectionRequest = z.object({ clusterId, nodeIds });

export const ROLE_ASSIGN_MODES = ["set", "add", "remove"] as const;

/** Roles for member nodes: `set` replaces their roles, `add` and `remove` change them. */
export const assignRolesRequest = z.object({
  clusterId,
  nodeIds,
  roles: z.array(z.string().min(1).max(100)).max(10),
  mode: z.enum(ROLE_ASSIGN_MODES).default("set"),
});

export const customRolesRequest = z.object({
  clusterId,
  customRoles: z
    .array(
      z.object({
        name: z.string().trim().min(1, { error: "required" }).max(63, { error: "rfc1123-label" }),
        services: z.array(z.string().min(1).max(100)).max(50),
      }),
    )
    .max(50),
});

/** Shape only; what the values mean (CIDRs, ranges, VIPs, room for the nodes) the service judges. */
export const networksRequest = z.object({
  clusterId,
  networks: z.array(networkSchema).max(20),
});

export const osDisksRequest = z.object({
  clusterId,
  assignments: z
    .array(z.object({ nodeId: z.uuid(), disk: z.string().min(1).max(200).nullable() }))
    .min(1, { error: "required" })
    .max(1000),
});

export const settingsRequest = z.object({ clusterId, settings: settingsSchema });

export const confirmStepRequest = z.object({ clusterId, step: z.enum(WIZARD_STEPS) });

/** A finding's fix as the findings panel showed it; the server applies it only if it still offers it. */
export const applyFixRequest = z.object({
  clusterId,
  findingId: z.string().min(1).max(100),
  fix: z.object({
    action: z.string().min(1).max(100),
    params: z.record(z.string(), z.unknown()),
  }),
});

export const planPreviewRequest = z.object({
  clusterId,
  operation: z.enum(OPERATIONS).default("deploy"),
});

export const wizardDeployRequest = z.object({
  clusterId,
  mode: z.enum(["noop", "apply"]).default("apply"),
  idempotencyKey: z.string().min(8).max(200).optional(),
});

export const loadLicenseRequest = z.object({
  /** The compact JWS as received (a file's content or pasted text). */
  token: z.string().trim().min(1, { error: "required" }).max(20_000),
});
