import { describe, expect, it } from "vitest";
import { evaluate } from "./constraints/engine";
import { makeNode, makeState, defaultNetworks, TEST_NOW } from "./constraints/testing";
import type { Finding } from "./constraints/types";
import { WIZARD_STEPS, type ClusterState, type Network, type Node, type WizardStep } from "./model";
import { builtinCatalog } from "./roles/builtin";
import { servicesOfRoles } from "./roles/catalog";
import { expandPlan } from "./taskgraph/plan";
import { taskGraphSchema } from "./taskgraph/schema";
import {
  addressPlanPreview,
  deploySummary,
  diskPicture,
  licenseUsage,
  networkFieldPath,
  networksWithField,
  nextFrom,
  planTable,
  settingsWithPath,
  topologyGroups,
  withConfirmed,
  wizardView,
} from "./wizard";

const ALL_BUT_REVIEW = WIZARD_STEPS.filter((s) => s !== "review");

function validate(state: ClusterState): Finding[] {
  return evaluate(state, { kind: "validate" });
}

/** A draft with controllers on the first `controllers` of six hyperconverged nodes. */
function draft(controllers: number): ClusterState {
  const nodes = Array.from({ length: 6 }, (_, i) =>
    makeNode({
      id: `node-${i + 1}`,
      status: "assigned",
      roles: [i < controllers ? "controller-hci" : "hci"],
      lastHeartbeatAt: TEST_NOW,
    }),
  );
  return makeState({
    nodes,
    cluster: { ...makeState().cluster, kind: "hyperconverged", deployed: false },
    region: { name: "dc-1", deployed: false, regionCount: 1 },
  });
}

describe("step statuses", () => {
  it("marks the roles step blocking with 2 controllers, and refuses Next with the finding in both languages", () => {
    const findings = validate(draft(2));
    const view = wizardView({ findings, confirmed: ["region", "cluster"], memberCount: 6 });
    const roles = view.steps.find((s) => s.step === "roles")!;
    expect(roles.status).toBe("blocking");
    expect(roles.next.allowed).toBe(false);
    expect(roles.next.blocking.map((f) => f.id)).toContain("controllers-odd");
    expect(roles.next.reason?.en).toMatch(/^1 finding\(s\) block this step\. First: 2 controllers/);
    expect(roles.next.reason?.["zh-CN"]).toContain("2 个控制节点无法容忍任何一个故障");
    expect(view.firstFailingStep).toBe("roles");
    expect(view.resumeStep).toBe("roles");
  });

  it("clears the block when a third controller is added", () => {
    const findings = validate(draft(3));
    const view = wizardView({ findings, confirmed: [], memberCount: 6 });
    expect(view.steps.find((s) => s.step === "roles")!.next).toEqual({
      allowed: true,
      reason: null,
      blocking: [],
    });
    expect(view.firstFailingStep).toBeNull();
  });

  it("tells complete, warning and todo apart", () => {
    const warn = validate(draft(3)).filter((f) => f.severity !== "block");
    const withWarning = [...warn, { ...warnOf("settings") }];
    const view = wizardView({
      findings: withWarning,
      confirmed: ["region", "settings"],
      memberCount: 6,
    });
    const status = (s: WizardStep) => view.steps.find((v) => v.step === s)!.status;
    expect(status("region")).toBe("complete");
    expect(status("settings")).toBe("warning");
    expect(status("networks")).toBe("todo");
    // Nothing blocks: the wizard reopens at the first step not confirmed yet.
    expect(view.resumeStep).toBe("cluster");
  });

  it("refuses Next on discover without nodes, and Deploy before every step is confirmed", () => {
    const input = { findings: [], confirmed: [] as WizardStep[], memberCount: 0 };
    expect(nextFrom("discover", input).reason?.en).toBe(
      "Select at least one node for the cluster.",
    );
    const review = nextFrom("review", { ...input, memberCount: 3, confirmed: ["region"] });
    expect(review.allowed).toBe(false);
    expect(review.reason?.en).toContain("Cluster, Discover, Roles");
    expect(review.reason?.["zh-CN"]).toContain("集群、发现节点、角色");
    expect(nextFrom("review", { ...input, confirmed: ALL_BUT_REVIEW }).allowed).toBe(true);
  });

  it("lets Deploy follow the deploy findings, not only the live check", () => {
    const state = draft(3);
    const noLicense = { ...state, license: null };
    const live = validate(noLicense);
    const deploy = evaluate(noLicense, { kind: "deploy" });
    expect(live.find((f) => f.id === "license-present")?.severity).toBe("warn");
    const verdict = nextFrom("review", {
      findings: live,
      deployFindings: deploy,
      confirmed: ALL_BUT_REVIEW,
      memberCount: 6,
    });
    expect(verdict.allowed).toBe(false);
    expect(verdict.blocking.map((f) => f.id)).toEqual(["license-present"]);
  });

  it("keeps confirmed steps in wizard order without repeats", () => {
    expect(withConfirmed(["roles", "region"], "cluster")).toEqual(["region", "cluster", "roles"]);
    expect(withConfirmed(["region"], "region")).toEqual(["region"]);
  });
});

