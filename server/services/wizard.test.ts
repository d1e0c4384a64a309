/**
 * The wizard's server side on a real database: the draft survives a reload, rules speak through
 * the steps, refusals change nothing, the license is replaced only by a valid one, and the plan
 * preview is what `task.launch` plans.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { upsertNode } from "../../db/queries/nodes";
import { clusters, nodes, steps } from "../../db/schema";
import type { CairnErrorShape } from "../../domain/errors";
import { defaultNetworks } from "../../domain/constraints/testing";
import { labNode } from "../../domain/lab/inventory";
import { issueLicense } from "../../domain/license/license";
import { TRUSTED_LICENSE_KEYS } from "../../domain/license/trusted-keys";
import type { Network } from "../../domain/model";
import { testDatabases } from "../../test/databases";
import type { SessionUser } from "../auth";
import { toCairnError, type Context } from "../trpc/init";
import { createCaller } from "../trpc/root";

const operator: SessionUser = { id: "u-op", email: "op@example.com", name: "O", role: "operator" };
const viewer: SessionUser = { id: "u-v", email: "v@example.com", name: "V", role: "viewer" };

const DEV_KEY = JSON.parse(
  readFileSync(path.join(import.meta.dirname, "../../e2e/fixtures/dev-issuer.private.jwk"), "utf8"),
);
const DEV_KID = TRUSTED_LICENSE_KEYS.find((k) => k.label === "dev")!.kid;
const DAY = 86_400;

async function refusal(promise: Promise<unknown>): Promise<CairnErrorShape> {
  try {
    await promise;
  } catch (e) {
    return toCairnError(e).toShape();
  }
  throw new Error("expected a refusal");
}

function license(
  overrides: { maxNodes?: number; expiresInDays?: number; issuedDaysAgo?: number } = {},
) {
  const now = Math.floor(Date.now() / 1000);
  const issued = now - (overrides.issuedDaysAgo ?? 1) * DAY;
  return issueLicense(
    {
      customer: "ACME",
      licenseId: `LIC-${overrides.maxNodes ?? 50}-${overrides.expiresInDays ?? 365}`,
      issuedAt: issued,
      notBefore: issued,
      expiresAt: now + (overrides.expiresInDays ?? 365) * DAY,
      maxNodes: overrides.maxNodes ?? 50,
      maxCpuSockets: 100,
      maxRegions: 10,
      features: ["hci", "aarch64"],
    },
    DEV_KEY,
    DEV_KID,
  );
}

const NETWORKS: Network[] = defaultNetworks().filter((n) =>
  ["provisioning", "management", "storage", "tenant"].includes(n.name),
);

describe.each(testDatabases())("the wizard on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  const as = (user: SessionUser) =>
    createCaller({
      headers: new Headers(),
      user,
      openDb: async () => database.db,
    } satisfies Context);
  let regionIndex = 10;

  /** A region with `count` discovered lab nodes (real server profiles) and a draft cluster. */
  async function setup(name: string, count: number) {
    const index = regionIndex++;
    const region = await as(operator).region.create({ name, displayName: name });
    const cluster = await as(operator).cluster.create({
      regionId: region.id,
      name: "prod",
      displayName: "Prod",
      kind: "hyperconverged",
      releaseId: "cairn-2026.1",
    });
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const lab = labNode(i, { profile: "large", regionIndex: index });
      const { node } = await upsertNode(database.db, {
        regionId: region.id,
        machineId: `m-${index}-${i}`,
        hostname: lab.hostname,
        arch: lab.hardware.cpu.arch,
        lab: true,
        hardware: lab.hardware,
        agentVersion: "test",
        credentialHash: `cred-${index}-${i}`,
        now: new Date(),
      });
      ids.push(node.id);
    }
    return { region, cluster, clusterId: cluster.id, ids };
  }

  beforeAll(async () => {
    database = await target.open();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("keeps the draft on the server: a reload (another caller) sees the same state", async () => {
    const { clusterId, ids } = await setup("dc-reload", 3);
    const op = as(operator);
    await op.wizard.selectNodes({ clusterId, nodeIds: ids });
    await op.wizard.assignRoles({ clusterId, nodeIds: ids, roles: ["controller-hci"] });
    await op.wizard.saveNetworks({ clusterId, networks: NETWORKS });
    await op.wizard.setOsDisks({ clusterId, assignments: [{ nodeId: ids[0]!, disk: "sda" }] });
    await op.wizard.saveCustomRoles({
      clusterId,
      customRoles: [{ name: "mq-only", services: ["rabbitmq"] }],
    });
    await op.wizard.confirmStep({ clusterId, step: "region" });
    await op.wizard.confirmStep({ clusterId, step: "discover" });

    const state = await as(viewer).wizard.state({ clusterId });
    expect(state.members.map((m) => [m.hostname, m.status, m.roles])).toEqual([
      ["lab-r10-0001", "assigned", ["controller-hci"]],
      ["lab-r10-0002", "assigned", ["controller-hci"]],
      ["lab-r10-0003", "assigned", ["controller-hci"]],
    ]);
    expect(state.networks.map((n) => n.name)).toEqual([
      "provisioning",
      "management",
      "storage",
      "tenant",
    ]);
    // Addresses were planned and stored with the networks, in hostname order.
    expect(state.members.map((m) => m.addresses.management)).toEqual([
      "10.0.0.2",
      "10.0.0.3",
      "10.0.0.4",
    ]);
    // Nothing from the DHCP range of the release defaults (10.20.0.128–254) is handed out.
    expect(state.members.map((m) => m.addresses.provisioning)).toEqual([
      "10.20.0.2",
      "10.20.0.3",
      "10.20.0.4",
    ]);
    expect(state.members[0]!.osDisk).toBe("sda");
    expect(state.customRoles).toEqual([{ name: "mq-only", services: ["rabbitmq"] }]);
    expect(state.confirmed).toEqual(["region", "discover"]);
    expect(state.steps.find((s) => s.step === "region")!.status).toBe("complete");
    expect(state.topology).toEqual([{ role: "controller-hci", nodeIds: ids }]);
    expect(state.settingsOwn).toBe(false);
    expect(state.state.nodes).toHaveLength(3);

    // Saving the same networks again renumbers nobody.
    const again = await op.wizard.saveNetworks({ clusterId, networks: NETWORKS });
    expect(again.members.map((m) => m.addresses)).toEqual(state.members.map((m) => m.addresses));
  });

  it("says 2 controllers block the roles step in both languages, refuses Next with the reason, and a third clears it", async () => {
    const { clusterId, ids } = await setup("dc-quorum", 3);
    const op = as(operator);
    await op.wizard.selectNodes({ clusterId, nodeIds: ids });
    await op.wizard.assignRoles({ clusterId, nodeIds: ids.slice(0, 2), roles: ["controller-hci"] });
    const two = await op.wizard.assignRoles({ clusterId, nodeIds: [ids[2]!], roles: ["hci"] });

    const odd = two.findings.find((f) => f.id === "controllers-odd")!;
    expect(odd.severity).toBe("block");
    expect(odd.steps).toContain("roles");
    expect(odd.message.en).toContain("2 controllers cannot lose either one");
    expect(odd.message["zh-CN"]).toContain("2 个控制节点无法容忍任何一个故障");
    expect(odd.subjects.nodes?.sort()).toEqual(ids.slice(0, 2).sort());
    expect(two.findingsBySeverity.block).toContainEqual(odd);
    const roles = two.steps.find((s) => s.step === "roles")!;
    expect(roles.status).toBe("blocking");
    expect(roles.next.allowed).toBe(false);
    expect(roles.next.reason?.en).toContain("2 controllers cannot lose either one");
    expect(roles.next.reason?.["zh-CN"]).toContain("仲裁需要 2 个中的 2 个");
    expect(two.firstFailingStep).toBe("roles");

    const refused = await refusal(op.wizard.confirmStep({ clusterId, step: "roles" }));
    expect(refused.code).toBe("wizard.step-blocked");
    expect(refused.fields?.map((f) => f.message.en).join(" ")).toContain(
      "2 controllers cannot lose either one",
    );
    expect(refused.fields?.map((f) => f.message["zh-CN"]).join(" ")).toContain("2 个控制节点");
    expect((await op.wizard.state({ clusterId })).confirmed).not.toContain("roles");

    const three = await op.wizard.assignRoles({
      clusterId,
      nodeIds: [ids[2]!],
      roles: ["controller-hci"],
    });
    expect(three.findings.find((f) => f.id === "controllers-odd")).toBeUndefined();
    expect(three.steps.find((s) => s.step === "roles")!.next.allowed).toBe(true);
    const confirmed = await op.wizard.confirmStep({ clusterId, step: "roles" });
    expect(confirmed.confirmed).toContain("roles");
  });

  it("refuses invalid networks field by field and changes nothing", async () => {
    const { clusterId, ids } = await setup("dc-nets", 3);
    const op = as(operator);
    await op.wizard.selectNodes({ clusterId, nodeIds: ids });
    const saved = await op.wizard.saveNetworks({ clusterId, networks: NETWORKS });

    const broken = NETWORKS.map((n) =>
      n.name === "management"
        ? { ...n, cidr: "10.0.0.0/33" }
        : n.name === "storage"
          ? { ...n, gateway: "192.168.1.1" }
          : n,
    );
    const err = await refusal(op.wizard.saveNetworks({ clusterId, networks: broken }));
    expect(err.code).toBe("wizard.networks-invalid");
    expect(err.fields?.map((f) => f.path).sort()).toEqual([
      "networks.1.cidr",
      "networks.2.gateway",
    ]);
    const gateway = err.fields!.find((f) => f.path === "networks.2.gateway")!;
    expect(gateway.message.en).toContain("192.168.1.1 is not a usable address of 10.1.0.0/24");
    expect(gateway.message["zh-CN"]).toContain("网关 192.168.1.1");

    const tooSmall = NETWORKS.map((n) => (n.name === "tenant" ? { ...n, cidr: "10.2.0.0/31" } : n));
    const small = await refusal(op.wizard.saveNetworks({ clusterId, networks: tooSmall }));
    expect(small.code).toBe("wizard.networks-invalid");
    expect(small.fields?.[0]).toMatchObject({ path: "networks.3.cidr" });
    // lab-r12-0001 keeps 10.2.0.1, which the /31 still holds; the other two need one.
    expect(small.fields?.[0]!.message.en).toContain(
      "2 node(s) still need an address and only 1 are free",
    );

    const after = await op.wizard.state({ clusterId });
    expect(after.networks).toEqual(saved.networks);
    expect(after.members.map((m) => m.addresses)).toEqual(saved.members.map((m) => m.addresses));

    // The same check, without saving, for the form's inline validation.
    const check = await op.wizard.checkNetworks({ clusterId, networks: broken });
    expect(check.fields.map((f) => f.path).sort()).toEqual([
      "networks.1.cidr",
      "networks.2.gateway",
    ]);
  });

  it("replaces the license only with a valid one and names the check that failed", async () => {
    const { clusterId, ids } = await setup("dc-license", 3);
    const op = as(operator);
    await op.wizard.selectNodes({ clusterId, nodeIds: ids });
    expect(await op.license.current()).toBeNull();

    const good = await op.license.load({ token: await license({ maxNodes: 50 }) });
    expect(good.valid).toBe(true);
    expect(good.claims.maxNodes).toBe(50);
    expect(good.issuer).toMatchObject({ issuer: "cairn-dev", label: "dev" });
    const usage = (await op.wizard.state({ clusterId })).licenseUsage;
    expect(usage?.nodes).toEqual({ used: 3, max: 50 });

    const token = await license({ maxNodes: 5000 });
    const [header, payload, signature] = token.split(".");
    const forged = `${header}.${payload}.${signature!.slice(0, -4)}AAAA`;
    const bad = await refusal(op.license.load({ token: forged }));
    expect(bad.code).toBe("wizard.license-invalid");
    expect(bad.params.check).toBe("bad-signature");
    expect(bad.fields?.[0]!.path).toBe("token");
    expect(bad.fields?.[0]!.message.en).toContain("signature does not match its content");
    expect(bad.fields?.[0]!.message["zh-CN"]).toContain("许可证签名与内容不符");

    const expired = await refusal(
      op.license.load({ token: await license({ expiresInDays: -2, issuedDaysAgo: 30 }) }),
    );
    expect(expired.params.check).toBe("expired");
    expect(expired.fields?.[0]!.message.en).toMatch(/expired on .* \(2 day\(s\) ago\)/);

    const current = await op.license.current();
    expect(current?.id).toBe(good.id);
    expect(current?.claims.maxNodes).toBe(50);
  });

  it("previews exactly the plan task.launch stores", async () => {
    const { clusterId, ids } = await setup("dc-plan", 3);
    const op = as(operator);
    await op.wizard.selectNodes({ clusterId, nodeIds: ids });
    await op.wizard.assignRoles({ clusterId, nodeIds: ids, roles: ["controller-hci"] });

    const preview = await op.wizard.planPreview({ clusterId, operation: "deploy" });
    expect(preview.counts.planned).toBeGreaterThan(0);
    expect(preview.table.nodes.map((n) => n.hostname)).toEqual([
      "lab-r14-0001",
      "lab-r14-0002",
      "lab-r14-0003",
    ]);
    expect(preview.summary.find((e) => e.metric === "controllers")).toMatchObject({
      before: 0,
      after: 3,
    });

    const { taskId } = await op.task.launch({ clusterId, operation: "deploy", mode: "plan" });
    const stored = await database.db
      .select({ key: steps.key, status: steps.status, dependsOn: steps.dependsOn })
      .from(steps)
      .where(eq(steps.taskId, taskId))
      .orderBy(steps.ordinal);
    expect(stored.map((s) => s.key)).toEqual(preview.plan.entries.map((e) => e.id));
    expect(stored.map((s) => s.dependsOn)).toEqual(preview.plan.entries.map((e) => e.dependsOn));
    const skipped = preview.plan.entries
      .filter((e) => e.kind === "step" && e.status === "skipped")
      .map((e) => e.id);
    expect(stored.filter((s) => s.status === "skipped").map((s) => s.key)).toEqual(skipped);

    // Deploying from the wizard is refused while steps are open or findings block; noop is not.
    const blocked = await refusal(op.wizard.deploy({ clusterId, mode: "apply" }));
    expect(blocked.code).toBe("wizard.deploy-blocked");
    expect(blocked.fields?.map((f) => f.message.en).join(" ")).toContain(
      "No management network is defined",
    );
    const noop = await op.wizard.deploy({ clusterId, mode: "noop" });
    expect(noop.created).toBe(true);
    const busy = await refusal(op.wizard.assignRoles({ clusterId, nodeIds: ids, roles: ["hci"] }));
    expect(busy.code).toBe("task.cluster-busy");
    await op.task.cancel({ id: noop.taskId });

    // Provision plans too, with nodes that are new to the cluster.
    const provision = await op.wizard.planPreview({ clusterId, operation: "provision" });
    expect(provision.intentKind).toBe("add-nodes");
  });

  it("refuses nodes of another region or cluster by name, and changes nothing", async () => {
    const a = await setup("dc-east", 2);
    const b = await setup("dc-west", 2);
    const op = as(operator);
    const err = await refusal(
      op.wizard.selectNodes({ clusterId: a.clusterId, nodeIds: [a.ids[0]!, b.ids[0]!] }),
    );
    expect(err.code).toBe("wizard.node-other-region");
    expect(err.message.en).toBe(
      "Node lab-r16-0001 is in region dc-west; cluster prod is in region dc-east.",
    );
    expect(err.message["zh-CN"]).toBe(
      "节点 lab-r16-0001 位于区域 dc-west；集群 prod 位于区域 dc-east。",
    );
    const untouched = await database.db
      .select({ clusterId: nodes.clusterId, status: nodes.status })
      .from(nodes)
      .where(eq(nodes.id, a.ids[0]!));
    expect(untouched).toEqual([{ clusterId: null, status: "discovered" }]);

    // A second draft in the same region cannot take a node the first one selected.
    const other = await op.cluster.create({
      regionId: a.region.id,
      name: "dev",
      displayName: "Dev",
      kind: "split",
      releaseId: "cairn-2026.1",
    });
    await op.wizard.selectNodes({ clusterId: a.clusterId, nodeIds: [a.ids[0]!] });
    const taken = await refusal(
      op.wizard.selectNodes({ clusterId: other.id, nodeIds: [a.ids[0]!] }),
    );
    expect(taken.code).toBe("wizard.node-other-cluster");
    expect(taken.message.en).toContain("lab-r15-0001 already belongs to cluster prod");

    // Taking it back out returns it to discovered with nothing of the cluster left on it.
    await op.wizard.assignRoles({ clusterId: a.clusterId, nodeIds: [a.ids[0]!], roles: ["hci"] });
    const out = await op.wizard.deselectNodes({ clusterId: a.clusterId, nodeIds: [a.ids[0]!] });
    expect(out.members).toEqual([]);
    const [released] = await database.db
      .select({ status: nodes.status, roles: nodes.roles, clusterId: nodes.clusterId })
      .from(nodes)
      .where(eq(nodes.id, a.ids[0]!));
    expect(released).toEqual({ status: "discovered", roles: [], clusterId: null });
  });

  it("checks settings ranges, custom roles and fixes, and lets only operators change the draft", async () => {
    const { clusterId, ids } = await setup("dc-misc", 3);
    const op = as(operator);
    const state = await op.wizard.selectNodes({ clusterId, nodeIds: ids });

    const out = await refusal(
      op.wizard.saveSettings({
        clusterId,
        settings: { ...state.settings, overcommit: { ...state.settings.overcommit, cpu: 40 } },
      }),
    );
    expect(out.code).toBe("wizard.settings-out-of-range");
    expect(out.fields).toEqual([expect.objectContaining({ path: "settings.overcommit.cpu" })]);
    expect((await op.wizard.state({ clusterId })).settingsOwn).toBe(false);

    const roles = await refusal(
      op.wizard.saveCustomRoles({
        clusterId,
        customRoles: [{ name: "controller", services: ["no-such-service"] }],
      }),
    );
    expect(roles.code).toBe("wizard.custom-roles-invalid");
    expect(roles.fields?.map((f) => f.path).sort()).toEqual([
      "customRoles.0.name",
      "customRoles.0.services.0",
    ]);

    // A fix the rules offer is applied through the same checks; a stale one is refused.
    const ram = await op.wizard.saveSettings({
      clusterId,
      settings: { ...state.settings, overcommit: { ...state.settings.overcommit, ram: 1.5 } },
    });
    expect(ram.settingsOwn).toBe(true);
    await op.wizard.assignRoles({ clusterId, nodeIds: ids, roles: ["hci"] });
    const withHci = await op.wizard.state({ clusterId });
    const hci = withHci.findings.find((f) => f.id === "hci-no-ram-overcommit")!;
    expect(hci.fix?.action).toBe("set-setting");
    const fixed = await op.wizard.applyFix({
      clusterId,
      findingId: hci.id,
      fix: { action: hci.fix!.action, params: hci.fix!.params },
    });
    expect(fixed.settings.overcommit.ram).toBe(1);
    expect(fixed.findings.find((f) => f.id === "hci-no-ram-overcommit")).toBeUndefined();
    const stale = await refusal(
      op.wizard.applyFix({
        clusterId,
        findingId: hci.id,
        fix: { action: hci.fix!.action, params: hci.fix!.params },
      }),
    );
    expect(stale.code).toBe("wizard.fix-stale");

    const forbidden = await refusal(as(viewer).wizard.selectNodes({ clusterId, nodeIds: ids }));
    expect(forbidden.code).toBe("auth.forbidden");
    const [row] = await database.db
      .select({ wizardDone: clusters.wizardDone })
      .from(clusters)
      .where(and(eq(clusters.id, clusterId)));
    expect(row?.wizardDone).toEqual([]);
  });
  it("assigns custom roles like the release's own, and keeps a role that is in use", async () => {
    const { clusterId, ids } = await setup("dc-custom", 1);
    const op = as(operator);
    await op.wizard.selectNodes({ clusterId, nodeIds: ids });
    await op.wizard.assignRoles({ clusterId, nodeIds: ids, roles: ["hci"] });
    await op.wizard.saveCustomRoles({
      clusterId,
      customRoles: [{ name: "mq-only", services: ["rabbitmq"] }],
    });
    const custom = await op.wizard.assignRoles({
      clusterId,
      nodeIds: [ids[0]!],
      roles: ["mq-only"],
      mode: "add",
    });
    expect(custom.members.find((m) => m.id === ids[0])!.roles).toEqual(["hci", "mq-only"]);
    expect(custom.members.find((m) => m.id === ids[0])!.services).toContain("rabbitmq");
    const inUse = await refusal(op.wizard.saveCustomRoles({ clusterId, customRoles: [] }));
    expect(inUse.code).toBe("wizard.custom-role-in-use");
  });
});
