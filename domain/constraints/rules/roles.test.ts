import { describe, expect, it } from "vitest";
import type { ClusterState } from "../../model";
import { makeNode, makeState, pick, runRule } from "../testing";
import { table } from "../rule-table";
import { rules } from "./roles";

const nodes = (prefix: string, count: number, roles: string[]) =>
  Array.from({ length: count }, (_, i) => makeNode({ id: `${prefix}-${i + 1}`, roles }));

/** A healthy split cluster with `controllers` controllers, 3 computes and 3 storage nodes. */
function withControllers(controllers: number, extra: Partial<ClusterState> = {}): ClusterState {
  return makeState({
    nodes: [
      ...nodes("ctrl", controllers, ["controller"]),
      ...nodes("cmp", 3, ["compute"]),
      ...nodes("stor", 3, ["storage"]),
    ],
    ...extra,
  });
}

table(rules, "controllers-min", [
  { name: "3 controllers pass", state: withControllers(3) },
  {
    name: "a controller-hci node counts as a controller",
    state: makeState({
      nodes: [makeNode({ id: "aio", roles: ["controller-hci"] })],
      cluster: { ...makeState().cluster, kind: "hyperconverged" },
    }),
  },
  {
    name: "0 controllers block",
    state: withControllers(0),
    expect: [{ severity: "block", params: { count: 0, min: 1 } }],
  },
  {
    name: "a custom role carrying openstack-control counts",
    state: (() => {
      const s = withControllers(0);
      return makeState({
        nodes: [...s.nodes, makeNode({ id: "api-1", roles: ["api-only"] })],
        cluster: {
          ...s.cluster,
          customRoles: [{ name: "api-only", services: ["openstack-control"] }],
        },
      });
    })(),
  },
]);

table(rules, "controllers-ha", [
  { name: "3 controllers with HA pass", state: withControllers(3) },
  {
    name: "1 controller with HA off passes",
    state: withControllers(1, { settings: { ...makeState().settings, ha: false } }),
  },
  {
    name: "1 controller with HA on warns",
    state: withControllers(1),
    expect: [{ severity: "warn", params: { count: 1, recommended: 3 } }],
  },
  {
    name: "removing one of 3 controllers warns on the result",
    state: withControllers(3),
    intent: { kind: "remove-nodes", nodeIds: ["ctrl-3"] },
    expect: [
      {
        severity: "warn",
        params: { count: 2, recommended: 3 },
        subjects: { nodes: ["ctrl-1", "ctrl-2"] },
      },
    ],
  },
]);

table(rules, "controllers-odd", [
  { name: "3 pass", state: withControllers(3) },
  { name: "5 pass", state: withControllers(5) },
  {
    name: "2 block",
    state: withControllers(2),
    expect: [{ severity: "block", params: { count: 2, quorum: 2 } }],
  },
  {
    name: "4 warn",
    state: withControllers(4),
    expect: [{ severity: "warn", params: { count: 4, tolerated: 1, lower: 3, higher: 5 } }],
  },
  {
    name: "6 warn",
    state: withControllers(6),
    expect: [{ severity: "warn", params: { count: 6, tolerated: 2, lower: 5, higher: 7 } }],
  },
]);

table(rules, "controllers-max", [
  { name: "5 pass", state: withControllers(5) },
  {
    name: "6 warn above 5",
    state: withControllers(6),
    expect: [{ severity: "warn", params: { count: 6, warnAbove: 5 } }],
  },
  {
    name: "7 warn above 5",
    state: withControllers(7),
    expect: [{ severity: "warn", params: { count: 7, warnAbove: 5 } }],
  },
  {
    name: "9 block above the max of 7",
    state: withControllers(9),
    expect: [{ severity: "block", params: { count: 9, max: 7, excess: 2 } }],
  },
]);

table(rules, "role-limits", [
  { name: "the default cluster passes", state: makeState() },
  {
    name: "two network nodes pass",
    state: withControllers(3, {
      nodes: [...withControllers(3).nodes, ...nodes("net", 2, ["network"])],
    }),
  },
  {
    name: "one network node is below the recommended two",
    state: withControllers(3, {
      nodes: [...withControllers(3).nodes, ...nodes("net", 1, ["network"])],
    }),
    expect: [{ severity: "info", params: { name: "network", count: 1, recommended: 2 } }],
  },
  {
    name: "one network node with HA off passes (override)",
    state: withControllers(3, {
      nodes: [...withControllers(3).nodes, ...nodes("net", 1, ["network"])],
      settings: { ...makeState().settings, ha: false },
    }),
  },
  {
    name: "hci nodes in a split cluster block, with the catalog's reason",
    state: withControllers(3, {
      nodes: [...withControllers(3).nodes, ...nodes("hci", 2, ["hci"])],
    }),
    expect: [
      {
        severity: "block",
        params: { name: "hci", count: 2, max: 0, hosts: "hci-1, hci-2" },
        subjects: { nodes: ["hci-1", "hci-2"] },
      },
    ],
  },
  {
    name: "galera on one node beside 3 controllers makes an even quorum",
    state: (() => {
      const base = withControllers(3);
      return makeState({
        nodes: [...base.nodes, ...nodes("db", 1, ["db-only"])],
        cluster: {
          ...base.cluster,
          customRoles: [{ name: "db-only", services: ["mariadb-galera"] }],
        },
      });
    })(),
    expect: [{ severity: "warn", params: { name: "mariadb-galera", count: 4 } }],
  },
]);