function warnOf(step: WizardStep): Finding {
  return {
    id: "test-warning",
    category: "overcommit",
    severity: "warn",
    message: { en: "w", "zh-CN": "w" },
    hint: { en: "h", "zh-CN": "h" },
    params: {},
    subjects: {},
    steps: [step],
    override: "none",
  };
}

describe("address plan preview", () => {
  const servicesOf = (node: Node) => servicesOfRoles(builtinCatalog, node.roles);
  const nodes = ["lab-10", "lab-2", "lab-1"].map((hostname, i) =>
    makeNode({ id: `uuid-${9 - i}`, hostname, roles: ["compute"], addresses: {} }),
  );
  const networks: Network[] = defaultNetworks().filter((n) =>
    ["provisioning", "management"].includes(n.name),
  );

  it("hands out addresses in hostname order, outside the DHCP range, keeping what nodes hold", () => {
    const plan = addressPlanPreview(networks, nodes, {
      dhcp: { start: "10.20.0.2", end: "10.20.0.100" },
      servicesOf,
    });
    expect(plan.ok).toBe(true);
    expect(
      plan.rows.map((r) => [r.hostname, r.addresses.management, r.addresses.provisioning]),
    ).toEqual([
      ["lab-1", "10.0.0.2", "10.20.0.101"],
      ["lab-2", "10.0.0.3", "10.20.0.102"],
      ["lab-10", "10.0.0.4", "10.20.0.103"],
    ]);
    const held = nodes.map((n) =>
      n.hostname === "lab-10" ? { ...n, addresses: { management: "10.0.0.200" } } : n,
    );
    const again = addressPlanPreview(networks, held, { servicesOf });
    const lab10 = again.rows.find((r) => r.hostname === "lab-10")!;
    expect(lab10.addresses.management).toBe("10.0.0.200");
    expect(lab10.changed).toEqual(["provisioning"]);
  });

  it("gives public addresses only to API and router nodes", () => {
    const mixed = [
      makeNode({ id: "a", roles: ["controller"], addresses: {} }),
      makeNode({ id: "b", roles: ["compute"], addresses: {} }),
    ];
    const plan = addressPlanPreview(defaultNetworks(), mixed, {
      servicesOf: (n) => servicesOfRoles(builtinCatalog, n.roles),
    });
    expect(plan.rows.find((r) => r.nodeId === "a")!.addresses.public).toBeDefined();
    expect(plan.rows.find((r) => r.nodeId === "b")!.addresses.public).toBeUndefined();
  });

  it("says when a network is too small, in the words of its rule", () => {
    const tiny = networks.map((n) =>
      n.name === "management" ? { ...n, cidr: "10.0.0.0/30", vips: [], gateway: "10.0.0.1" } : n,
    );
    const plan = addressPlanPreview(tiny, nodes, { servicesOf });
    expect(plan.ok).toBe(false);
    expect(plan.problems).toEqual([
      expect.objectContaining({ network: "management", code: "exhausted" }),
    ]);
    expect(plan.problems[0]!.message.en).toContain("3 node(s) still need an address and only 1");
    expect(plan.problems[0]!.message["zh-CN"]).toContain("只剩 1 个空闲地址");
  });

  it("maps finding fields to the form's paths", () => {
    expect(networkFieldPath("networks.management.vips[0].address", networks)).toBe(
      "networks.1.vips.0.address",
    );
    expect(networkFieldPath("networks.storage.cidr", networks)).toBe("networks.storage.cidr");
    expect(networkFieldPath("settings.dhcp", networks)).toBe("settings.dhcp");
  });
});

