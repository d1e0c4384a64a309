import type { ClusterState, Node } from "../../model";
import { TEST_NOW, makeNode, makeState } from "../testing";
import { table } from "../rule-table";
import { rules } from "./operation";

const setStatus = (
  state: ClusterState,
  status: Node["status"],
  ...ids: string[]
): ClusterState => ({
  ...state,
  nodes: state.nodes.map((n) => (ids.includes(n.id) ? { ...n, status } : n)),
});

table(rules, "op-exclusive", [
  { name: "no running task passes", state: makeState(), intent: { kind: "deploy" } },
  {
    name: "the live check is not an operation",
    state: makeState({ runningTask: { id: "task-41", kind: "deploy" } }),
  },
  {
    name: "a running deploy blocks a settings change and links to its log",
    state: makeState({ runningTask: { id: "task-41", kind: "deploy" } }),
    intent: { kind: "change-settings", settings: { ha: true } },
    expect: [
      {
        severity: "block",
        override: "none",
        params: { taskId: "task-41", taskKind: "deploy" },
        fix: { action: "open-task-log", params: { taskId: "task-41" } },
      },
    ],
  },
]);

table(rules, "controller-last-removal", [
  {
    name: "removing one of three passes",
    state: makeState(),
    intent: { kind: "remove-nodes", nodeIds: ["ctrl-3"] },
  },
  {
    name: "removing all three blocks",
    state: makeState(),
    intent: { kind: "remove-nodes", nodeIds: ["ctrl-1", "ctrl-2", "ctrl-3"] },
    expect: [
      {
        severity: "block",
        override: "none",
        params: { count: 3, hosts: "ctrl-1, ctrl-2, ctrl-3" },
      },
    ],
  },
  {
    name: "taking the controller role off the only controller blocks",
    state: makeState({
      nodes: [
        makeNode({ id: "c1", roles: ["controller"] }),
        makeNode({ id: "k1", roles: ["compute"] }),
      ],
    }),
    intent: { kind: "change-roles", assignments: [{ nodeId: "c1", roles: ["compute"] }] },
    expect: [{ severity: "block", params: { count: 1, hosts: "c1" }, subjects: { nodes: ["c1"] } }],
  },
]);

table(rules, "controller-quorum-after-op", [
  {
    name: "maintenance of one of three passes",
    state: makeState(),
    intent: { kind: "enter-maintenance", nodeIds: ["ctrl-1"] },
  },
  {
    name: "a second controller into maintenance while one is down blocks (force-unsafe)",
    state: setStatus(makeState(), "maintenance", "ctrl-1"),
    intent: { kind: "enter-maintenance", nodeIds: ["ctrl-2"] },
    expect: [
      {
        severity: "block",
        override: "force-unsafe",
        params: { online: 1, members: 3, quorum: 2, tolerated: 1 },
        subjects: { nodes: ["ctrl-2"] },
      },
    ],
  },
  {
    name: "removing one of three while another is silent blocks",
    state: makeState({
      nodes: makeState().nodes.map((n) =>
        n.id === "ctrl-2" ? { ...n, lastHeartbeatAt: TEST_NOW - 10 * 60_000 } : n,
      ),
    }),
    intent: { kind: "remove-nodes", nodeIds: ["ctrl-3"] },
    expect: [
      {
        severity: "block",
        params: { online: 1, members: 3, quorum: 2 },
        subjects: { nodes: ["ctrl-3"] },
      },
    ],
  },
  {
    name: "the single controller into maintenance blocks",
    state: makeState({ nodes: [makeNode({ id: "c1", roles: ["controller"] })] }),
    intent: { kind: "enter-maintenance", nodeIds: ["c1"] },
    expect: [{ severity: "block", params: { online: 0, members: 1, quorum: 1, tolerated: 0 } }],
  },
]);