describe("role-limits text", () => {
  it("appends the catalog override's reason in both languages", () => {
    const state = withControllers(3, {
      nodes: [...withControllers(3).nodes, makeNode({ id: "hci-1", roles: ["hci"] })],
    });
    const [f] = runRule(pick(rules, "role-limits"), state);
    expect(f?.message.en).toContain("A split cluster keeps compute and storage on separate nodes");
    expect(f?.message["zh-CN"]).toContain("分离式集群要求计算和存储位于不同节点");
  });
});

table(rules, "role-exclusive", [
  {
    name: "compatible roles pass",
    state: makeState({ nodes: [makeNode({ id: "n1", roles: ["controller", "network"] })] }),
  },
  {
    name: "controller-hci with anything blocks",
    state: makeState({
      nodes: [makeNode({ id: "n1", hostname: "node-1", roles: ["controller-hci", "network"] })],
    }),
    expect: [
      {
        severity: "block",
        params: { hostname: "node-1", a: "controller-hci", b: "network" },
        subjects: { nodes: ["n1"] },
      },
    ],
  },
  {
    name: "compute with hci blocks and offers to drop one",
    state: makeState({ nodes: [makeNode({ id: "n1", roles: ["compute", "hci"] })] }),
    expect: [
      {
        severity: "block",
        params: { a: "compute", b: "hci" },
        // The fix keeps the first role.
        fix: { action: "set-roles", params: { nodeId: "n1", roles: ["compute"] } },
      } as never,
    ],
  },
  {
    name: "the fix drops the role added last",
    state: makeState({ nodes: [makeNode({ id: "n1", roles: ["storage", "hci"] })] }),
    expect: [
      {
        severity: "block",
        params: { a: "hci", b: "storage" },
        fix: { action: "set-roles", params: { nodeId: "n1", roles: ["storage"] } },
      } as never,
    ],
  },
  {
    name: "a custom role bringing a conflicting service blocks",
    state: makeState({
      nodes: [makeNode({ id: "n1", hostname: "node-1", roles: ["storage", "lvm"] })],
      cluster: {
        ...makeState().cluster,
        customRoles: [{ name: "lvm", services: ["cinder-volume-lvm"] }],
      },
    }),
    expect: [
      {
        severity: "block",
        params: {
          hostname: "node-1",
          a: "ceph-osd",
          b: "cinder-volume-lvm",
          roleA: "storage",
          roleB: "lvm",
        },
      },
    ],
  },
]);

table(rules, "compute-min", [
  { name: "3 computes pass", state: makeState() },
  {
    name: "HCI nodes count as compute",
    state: makeState({ nodes: [...nodes("ctrl", 3, ["controller"]), ...nodes("hci", 3, ["hci"])] }),
  },
  {
    name: "no compute blocks",
    state: makeState({
      nodes: [...nodes("ctrl", 3, ["controller"]), ...nodes("stor", 3, ["storage"])],
    }),
    expect: [{ severity: "block", params: { count: 0, min: 1 } }],
  },
  {
    name: "removing the last computes blocks",
    state: makeState(),
    intent: { kind: "remove-nodes", nodeIds: ["cmp-1", "cmp-2", "cmp-3"] },
    expect: [{ severity: "block", params: { count: 0 } }],
  },
]);

const withCustom = (customRoles: { name: string; services: string[] }[]) =>
  makeState({ cluster: { ...makeState().cluster, customRoles } });

table(rules, "custom-role-valid", [
  {
    name: "a role of known services passes",
    state: withCustom([{ name: "edge-compute", services: ["nova-compute", "neutron-l3"] }]),
  },
  {
    name: "an unknown service blocks with its path",
    state: withCustom([{ name: "edge", services: ["nova-compute", "nova-computer"] }]),
    expect: [
      {
        severity: "block",
        params: { role: "edge", service: "nova-computer", releaseId: "cairn-2026.1" },
        subjects: { fields: ["cluster.customRoles[0].services[1]"] },
      },
    ],
  },
  {
    name: "conflicting services block",
    state: withCustom([{ name: "mixed", services: ["ceph-osd", "cinder-volume-lvm"] }]),
    expect: [
      { severity: "block", params: { role: "mixed", a: "ceph-osd", b: "cinder-volume-lvm" } },
    ],
  },
  {
    name: "an empty role blocks",
    state: withCustom([{ name: "nothing", services: [] }]),
    expect: [{ severity: "block", params: { role: "nothing" } }],
  },
  {
    name: "a catalog role's name blocks",
    state: withCustom([{ name: "compute", services: ["nova-compute"] }]),
    expect: [
      {
        severity: "block",
        params: { role: "compute", releaseId: "cairn-2026.1" },
        subjects: { fields: ["cluster.customRoles[0].name"] },
      },
    ],
  },
]);

table(rules, "role-unknown", [
  {
    name: "catalog and custom roles pass",
    state: withCustom([{ name: "edge", services: ["nova-compute"] }]),
  },
  {
    name: "a role nobody defines blocks, grouped by role",
    state: makeState({
      nodes: [
        ...makeState().nodes,
        makeNode({ id: "x1", roles: ["computer"] }),
        makeNode({ id: "x2", roles: ["computer"] }),
      ],
    }),
    expect: [
      {
        severity: "block",
        params: { role: "computer", count: 2, releaseId: "cairn-2026.1", hosts: "x1, x2" },
        subjects: { nodes: ["x1", "x2"] },
      },
    ],
  },
]);