describe("disk picture", () => {
  it("draws the OS disk's partitions and volumes, OSD disks and unused disks from the planner", () => {
    const node = makeNode({ id: "n1", roles: ["hci"] });
    const picture = diskPicture(node, builtinCatalog);
    expect(picture.osDisk).toBe("sda");
    const [os, ...data] = picture.bars;
    expect(os!.use).toBe("os");
    expect(os!.segments.map((s) => s.name)).toEqual([
      "gpt",
      "bios-boot",
      "efi",
      "boot",
      "swap",
      "containers",
      "root",
      "lvm-metadata",
      "gpt-backup",
    ]);
    expect(os!.segments.reduce((sum, s) => sum + s.sizeBytes, 0)).toBe(os!.sizeBytes);
    expect(data.map((b) => b.use)).toEqual(["osd", "osd"]);
    const compute = diskPicture(makeNode({ id: "n2", roles: ["compute"] }), builtinCatalog);
    expect(compute.bars.slice(1).map((b) => [b.use, b.reason?.en])).toEqual([
      ["unused", "sdb is not needed by this node's roles."],
      ["unused", "sdc is not needed by this node's roles."],
    ]);
  });

  it("reports the planner's problem when the chosen disk does not exist", () => {
    const picture = diskPicture(
      makeNode({ id: "n3", roles: ["compute"], osDisk: "sdz" }),
      builtinCatalog,
    );
    expect(picture.plan).toBeNull();
    expect(picture.problems[0]!.code).toBe("os-disk-missing");
    expect(picture.bars.every((b) => b.use === "unused")).toBe(true);
  });
});

describe("license usage, topology and summary", () => {
  it("sets the license's limits against the topology", () => {
    const usage = licenseUsage(draft(3))!;
    expect(usage.nodes).toEqual({ used: 6, max: 100 });
    expect(usage.sockets).toEqual({ used: 12, max: 200 });
    expect(usage.regions).toEqual({ used: 1, max: 3 });
    expect(usage.daysLeft).toBe(351);
    expect(licenseUsage({ ...draft(3), license: null })).toBeNull();
  });

  it("groups nodes by role in catalog order, with the nodes that have none last", () => {
    const groups = topologyGroups(
      [
        { id: "a", roles: ["hci"] },
        { id: "b", roles: ["controller-hci", "mine"] },
        { id: "c", roles: [] },
      ],
      builtinCatalog,
      [{ name: "mine", services: ["rabbitmq"] }],
    );
    expect(groups).toEqual([
      { role: "hci", nodeIds: ["a"] },
      { role: "controller-hci", nodeIds: ["b"] },
      { role: "mine", nodeIds: ["b"] },
      { role: null, nodeIds: ["c"] },
    ]);
  });

  it("summarises what a first deploy brings up", () => {
    const summary = deploySummary(draft(3), builtinCatalog);
    const byMetric = Object.fromEntries(summary.map((e) => [e.metric, [e.before, e.after]]));
    expect(byMetric.nodes).toEqual([0, 6]);
    expect(byMetric.controllers).toEqual([0, 3]);
    expect(byMetric["ceph-hosts"]).toEqual([0, 6]);
  });
});

describe("plan table", () => {
  it("puts steps × nodes with skip reasons naming hostnames", () => {
    const graph = taskGraphSchema.parse({
      name: "provision",
      steps: [
        { id: "base", type: "shell", script: "steps/base.sh", selector: { all: true } },
        {
          id: "pxe",
          type: "shell",
          script: "steps/pxe.sh",
          selector: { all: true },
          condition: { when: "added-nodes" },
          requires: ["base"],
        },
      ],
    });
    const plan = expandPlan(graph, {
      nodes: [
        { id: "u1", roles: ["compute"], added: true },
        { id: "u2", roles: ["compute"] },
      ],
      changedSettings: [],
      intentKind: "add-nodes",
    });
    const table = planTable(plan, { u1: "lab-1", u2: "lab-2" });
    expect(table.nodes).toEqual([
      { id: "u1", hostname: "lab-1" },
      { id: "u2", hostname: "lab-2" },
    ]);
    expect(table.rows.map((r) => [r.stepId, r.planned, r.skipped])).toEqual([
      ["base", 2, 0],
      ["pxe", 1, 1],
    ]);
    const skipped = table.rows[1]!.cells.u2!;
    expect(skipped.status).toBe("skipped");
    expect(skipped.reason?.en).toContain("lab-2 is already in the cluster");
    expect(skipped.reason?.en).not.toContain("u2");
  });
});

describe("fix helpers", () => {
  it("sets a setting by dotted path without touching the original", () => {
    const settings = makeState().settings;
    const next = settingsWithPath(settings, "overcommit.ram", 1.5);
    expect(next.overcommit.ram).toBe(1.5);
    expect(settings.overcommit.ram).toBe(1);
    expect(settingsWithPath(settings, "dhcp", { start: "a", end: "b" }).dhcp).toEqual({
      start: "a",
      end: "b",
    });
    expect(() => settingsWithPath(settings, "nope.x", 1)).toThrow(/does not name a setting/);
  });

  it("changes one field of one network", () => {
    const networks = networksWithField(defaultNetworks(), "management", "cidr", "10.9.0.0/24");
    expect(networks.find((n) => n.name === "management")!.cidr).toBe("10.9.0.0/24");
    expect(networks.find((n) => n.name === "storage")!.cidr).toBe("10.1.0.0/24");
  });
});