table(rules, "remove-requires-maintenance", [
  {
    name: "a node in maintenance may go",
    state: setStatus(makeState(), "maintenance", "cmp-3"),
    intent: { kind: "remove-nodes", nodeIds: ["cmp-3"] },
  },
  {
    name: "a node never deployed may go",
    state: setStatus(makeState(), "discovered", "cmp-3"),
    intent: { kind: "remove-nodes", nodeIds: ["cmp-3"] },
  },
  {
    name: "a ready node blocks with a maintenance fix",
    state: makeState(),
    intent: { kind: "remove-nodes", nodeIds: ["cmp-2", "cmp-3"] },
    expect: [
      {
        severity: "block",
        override: "force",
        params: { count: 2, hosts: "cmp-2, cmp-3" },
        fix: { action: "enter-maintenance", params: { nodeIds: ["cmp-2", "cmp-3"] } },
      },
    ],
  },
]);

table(rules, "upgrade-hosts-online", [
  {
    name: "all ready passes",
    state: makeState(),
    intent: { kind: "upgrade", toReleaseId: "cairn-2026.2" },
  },
  {
    name: "an offline node blocks and one in maintenance warns",
    state: setStatus(setStatus(makeState(), "offline", "cmp-1"), "maintenance", "stor-2"),
    intent: { kind: "upgrade", toReleaseId: "cairn-2026.2" },
    expect: [
      {
        severity: "block",
        params: { count: 1, hosts: "cmp-1", toReleaseId: "cairn-2026.2" },
        subjects: { nodes: ["cmp-1"] },
      },
      { severity: "warn", params: { count: 1, hosts: "stor-2", toReleaseId: "cairn-2026.2" } },
    ],
  },
]);

const renamed = (deployed: boolean) => {
  const state = makeState();
  return {
    before: { ...state, region: { ...state.region, deployed } },
    state: { ...state, region: { ...state.region, name: "beijing-east", deployed } },
  };
};

table(rules, "region-name-immutable", [
  { name: "renaming before deployment passes", ...renamed(false) },
  { name: "the same name passes", state: makeState(), before: makeState() },
  {
    name: "renaming a deployed region blocks",
    ...renamed(true),
    expect: [
      {
        severity: "block",
        params: { from: "beijing-1", to: "beijing-east" },
        subjects: { fields: ["region.name"] },
        fix: { action: "set-region-name", params: { name: "beijing-1" } },
      },
    ],
  },
]);

table(rules, "maintenance-quorum", [
  {
    name: "one storage host of three passes",
    state: makeState(),
    intent: { kind: "enter-maintenance", nodeIds: ["stor-1"] },
  },
  {
    name: "a second storage host while one is down blocks",
    state: setStatus(makeState(), "offline", "stor-1"),
    intent: { kind: "enter-maintenance", nodeIds: ["stor-2"] },
    expect: [
      {
        severity: "block",
        override: "force-unsafe",
        params: { down: 2, hosts: 3, poolSize: 3, minSize: 2, tolerated: 1 },
        subjects: { nodes: ["stor-2"] },
      },
    ],
  },
  {
    name: "monitors apart from the controllers lose quorum",
    state: (() => {
      const s = makeState();
      return makeState({
        nodes: [...s.nodes, ...["m1", "m2", "m3"].map((id) => makeNode({ id, roles: ["mon"] }))],
        cluster: { ...s.cluster, customRoles: [{ name: "mon", services: ["ceph-mon"] }] },
      });
    })(),
    intent: { kind: "enter-maintenance", nodeIds: ["ctrl-1", "ctrl-2", "m1"] },
    expect: [
      {
        severity: "block",
        params: { online: 3, members: 6, quorum: 4 },
        subjects: { nodes: ["ctrl-1", "ctrl-2", "m1"] },
      },
    ],
  },
]);

table(rules, "intent-nodes-exist", [
  {
    name: "known nodes pass",
    state: makeState(),
    intent: { kind: "enter-maintenance", nodeIds: ["cmp-1"] },
  },
  {
    name: "an unknown node blocks",
    state: makeState(),
    intent: { kind: "remove-nodes", nodeIds: ["cmp-1", "cmp-99"] },
    expect: [{ severity: "block", params: { count: 1, ids: "cmp-99" } }],
  },
]);
