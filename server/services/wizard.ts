import "server-only";
/**
 * The installation wizard's server side. The draft is the cluster row itself (networks, custom
 * roles, confirmed steps, settings) and its member nodes (roles, addresses, OS disk), so a reload,
 * another browser or a colleague continues where it stopped. Every change runs in one transaction
 * that locks the cluster row first (two browsers editing one draft take turns), refuses with
 * bilingual errors naming the field, and answers with the whole wizard state as it is afterwards.
 */
import { insertNodeEvents } from "../../db/queries/nodes";
import {
  activeTask,
  countRegions,
  getDraft,
  isClusterDeployed,
  isRegionDeployed,
  listMembers,
  lockNodes,
  releaseNodes,
  setDraftCustomRoles,
  setDraftNetworks,
  setNodeAddresses,
  setNodeOsDisk,
  setWizardDone,
  type DraftRow,
  type MemberRow,
} from "../../db/queries/wizard";
import { blocking, evaluate } from "../../domain/constraints/engine";
import { allRules, ruleById } from "../../domain/constraints/registry";
import type { Finding, Rule } from "../../domain/constraints/types";
import { CairnError, type FieldError } from "../../domain/errors";
import { localize } from "../../domain/i18n";
import {
  settingsSchema,
  type ClusterState,
  type Network,
  type Node,
  type Settings,
  type WizardStep,
} from "../../domain/model";
import { assertNodeTransition, connectivityOf, displayedNodeStatus } from "../../domain/node";
import { checkCustomRole, servicesOfRoles, type CustomRole } from "../../domain/roles/catalog";
import type { RoleCatalog } from "../../domain/roles/schema";
import { clusterCapacity } from "../../domain/settings/capacity";
import { isDeepStrictEqual } from "../../domain/settings/equal";
import {
  addressPlanPreview,
  deploySummary,
  diskPicture,
  groupBySeverity,
  isWizardFix,
  licenseUsage,
  networkFieldPath,
  networksWithField,
  planTable,
  settingsWithPath,
  topologyGroups,
  withConfirmed,
  wizardView,
  WIZARD_TEXT,
  type AddressPlanPreview,
  type applyFixRequest,
  type assignRolesRequest,
  type nodeSelectionRequest,
  type osDisksRequest,
  type wizardDeployRequest,
} from "../../domain/wizard";
import { clusterSettings, updateClusterSettings } from "./clusters";
import type { ServiceContext } from "./context";
import { currentLicense, licenseClaimsInForce } from "./licenses";
import { assignNodes } from "./nodes";
import { planOperation, type Operation } from "./operation-plan";
import { effectiveBundle } from "./releases";
import { launch } from "./tasks";
import type { z } from "zod";

type Read = Pick<ServiceContext, "db">;

// ---------- the state ----------

export interface LoadedDraft {
  draft: DraftRow;
  members: MemberRow[];
  catalog: RoleCatalog;
  releaseVersion: string;
  settings: Settings;
  /** False while the cluster has no settings of its own (the release defaults apply). */
  settingsOwn: boolean;
  regionDeployed: boolean;
  /** The domain state every rule reads. */
  state: ClusterState;
  /** `evaluate(state, {kind: "validate"})` with the release's catalog. */
  findings: Finding[];
}

function toDomainNode(row: MemberRow): Node {
  return {
    id: row.id,
    hostname: row.hostname,
    status: row.status,
    roles: row.roles,
    tags: row.lab ? ["lab"] : [],
    hardware: row.hardware,
    addresses: row.addresses,
    ...(row.lastHeartbeatAt ? { lastHeartbeatAt: row.lastHeartbeatAt.getTime() } : {}),
    ...(row.osDisk ? { osDisk: row.osDisk } : {}),
    ...(row.clockOffsetMs !== null ? { clockOffsetSeconds: row.clockOffsetMs / 1000 } : {}),
  };
}

