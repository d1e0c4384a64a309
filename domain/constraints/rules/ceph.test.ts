import type { ClusterState } from "../../model";
import { TB, makeNode, makeState } from "../testing";
import { table } from "../rule-table";
import { rules } from "./ceph";

const nodes = (prefix: string, count: number, roles: string[]) =>
  Array.from({ length: count }, (_, i) => makeNode({ id: `${prefix}-${i + 1}`, roles }));

/** 3 controllers, 3 computes and `storage` storage nodes (each 2 × 1.92 TB OSD disks). */
function cluster(storage: number, extra: Partial<ClusterState> = {}): ClusterState {
  return makeState({
    nodes: [
      ...nodes("ctrl", 3, ["controller"]),
      ...nodes("cmp", 3, ["compute"]),
      ...nodes("stor", storage, ["storage"]),
    ],
    ...extra,
  });
}

const settings = makeState().settings;

table(rules, "ceph-mon-count", [
  { name: "3 monitors on the controllers pass", state: cluster(4) },
  {
    name: "OSDs without any monitor block",
    state: makeState({
      nodes: [...nodes("cmp", 3, ["compute"]), ...nodes("stor", 3, ["storage"])],
    }),
    expect: [{ severity: "block", params: { count: 0, osdHosts: 3 } }],
  },
  {
    name: "monitors apart from the controllers in an even count warn",
    state: (() => {
      const base = cluster(4);
      return makeState({
        nodes: [...base.nodes, makeNode({ id: "mon-1", roles: ["mon"] })],
        cluster: { ...base.cluster, customRoles: [{ name: "mon", services: ["ceph-mon"] }] },
      });
    })(),
    expect: [{ severity: "warn", params: { count: 4, lower: 3 } }],
  },
  {
    name: "7 controllers carry 7 monitors, above the max of 5",
    state: makeState({
      nodes: [...nodes("ctrl", 7, ["controller"]), ...nodes("stor", 4, ["storage"])],
    }),
    expect: [{ severity: "warn", params: { count: 7, max: 5 } }],
  },
]);

table(rules, "ceph-osd-hosts-vs-replication", [
  { name: "4 hosts for pool size 3 pass", state: cluster(4) },
  {
    name: "2 hosts for pool size 3 block",
    state: cluster(2),
    expect: [
      {
        severity: "block",
        params: { hosts: 2, poolSize: 3, missing: 1 },
        subjects: { nodes: ["stor-1", "stor-2"] },
      },
    ],
  },
  {
    name: "removing a host of 3 blocks on the result",
    state: cluster(3),
    intent: { kind: "remove-nodes", nodeIds: ["stor-3"] },
    expect: [{ severity: "block", params: { hosts: 2, poolSize: 3 } }],
  },
  {
    name: "3 hosts for pool size 3 leave no spare",
    state: cluster(3),
    expect: [{ severity: "info", params: { hosts: 3, poolSize: 3 } }],
  },
  {
    name: "a storage node without data disks holds no OSD",
    state: makeState({
      nodes: [
        ...cluster(3).nodes,
        makeNode({
          id: "stor-4",
          roles: ["storage"],
          hardware: {
            ...makeNode({ id: "x" }).hardware,
            disks: [makeNode({ id: "x" }).hardware.disks[0]!],
          },
        }),
      ],
    }),
    expect: [{ severity: "info", params: { hosts: 3 } }],
  },
  {
    name: "no storage at all warns",
    state: makeState({
      nodes: [...nodes("ctrl", 3, ["controller"]), ...nodes("cmp", 3, ["compute"])],
    }),
    expect: [{ severity: "warn", params: { hosts: 0, poolSize: 3 } }],
  },
  {
    name: "LVM block storage instead of Ceph passes",
    state: makeState({
      nodes: [
        ...nodes("ctrl", 3, ["controller"]),
        ...nodes("cmp", 3, ["compute"]),
        ...nodes("lvm", 1, ["storage-lvm"]),
      ],
    }),
  },
]);

table(rules, "ceph-min-size", [
  { name: "size 3 / min 2 passes", state: makeState() },
  {
    name: "min above size blocks",
    state: makeState({ settings: { ...settings, ceph: { poolSize: 2, minSize: 3 } } }),
    expect: [{ severity: "block", params: { minSize: 3, poolSize: 2 } }],
  },
  {
    name: "min equal to size warns with a fix",
    state: makeState({ settings: { ...settings, ceph: { poolSize: 3, minSize: 3 } } }),
    expect: [
      {
        severity: "warn",
        params: { minSize: 3, poolSize: 3, suggested: 2 },
        fix: { action: "set-setting", params: { path: "ceph.minSize", value: 2 } },
      },
    ],
  },
  {
    name: "min 1 with size 3 warns",
    state: makeState({ settings: { ...settings, ceph: { poolSize: 3, minSize: 1 } } }),
    expect: [{ severity: "warn", params: { poolSize: 3, suggested: 2 } }],
  },
  {
    name: "size 1 has no replica",
    state: makeState({ settings: { ...settings, ceph: { poolSize: 1, minSize: 1 } } }),
    expect: [{ severity: "warn", params: { poolSize: 1 } }],
  },
  {
    name: "a settings change is checked on the result",
    state: makeState(),
    intent: { kind: "change-settings", settings: { ceph: { poolSize: 3, minSize: 0 } } },
    expect: [{ severity: "block", params: { minSize: 0, poolSize: 3 } }],
  },
]);

// 4 storage hosts × 3.84 TB raw = 15.36 TB raw, 5.12 TB usable at size 3; after removing one: 3.84 TB usable.
table(rules, "ceph-capacity-after-removal", [
  {
    name: "3 TB used fits in 3.84 TB × 85%",
    state: cluster(4, { cephUsedBytes: 3 * TB }),
    intent: { kind: "remove-nodes", nodeIds: ["stor-4"] },
  },
  {
    name: "removing a compute does not touch Ceph",
    state: cluster(4, { cephUsedBytes: 5 * TB }),
    intent: { kind: "remove-nodes", nodeIds: ["cmp-1"] },
  },
  {
    name: "3.5 TB used would be 91.1% full",
    state: cluster(4, { cephUsedBytes: 3.5 * TB }),
    intent: { kind: "remove-nodes", nodeIds: ["stor-4"] },
    expect: [
      {
        severity: "block",
        override: "force-unsafe",
        params: { percent: 91.1, used: "3.5 TB", usable: "3.8 TB", nearFull: 85 },
        subjects: { nodes: ["stor-4"] },
      },
    ],
  },
  {
    name: "removing every OSD host with data stored loses it",
    state: cluster(2, { cephUsedBytes: 1 * TB }),
    intent: { kind: "remove-nodes", nodeIds: ["stor-1", "stor-2"] },
    expect: [
      { severity: "block", params: { used: "1 TB" }, subjects: { nodes: ["stor-1", "stor-2"] } },
    ],
  },
]);

table(rules, "ceph-near-full", [
  { name: "4 TB of 5.12 TB usable (78%) passes", state: cluster(4, { cephUsedBytes: 4 * TB }) },
  {
    name: "4.5 TB of 5.12 TB usable warns",
    state: cluster(4, { cephUsedBytes: 4.5 * TB }),
    expect: [
      {
        severity: "warn",
        params: { percent: 87.9, used: "4.5 TB", usable: "5.1 TB", hosts: 4, nearFull: 85 },
      },
    ],
  },
]);
