import type { ClusterState } from "../../model";
import { GiB, TB, makeDisk, makeHardware, makeNode, makeState } from "../testing";
import { table } from "../rule-table";
import { rules } from "./hci";

const base = makeState();
const ctrl = base.nodes.filter((n) => n.roles.includes("controller"));
const hciNodes = (count: number, hardware = makeHardware()) =>
  Array.from({ length: count }, (_, i) =>
    makeNode({ id: `hci-${i + 1}`, roles: ["hci"], hardware }),
  );

function hciCluster(
  overcommit: Partial<ClusterState["settings"]["overcommit"]> = {},
  hardware = makeHardware(),
): ClusterState {
  return makeState({
    cluster: { ...base.cluster, kind: "hyperconverged" },
    nodes: [...ctrl, ...hciNodes(3, hardware)],
    settings: { ...base.settings, overcommit: { ...base.settings.overcommit, ...overcommit } },
  });
}

// Default HCI node: 64 threads × 4 = 256 vCPU → 128 typical VMs by CPU; 256 − 4 − 2 × 4 = 244 GiB
// → 54 VMs by memory; budget 4 + 8 + 27 = 39 GiB.
table(rules, "hci-memory-budget", [
  { name: "a split cluster has no HCI budget", state: base },
  {
    name: "40 GiB reserved covers the 39 GiB budget",
    state: hciCluster({ reservedHostMemoryMiB: 40 * 1024 }),
  },
  {
    name: "the default 4 GiB reservation is short and offers the fix",
    state: hciCluster(),
    expect: [
      {
        severity: "warn",
        params: {
          reservedGiB: 4,
          hostname: "hci-1",
          budgetGiB: 39,
          hostGiB: 4,
          osds: 2,
          vms: 54,
          count: 3,
          suggestedMiB: 39936,
        },
        subjects: { nodes: ["hci-1", "hci-2", "hci-3"] },
        fix: {
          action: "set-setting",
          params: { path: "overcommit.reservedHostMemoryMiB", value: 39936 },
        },
      },
    ],
  },
  {
    name: "8 OSDs on 32 GiB leave nothing for VMs",
    state: hciCluster(
      { reservedHostMemoryMiB: 40 * 1024 },
      makeHardware({
        memoryBytes: 32 * GiB,
        disks: [
          makeDisk({ name: "sda", sizeBytes: 0.48 * TB }),
          ...[..."bcdefghi"].map((c) =>
            makeDisk({ name: `sd${c}`, sizeBytes: 4 * TB, type: "hdd", rotational: true }),
          ),
        ],
      }),
    ),
    expect: [
      {
        severity: "block",
        params: { hostname: "hci-1", memoryGiB: 32, hostGiB: 4, osds: 8, budgetGiB: 36 },
      },
      { severity: "block", params: { hostname: "hci-2" } },
      { severity: "block", params: { hostname: "hci-3" } },
    ],
  },
]);

table(rules, "hci-no-ram-overcommit", [
  { name: "ratio 1.0 on HCI passes", state: hciCluster({ reservedHostMemoryMiB: 40 * 1024 }) },
  {
    name: "ratio 1.5 without HCI nodes passes",
    state: makeState({
      settings: { ...base.settings, overcommit: { ...base.settings.overcommit, ram: 1.5 } },
    }),
  },
  {
    name: "ratio 1.5 with HCI nodes blocks and offers 1.0",
    state: hciCluster({ ram: 1.5 }),
    expect: [
      {
        severity: "block",
        params: { ratio: 1.5, count: 3, hosts: "hci-1, hci-2, hci-3", required: 1 },
        fix: { action: "set-setting", params: { path: "overcommit.ram", value: 1 } },
      },
    ],
  },
  {
    name: "raising the ratio later is refused on the result",
    state: hciCluster(),
    intent: {
      kind: "change-settings",
      settings: { overcommit: { ...base.settings.overcommit, ram: 2 } },
    },
    expect: [{ severity: "block", params: { ratio: 2 } }],
  },
]);
