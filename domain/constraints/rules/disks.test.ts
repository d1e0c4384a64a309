import type { Disk, Node } from "../../model";
import { GB, makeDisk, makeHardware, makeNode, makeState, TB } from "../testing";
import { table } from "../rule-table";
import { rules } from "./disks";

function nodeWith(id: string, roles: string[], disks: Disk[], more: Partial<Node> = {}): Node {
  return makeNode({ id, roles, hardware: makeHardware({ disks }), ...more });
}

const withNode = (node: Node) => makeState({ nodes: [...makeState().nodes, node] });

table(rules, "host-install-disk", [
  { name: "480 GB OS SSDs pass", state: makeState() },
  {
    name: "a compute node with only a 120 GB disk blocks with the sizes",
    state: withNode(
      nodeWith("cmp-9", ["compute"], [makeDisk({ name: "sda", sizeBytes: 120 * GB })]),
    ),
    expect: [
      {
        severity: "block",
        params: {
          node: "cmp-9",
          disk: "sda",
          size: "120 GB",
          minimum: "200 GB",
          roleMinimum: "200 GB",
          layoutMinimum: "79.96 GB",
          containersGiB: 50,
        },
        subjects: { nodes: ["cmp-9"] },
      },
    ],
  },
  {
    name: "an operator-chosen disk that is too small blocks, offering the disk Cairn would pick",
    state: withNode(
      nodeWith(
        "cmp-9",
        ["compute"],
        [
          makeDisk({ name: "sda", sizeBytes: 128 * GB }),
          makeDisk({ name: "sdb", sizeBytes: 960 * GB }),
        ],
        { osDisk: "sda" },
      ),
    ),
    expect: [
      {
        severity: "block",
        params: { disk: "sda", size: "128 GB", minimum: "200 GB" },
        fix: {
          action: "set-os-disk",
          params: { nodeId: "cmp-9", disk: "sdb" },
        },
      },
    ],
  },
  {
    name: "a node without roles is not judged",
    state: withNode(nodeWith("spare", [], [makeDisk({ name: "sda", sizeBytes: 32 * GB })])),
  },
  {
    name: "add-nodes judges only the added nodes",
    state: makeState({
      nodes: [
        nodeWith("old", ["compute"], [makeDisk({ name: "sda", sizeBytes: 32 * GB })]),
        nodeWith("new", ["compute"], [makeDisk({ name: "sda", sizeBytes: 64 * GB })]),
      ],
    }),
    intent: { kind: "add-nodes", nodeIds: ["new"] },
    expect: [
      {
        severity: "block",
        params: { node: "new", size: "64 GB" },
        subjects: { nodes: ["new"] },
      },
    ],
  },
]);

table(rules, "storage-has-osd-disk", [
  {
    name: "storage nodes with two 1.92 TB data disks pass",
    state: makeState(),
  },
  {
    name: "a storage node whose only other disk is too small blocks",
    state: withNode(
      nodeWith(
        "stor-9",
        ["storage"],
        [
          makeDisk({ name: "sda", sizeBytes: 480 * GB }),
          makeDisk({ name: "sdb", sizeBytes: 64 * GB }),
        ],
      ),
    ),
    // Only sda reaches the storage role's 100 GB install minimum, so the OS takes it; sdb is below the OSD minimum.
    expect: [
      {
        severity: "block",
        params: {
          node: "stor-9",
          needed: 1,
          found: 0,
          minimum: "100 GB",
          osDisk: "sda",
          others: "sdb 64 GB",
        },
      },
    ],
  },
  {
    name: "a removable disk does not count",
    state: withNode(
      nodeWith(
        "stor-9",
        ["storage"],
        [
          makeDisk({ name: "sda", sizeBytes: 480 * GB }),
          makeDisk({ name: "sdb", sizeBytes: 2 * TB, removable: true }),
        ],
      ),
    ),
    expect: [{ severity: "block", params: { found: 0, others: "-" } }],
  },
  {
    name: "a compute node without OSD disks is not judged",
    state: withNode(
      nodeWith("cmp-9", ["compute"], [makeDisk({ name: "sda", sizeBytes: 480 * GB })]),
    ),
  },
  {
    name: "giving the storage role to a single-disk node blocks",
    state: withNode(
      nodeWith("cmp-9", ["compute"], [makeDisk({ name: "sda", sizeBytes: 480 * GB })]),
    ),
    intent: {
      kind: "change-roles",
      assignments: [{ nodeId: "cmp-9", roles: ["storage"] }],
    },
    expect: [
      {
        severity: "block",
        params: { node: "cmp-9", found: 0, osDisk: "sda" },
        subjects: { nodes: ["cmp-9"] },
      },
    ],
  },
]);