/**
 * Reads everything the rules look at — region, cluster, member nodes (roles, OS disk, addresses,
 * hardware, heartbeats), networks, settings (the release defaults while the cluster has none),
 * custom roles, the license in force, the running mutating task — into the domain `ClusterState`,
 * and evaluates the wizard's live check on it with the catalog of the cluster's release.
 */
export async function buildClusterState(
  ctx: Read,
  clusterId: string,
  options: { lock?: boolean } = {},
): Promise<LoadedDraft> {
  const draft = await getDraft(ctx.db, { clusterId, lock: options.lock ?? false });
  if (!draft) throw new CairnError("cluster.not-found", { ref: clusterId });
  const bundle = await effectiveBundle(ctx.db, draft.releaseId);
  const members = await listMembers(ctx.db, { clusterId });
  const regionDeployed = await isRegionDeployed(ctx.db, { regionId: draft.regionId });
  const clusterDeployed = await isClusterDeployed(ctx.db, { clusterId });
  const regionCount = await countRegions(ctx.db);
  const runningTask = await activeTask(ctx.db, { clusterId });
  const license = await licenseClaimsInForce(ctx);
  const { settings, own } = await clusterSettings(ctx, clusterId);
  const state: ClusterState = {
    region: { name: draft.regionName, deployed: regionDeployed, regionCount },
    cluster: {
      id: draft.id,
      name: draft.name,
      kind: draft.kind,
      releaseId: draft.releaseId,
      deployed: clusterDeployed,
      customRoles: draft.customRoles,
    },
    nodes: members.map(toDomainNode),
    networks: draft.networks,
    settings,
    license,
    runningTask,
    cephUsedBytes: 0,
    now: Date.now(),
  };
  const catalog = bundle.catalog;
  return {
    draft,
    members,
    catalog,
    releaseVersion: bundle.manifest.version,
    settings,
    settingsOwn: own,
    regionDeployed,
    state,
    findings: evaluate(state, { kind: "validate" }, { catalog }),
  };
}

function servicesResolver(loaded: Pick<LoadedDraft, "catalog" | "draft">) {
  return (node: Pick<Node, "roles">) =>
    servicesOfRoles(loaded.catalog, node.roles, loaded.draft.customRoles);
}

function viewOf(loaded: LoadedDraft) {
  const deployFindings = evaluate(loaded.state, { kind: "deploy" }, { catalog: loaded.catalog });
  const view = wizardView({
    findings: loaded.findings,
    deployFindings,
    confirmed: loaded.draft.wizardDone,
    memberCount: loaded.members.length,
  });
  return { view, deployFindings };
}

