import type { ClusterState, LicenseClaims } from "../../model";
import { TEST_NOW, defaultLicense, makeHardware, makeNode, makeState } from "../testing";
import { table } from "../rule-table";
import { rules } from "./license";

const withLicense = (claims: Partial<LicenseClaims>, extra: Partial<ClusterState> = {}) =>
  makeState({ license: { ...defaultLicense(), ...claims }, ...extra });
const day = 24 * 3600;
const nowS = TEST_NOW / 1000;

table(rules, "license-present", [
  { name: "a loaded license passes", state: makeState(), intent: { kind: "deploy" } },
  {
    name: "no license blocks a deploy",
    state: makeState({ license: null }),
    intent: { kind: "deploy" },
    expect: [{ severity: "block", params: { count: 9 } }],
  },
  {
    name: "the wizard's live check warns",
    state: makeState({ license: null }),
    expect: [{ severity: "warn", params: { count: 9 } }],
  },
  {
    name: "removing nodes does not need a license",
    state: makeState({ license: null }),
    intent: { kind: "remove-nodes", nodeIds: ["cmp-3"] },
  },
]);

table(rules, "license-expired", [
  { name: "valid for another year passes", state: makeState() },
  {
    name: "expired 14 days ago blocks adding nodes",
    state: withLicense({ expiresAt: nowS - 14 * day }),
    intent: { kind: "add-nodes", nodeIds: ["cmp-3"] },
    expect: [
      {
        severity: "block",
        params: { licenseId: "LIC-2025-0001", expiresOn: "2026-01-01", days: 14 },
      },
    ],
  },
  {
    name: "expired does not stop maintenance",
    state: withLicense({ expiresAt: nowS - 14 * day }),
    intent: { kind: "enter-maintenance", nodeIds: ["cmp-3"] },
  },
  {
    name: "expiring in 10 days warns",
    state: withLicense({ expiresAt: nowS + 10 * day }),
    expect: [{ severity: "warn", params: { expiresOn: "2026-01-25", days: 10 } }],
  },
]);

table(rules, "license-not-yet-valid", [
  { name: "already valid passes", state: makeState() },
  {
    name: "valid only from next month blocks",
    state: withLicense({ notBefore: Date.UTC(2026, 1, 1) / 1000 }),
    intent: { kind: "deploy" },
    expect: [{ severity: "block", params: { validFrom: "2026-02-01", days: 17 } }],
  },
]);

const extraNodes = (count: number) =>
  Array.from({ length: count }, (_, i) => makeNode({ id: `new-${i + 1}`, roles: ["compute"] }));

table(rules, "license-node-limit", [
  { name: "9 nodes of 100 pass", state: makeState() },
  {
    name: "adding 3 nodes needs 12, the license allows 10",
    state: withLicense({ maxNodes: 10 }, { nodes: [...makeState().nodes, ...extraNodes(3)] }),
    intent: { kind: "add-nodes", nodeIds: ["new-1", "new-2", "new-3"] },
    expect: [
      {
        severity: "block",
        params: { added: 3, count: 12, max: 10, room: 1 },
        subjects: { nodes: ["new-1", "new-2", "new-3"] },
      },
    ],
  },
  {
    name: "a wizard topology above the limit blocks",
    state: withLicense({ maxNodes: 8 }),
    expect: [{ severity: "block", params: { count: 9, max: 8, excess: 1 } }],
  },
]);

table(rules, "license-socket-limit", [
  { name: "18 sockets of 200 pass", state: makeState() },
  {
    name: "18 sockets against 16 block",
    state: withLicense({ maxCpuSockets: 16 }),
    expect: [{ severity: "block", params: { sockets: 18, max: 16, nodes: 9, excess: 2 } }],
  },
  {
    name: "adding two dual-socket nodes to a 19-socket license",
    state: withLicense({ maxCpuSockets: 19 }, { nodes: [...makeState().nodes, ...extraNodes(2)] }),
    intent: { kind: "add-nodes", nodeIds: ["new-1", "new-2"] },
    expect: [{ severity: "block", params: { added: 2, sockets: 22, max: 19, room: 1 } }],
  },
]);

table(rules, "license-region-limit", [
  { name: "1 region of 3 passes", state: makeState() },
  {
    name: "4 regions of 3 block",
    state: withLicense({}, { region: { name: "shanghai-2", deployed: false, regionCount: 4 } }),
    expect: [{ severity: "block", params: { regions: 4, max: 3 } }],
  },
]);

const kunpeng = makeHardware({
  cpu: {
    model: "Kunpeng-920 (HiSilicon)",
    arch: "aarch64",
    sockets: 2,
    cores: 96,
    threads: 96,
    flags: [],
    virtualization: "kvm",
  },
});

table(rules, "license-feature", [
  { name: "no HCI and no Arm pass without features", state: withLicense({ features: [] }) },
  {
    name: "HCI nodes need the hci feature",
    state: withLicense(
      { features: ["aarch64"] },
      { nodes: [...makeState().nodes, makeNode({ id: "h1", roles: ["hci"] })] },
    ),
    expect: [
      {
        severity: "block",
        params: { feature: "hci", count: 1, hosts: "h1" },
        subjects: { nodes: ["h1"] },
      },
    ],
  },
  {
    name: "Arm nodes need the aarch64 feature",
    state: withLicense(
      { features: ["hci"] },
      {
        nodes: [
          ...makeState().nodes,
          makeNode({ id: "a1", roles: ["compute"], hardware: kunpeng }),
        ],
      },
    ),
    expect: [{ severity: "block", params: { feature: "aarch64", count: 1 } }],
  },
]);