/** Everything the wizard's pages show, in one answer. */
export async function wizardState(ctx: Read, clusterId: string) {
  const loaded = await buildClusterState(ctx, clusterId);
  const { draft, state, catalog } = loaded;
  const { view, deployFindings } = viewOf(loaded);
  const servicesOf = servicesResolver(loaded);
  const now = state.now;
  const members = loaded.members.map((m) => {
    const connectivity =
      m.offlineSince !== null
        ? "offline"
        : connectivityOf(m.lastHeartbeatAt?.getTime() ?? null, now);
    const hw = m.hardware;
    return {
      id: m.id,
      hostname: m.hostname,
      arch: m.arch,
      status: m.status,
      displayedStatus: displayedNodeStatus(m.status, connectivity),
      online: connectivity === "online",
      lab: m.lab,
      roles: m.roles,
      services: [...servicesOf(m)].sort(),
      osDisk: m.osDisk,
      addresses: m.addresses,
      hardware: {
        vendor: hw.vendor ?? null,
        model: hw.model ?? null,
        cpuModel: hw.cpu.model,
        sockets: hw.cpu.sockets,
        cores: m.cores,
        threads: m.threads,
        memoryBytes: m.memoryBytes,
        diskCount: m.diskCount,
        diskBytes: hw.disks.reduce((sum, d) => sum + d.sizeBytes, 0),
        nicCount: hw.nics.length,
        virtualization: hw.cpu.virtualization,
      },
      registeredAt: m.registeredAt,
      lastHeartbeatAt: m.lastHeartbeatAt,
    };
  });
  return {
    region: {
      id: draft.regionId,
      name: draft.regionName,
      displayName: draft.regionDisplayName,
      deployed: loaded.regionDeployed,
    },
    cluster: {
      id: draft.id,
      name: draft.name,
      displayName: draft.displayName,
      kind: draft.kind,
      releaseId: draft.releaseId,
      releaseVersion: loaded.releaseVersion,
      status: draft.status,
      deployed: state.cluster.deployed,
      createdAt: draft.createdAt,
      updatedAt: draft.updatedAt,
    },
    members,
    networks: draft.networks,
    settings: loaded.settings,
    settingsOwn: loaded.settingsOwn,
    customRoles: draft.customRoles,
    license: await currentLicense(ctx),
    licenseUsage: licenseUsage(state),
    findings: loaded.findings,
    findingsBySeverity: groupBySeverity(loaded.findings),
    deployBlocking: blocking(deployFindings),
    steps: view.steps,
    firstFailingStep: view.firstFailingStep,
    resumeStep: view.resumeStep,
    confirmed: draft.wizardDone,
    topology: topologyGroups(state.nodes, catalog, draft.customRoles),
    capacity: clusterCapacity(state.nodes, state.settings, servicesOf),
    runningTask: state.runningTask,
    /** The release's role catalog and the domain state, for live checks in the browser. */
    catalog,
    state,
  };
}

export type WizardState = Awaited<ReturnType<typeof wizardState>>;

/** Per node, the planned disk layout as bars (the disk planner's own plan). */
export async function wizardDisks(ctx: Read, clusterId: string) {
  const loaded = await buildClusterState(ctx, clusterId);
  return loaded.state.nodes.map((node) =>
    diskPicture(node, loaded.catalog, loaded.draft.customRoles),
  );
}

// ---------- networks ----------

/** Rules that judge the networks as entered (not the topology): what makes a save refused. */
const NETWORK_ENTRY_RULES: readonly Rule[] = [
  "network-cidr-valid",
  "networks-no-overlap",
  "vip-in-subnet",
  "network-gateway-in-subnet",
  "network-range-valid",
].map((id) => {
  const rule = ruleById(id);
  if (!rule) throw new Error(`rule ${id} is not registered`);
  return rule;
});

function uniqueFields(fields: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return fields.filter((f) => {
    const key = `${f.path}\u0000${f.message.en}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface NetworkCheck {
  /** Problems that refuse a save, by the form's field paths (`networks.1.cidr`). */
  fields: FieldError[];
  /** The per-node address plan the save would store. */
  plan: AddressPlanPreview;
}

/** Judges networks as the form holds them and plans the node addresses; stores nothing. */
function checkNetworksOf(loaded: LoadedDraft, networks: Network[]): NetworkCheck {
  const candidate: ClusterState = { ...loaded.state, networks };
  const found = blocking(
    evaluate(
      candidate,
      { kind: "validate" },
      { catalog: loaded.catalog, rules: NETWORK_ENTRY_RULES },
    ),
  );
  const fields: FieldError[] = found.flatMap((f) =>
    (f.subjects.fields ?? ["networks"]).map((path) => ({
      path: networkFieldPath(path, networks),
      message: f.message,
    })),
  );
  networks.forEach((network, i) => {
    if (networks.findIndex((n) => n.name === network.name) !== i)
      fields.push({
        path: `networks.${i}.name`,
        message: localize(WIZARD_TEXT.duplicateNetwork, { network: network.name }),
      });
  });
  const plan = addressPlanPreview(networks, loaded.state.nodes, {
    dhcp: loaded.settings.dhcp,
    servicesOf: servicesResolver(loaded),
  });
  // An invalid CIDR is reported by its rule already; the plan adds only what it alone finds.
  for (const problem of plan.problems)
    if (problem.code === "exhausted")
      fields.push({ path: networkFieldPath(problem.field, networks), message: problem.message });
  return { fields: uniqueFields(fields), plan };
}

/** The networks step's inline validation and address plan, before saving. */
export async function checkNetworks(
  ctx: Read,
  input: { clusterId: string; networks: Network[] },
): Promise<NetworkCheck> {
  return checkNetworksOf(await buildClusterState(ctx, input.clusterId), input.networks);
}

/** Stores planned addresses, keeping a node's address on a network whose plan failed. */
async function storeAddresses(
  ctx: ServiceContext,
  loaded: LoadedDraft,
  networks: Network[],
  plan: AddressPlanPreview,
) {
  const failed = new Set(plan.problems.map((p) => p.network));
  const byId = new Map(loaded.members.map((m) => [m.id, m]));
  const changed = plan.rows.flatMap((row) => {
    const member = byId.get(row.nodeId);
    if (!member) return [];
    const addresses = { ...row.addresses };
    for (const network of networks)
      if (failed.has(network.name) && member.addresses[network.name])
        addresses[network.name] = member.addresses[network.name];
    return isDeepStrictEqual(addresses, member.addresses) ? [] : [{ id: row.nodeId, addresses }];
  });
  await setNodeAddresses(ctx.db, {
    clusterId: loaded.draft.id,
    addresses: changed,
    now: new Date(),
  });
}

/** After the members, their roles or the DHCP range changed: addresses for whoever needs one. */
async function replanAddresses(ctx: ServiceContext, clusterId: string) {
  const loaded = await buildClusterState(ctx, clusterId);
  if (loaded.draft.networks.length === 0) return;
  const plan = addressPlanPreview(loaded.draft.networks, loaded.state.nodes, {
    dhcp: loaded.settings.dhcp,
    servicesOf: servicesResolver(loaded),
  });
  await storeAddresses(ctx, loaded, loaded.draft.networks, plan);
}

async function doSaveNetworks(ctx: ServiceContext, loaded: LoadedDraft, networks: Network[]) {
  const check = checkNetworksOf(loaded, networks);
  if (check.fields.length > 0)
    throw new CairnError(
      "wizard.networks-invalid",
      { count: check.fields.length },
      { fields: check.fields },
    );
  await setDraftNetworks(ctx.db, { clusterId: loaded.draft.id, networks, now: new Date() });
  await storeAddresses(ctx, loaded, networks, check.plan);
}

// ---------- changes ----------

/** Runs a change on the locked draft; refused while a mutating task runs on the cluster. */
async function inDraft(
  ctx: ServiceContext,
  clusterId: string,
  change: (tx: ServiceContext, loaded: LoadedDraft) => Promise<void>,
): Promise<WizardState> {
  await ctx.db.transaction(async (db) => {
    const tx = { ...ctx, db };
    const loaded = await buildClusterState(tx, clusterId, { lock: true });
    const task = loaded.state.runningTask;
    if (task) throw new CairnError("task.cluster-busy", { kind: task.kind, taskId: task.id });
    await change(tx, loaded);
  });
  return wizardState(ctx, clusterId);
}

function memberOf(loaded: LoadedDraft, nodeId: string): MemberRow {
  const member = loaded.members.find((m) => m.id === nodeId);
  if (member) return member;
  throw new CairnError("wizard.node-not-member", { hostname: nodeId, cluster: loaded.draft.name });
}

/**
 * Selects discovered nodes of the cluster's region into the cluster (status `assigned`, no roles
 * yet). Nodes already in it are left as they are; a node of another region or cluster is refused
 * by name, and nothing changes.
 */
export async function selectNodes(
  ctx: ServiceContext,
  input: z.output<typeof nodeSelectionRequest>,
) {
  return inDraft(ctx, input.clusterId, async (tx, loaded) => {
    const { draft } = loaded;
    const rows = await lockNodes(tx.db, { ids: input.nodeIds });
    const joining: string[] = [];
    for (const id of input.nodeIds) {
      const node = rows.find((r) => r.id === id);
      if (!node) throw new CairnError("node.not-found", { ref: id });
      if (node.regionId !== draft.regionId)
        throw new CairnError("wizard.node-other-region", {
          hostname: node.hostname,
          nodeRegion: node.regionName,
          region: draft.regionName,
          cluster: draft.name,
        });
      if (node.clusterId === draft.id) continue;
      if (node.clusterId)
        throw new CairnError("wizard.node-other-cluster", {
          hostname: node.hostname,
          other: node.clusterName ?? node.clusterId,
          cluster: draft.name,
        });
      assertNodeTransition(node.hostname, node.status, "assigned");
      if (!joining.includes(id)) joining.push(id);
    }
    if (joining.length === 0) return;
    await assignNodes(tx, { clusterId: draft.id, nodeIds: joining, roles: [] });
    await replanAddresses(tx, draft.id);
  });
}

/**
 * Takes nodes back out of the draft: they return to `discovered` with no roles, addresses or OS
 * disk choice. Only moves the node lifecycle allows are made (a provisioned node needs a removal
 * task instead).
 */
export async function deselectNodes(
  ctx: ServiceContext,
  input: z.output<typeof nodeSelectionRequest>,
) {
  return inDraft(ctx, input.clusterId, async (tx, loaded) => {
    const rows = await lockNodes(tx.db, { ids: input.nodeIds });
    const now = new Date();
    const leaving = input.nodeIds.map((id) => {
      const node = rows.find((r) => r.id === id);
      if (!node) throw new CairnError("node.not-found", { ref: id });
      if (node.clusterId !== loaded.draft.id)
        throw new CairnError("wizard.node-not-member", {
          hostname: node.hostname,
          cluster: loaded.draft.name,
        });
      assertNodeTransition(node.hostname, node.status, "discovered");
      return node;
    });
    await releaseNodes(tx.db, { clusterId: loaded.draft.id, ids: input.nodeIds, now });
    await insertNodeEvents(
      tx.db,
      leaving.map((n) => ({
        nodeId: n.id,
        type: "status",
        fromStatus: n.status,
        toStatus: "discovered",
        actor: tx.user.email,
        data: { clusterId: loaded.draft.id, left: true },
        at: now,
      })),
    );
    await replanAddresses(tx, loaded.draft.id);
  });
}

async function doAssignRoles(
  tx: ServiceContext,
  loaded: LoadedDraft,
  input: Omit<z.output<typeof assignRolesRequest>, "clusterId">,
) {
  const { draft, catalog } = loaded;
  const known = [...catalog.roles.map((r) => r.name), ...draft.customRoles.map((r) => r.name)];
  input.roles.forEach((role, i) => {
    if (!known.includes(role))
      throw new CairnError(
        "wizard.unknown-role",
        { role, releaseId: draft.releaseId, known: known.join(", ") },
        {
          fields: [
            {
              path: `roles.${i}`,
              message: localize(WIZARD_TEXT.roleNotInCluster, { role }),
            },
          ],
        },
      );
  });
  // Nodes that end with the same roles are assigned together (node.assign sets one role list).
  const groups = new Map<string, { roles: string[]; nodeIds: string[] }>();
  for (const id of new Set(input.nodeIds)) {
    const member = memberOf(loaded, id);
    const roles =
      input.mode === "set"
        ? [...new Set(input.roles)]
        : input.mode === "add"
          ? [...new Set([...member.roles, ...input.roles])]
          : member.roles.filter((r) => !input.roles.includes(r));
    const key = roles.join("\u0000");
    const group = groups.get(key) ?? { roles, nodeIds: [] };
    group.nodeIds.push(id);
    groups.set(key, group);
  }
  for (const group of groups.values())
    await assignNodes(tx, { clusterId: draft.id, nodeIds: group.nodeIds, roles: group.roles });
  // Public addresses follow roles (API and router nodes need one).
  await replanAddresses(tx, draft.id);
}

/**
 * Sets, adds or removes roles on member nodes in one go (the roles table's bulk action and the
 * role chips). Roles are the release's or the cluster's custom roles.
 */
export async function assignRoles(ctx: ServiceContext, input: z.output<typeof assignRolesRequest>) {
  return inDraft(ctx, input.clusterId, (tx, loaded) => doAssignRoles(tx, loaded, input));
}

/**
 * Replaces the cluster's custom roles. Each is checked against the release's catalog (a valid
 * name not taken by a catalog role, at least one service, services that exist and do not
 * conflict); a role still on a node cannot be removed.
 */
export async function saveCustomRoles(
  ctx: ServiceContext,
  input: { clusterId: string; customRoles: CustomRole[] },
) {
  return inDraft(ctx, input.clusterId, async (tx, loaded) => {
    const { catalog, draft } = loaded;
    const rule = ruleById("custom-role-valid");
    const fields: FieldError[] = [];
    input.customRoles.forEach((role, i) => {
      for (const problem of checkCustomRole(catalog, role, input.customRoles)) {
        const text = rule?.variants?.[problem.kind] ?? rule;
        if (!text) continue;
        const params = {
          role: role.name,
          releaseId: draft.releaseId,
          ...(problem.kind === "unknown-service" ? { service: problem.service } : {}),
          ...(problem.kind === "conflict" ? { a: problem.a, b: problem.b } : {}),
        };
        const path =
          problem.kind === "unknown-service"
            ? `customRoles.${i}.services.${role.services.indexOf(problem.service)}`
            : problem.kind === "conflict" || problem.kind === "empty"
              ? `customRoles.${i}.services`
              : `customRoles.${i}.name`;
        fields.push({ path, message: localize(text.message, params) });
      }
    });
    if (fields.length > 0)
      throw new CairnError(
        "wizard.custom-roles-invalid",
        { count: fields.length },
        { fields: uniqueFields(fields) },
      );
    const kept = new Set(input.customRoles.map((r) => r.name));
    for (const old of draft.customRoles) {
      if (kept.has(old.name)) continue;
      const users = loaded.members.filter((m) => m.roles.includes(old.name));
      if (users.length > 0)
        throw new CairnError("wizard.custom-role-in-use", {
          role: old.name,
          count: users.length,
          hosts: users
            .slice(0, 5)
            .map((u) => u.hostname)
            .join(", "),
        });
    }
    await setDraftCustomRoles(tx.db, {
      clusterId: draft.id,
      customRoles: input.customRoles,
      now: new Date(),
    });
    // A custom role's services may bring a public address with them.
    await replanAddresses(tx, draft.id);
  });
}

/**
 * Saves the networks and, in the same transaction, the addresses every member gets on them
 * (kept where still valid, so saving again never renumbers). Networks that are not valid as
 * entered, or too small for the nodes, are refused with the field of each problem; nothing changes.
 */
export async function saveNetworks(
  ctx: ServiceContext,
  input: { clusterId: string; networks: Network[] },
) {
  return inDraft(ctx, input.clusterId, (tx, loaded) => doSaveNetworks(tx, loaded, input.networks));
}

async function doSetOsDisks(
  tx: ServiceContext,
  loaded: LoadedDraft,
  assignments: z.output<typeof osDisksRequest>["assignments"],
) {
  const now = new Date();
  for (const [i, a] of assignments.entries()) {
    const member = memberOf(loaded, a.nodeId);
    const disks = member.hardware.disks.map((d) => d.name);
    if (a.disk !== null && !disks.includes(a.disk))
      throw new CairnError(
        "wizard.disk-unknown",
        { hostname: member.hostname, disk: a.disk, disks: disks.join(", ") },
        {
          fields: [
            {
              path: `assignments.${i}.disk`,
              message: localize(WIZARD_TEXT.chooseDisk, { disks: disks.join(", ") }),
            },
          ],
        },
      );
    await setNodeOsDisk(tx.db, {
      clusterId: loaded.draft.id,
      nodeId: a.nodeId,
      osDisk: a.disk,
      now,
    });
  }
}

/** Chooses the OS disk of member nodes (null lets the disk planner choose). */
export async function setOsDisks(ctx: ServiceContext, input: z.output<typeof osDisksRequest>) {
  return inDraft(ctx, input.clusterId, (tx, loaded) => doSetOsDisks(tx, loaded, input.assignments));
}

const SETTINGS_RANGE_RULES: readonly Rule[] = allRules.filter((r) => r.category === "overcommit");

async function doSaveSettings(tx: ServiceContext, loaded: LoadedDraft, settings: Settings) {
  // Values outside the allowed ranges cannot be saved; every other finding is shown, not refused.
  const candidate: ClusterState = { ...loaded.state, settings };
  const found = blocking(
    evaluate(
      candidate,
      { kind: "validate" },
      { catalog: loaded.catalog, rules: SETTINGS_RANGE_RULES },
    ),
  );
  if (found.length > 0)
    throw new CairnError(
      "wizard.settings-out-of-range",
      { count: found.length },
      {
        fields: uniqueFields(
          found.flatMap((f) =>
            (f.subjects.fields ?? ["settings"]).map((path) => ({ path, message: f.message })),
          ),
        ),
      },
    );
  await updateClusterSettings(tx, { id: loaded.draft.id, settings });
  // The provisioning DHCP range is kept free of node addresses.
  await replanAddresses(tx, loaded.draft.id);
}

/** Saves the cluster's settings (the same write as `cluster.updateSettings`), range-checked. */
export async function saveSettings(
  ctx: ServiceContext,
  input: { clusterId: string; settings: Settings },
) {
  return inDraft(ctx, input.clusterId, (tx, loaded) => doSaveSettings(tx, loaded, input.settings));
}

/**
 * Marks a step as done (the operator pressed Next). Refused, with the reason, while the step owns
 * a blocking finding (or, for discover, while no node is selected; for review, while the deploy
 * is blocked or an earlier step is not done).
 */
export async function confirmStep(
  ctx: ServiceContext,
  input: { clusterId: string; step: WizardStep },
) {
  return inDraft(ctx, input.clusterId, async (tx, loaded) => {
    const { view } = viewOf(loaded);
    const verdict = view.steps.find((s) => s.step === input.step)?.next;
    if (verdict && !verdict.allowed) throw stepBlocked(verdict);
    await setWizardDone(tx.db, {
      clusterId: loaded.draft.id,
      steps: withConfirmed(loaded.draft.wizardDone, input.step),
      now: new Date(),
    });
  });
}

function findingFields(findings: readonly Finding[]): FieldError[] {
  return findings.map((f) => ({
    path: f.subjects.fields?.[0] ?? `findings.${f.id}`,
    message: f.message,
  }));
}

function stepBlocked(verdict: ReturnType<typeof wizardView>["steps"][number]["next"]) {
  const fields =
    verdict.blocking.length > 0
      ? findingFields(verdict.blocking)
      : verdict.reason
        ? [{ path: "step", message: verdict.reason }]
        : [];
  return new CairnError(
    "wizard.step-blocked",
    { count: Math.max(1, verdict.blocking.length) },
    { fields, details: { findings: verdict.blocking.map((f) => f.id) } },
  );
}

/**
 * Applies the fix a finding offers, exactly as the server computes it now: the request names the
 * finding and the fix it saw, and a fix the current findings no longer offer is refused as stale.
 * Fixes that change settings, networks, roles or OS disks go through the same checks as the forms.
 */
export async function applyFix(ctx: ServiceContext, input: z.output<typeof applyFixRequest>) {
  return inDraft(ctx, input.clusterId, async (tx, loaded) => {
    const finding = loaded.findings.find(
      (f) =>
        f.id === input.findingId &&
        f.fix !== undefined &&
        isDeepStrictEqual(
          { action: f.fix.action, params: f.fix.params },
          { action: input.fix.action, params: input.fix.params },
        ),
    );
    if (!finding?.fix) throw new CairnError("wizard.fix-stale", { finding: input.findingId });
    const { action, params } = finding.fix;
    if (!isWizardFix(action))
      throw new CairnError("wizard.fix-unsupported", { action, finding: finding.id });
    switch (action) {
      case "set-setting": {
        const next = settingsWithPath(loaded.settings, String(params.path), params.value);
        return doSaveSettings(tx, loaded, settingsSchema.parse(next));
      }
      case "set-os-disk":
        return doSetOsDisks(tx, loaded, [
          { nodeId: String(params.nodeId), disk: String(params.disk) },
        ]);
      case "set-roles":
        return doAssignRoles(tx, loaded, {
          nodeIds: [String(params.nodeId)],
          roles: (params.roles as string[]) ?? [],
          mode: "set",
        });
      case "set-network":
        return doSaveNetworks(
          tx,
          loaded,
          networksWithField(
            loaded.draft.networks,
            String(params.network),
            String(params.field),
            params.value,
          ),
        );
      default:
        // isWizardFix lists exactly the cases above.
        throw new CairnError("wizard.fix-unsupported", { action, finding: finding.id });
    }
  });
}

// ---------- review and deploy ----------

/**
 * What an operation would do on the draft, per step and node, exactly as `task.launch` would plan
 * it (the same function builds both), with skipped steps and why; for `deploy` also what the
 * deployment brings up and every finding that would stop it.
 */
export async function planPreview(ctx: Read, input: { clusterId: string; operation: Operation }) {
  const { plan, members, intentKind, changedSettings } = await planOperation(ctx, input);
  const hostnames = Object.fromEntries(members.map((m) => [m.id, m.hostname]));
  const loaded = await buildClusterState(ctx, input.clusterId);
  const deploy = input.operation === "deploy";
  const findings = deploy
    ? evaluate(loaded.state, { kind: "deploy" }, { catalog: loaded.catalog })
    : loaded.findings;
  return {
    operation: input.operation,
    intentKind,
    changedSettings,
    counts: plan.counts,
    groups: plan.groups,
    table: planTable(plan, hostnames),
    plan,
    summary: deploy ? deploySummary(loaded.state, loaded.catalog) : [],
    findings,
    blocked: blocking(findings).length > 0,
  };
}

/**
 * Launches the deployment from the review step. `apply` is refused while any finding blocks the
 * deploy or a step is not done (the same verdict as the review step's Deploy button); `noop` shows
 * what would change and is always allowed. Returns the task to follow.
 */
export async function deploy(ctx: ServiceContext, input: z.output<typeof wizardDeployRequest>) {
  if (input.mode === "apply") {
    const loaded = await buildClusterState(ctx, input.clusterId);
    const { view } = viewOf(loaded);
    const verdict = view.steps.find((s) => s.step === "review")?.next;
    if (verdict && !verdict.allowed)
      throw new CairnError(
        "wizard.deploy-blocked",
        { cluster: loaded.draft.name, count: Math.max(1, verdict.blocking.length) },
        {
          fields:
            verdict.blocking.length > 0
              ? findingFields(verdict.blocking)
              : verdict.reason
                ? [{ path: "step", message: verdict.reason }]
                : [],
          details: { findings: verdict.blocking.map((f) => f.id) },
        },
      );
  }
  return launch(ctx, {
    clusterId: input.clusterId,
    operation: "deploy",
    mode: input.mode,
    ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
  });
}
