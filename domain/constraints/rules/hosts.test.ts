import { describe, expect, it } from "vitest";
import type { Node } from "../../model";
import { TEST_NOW, makeHardware, makeNic, makeNode, makeState } from "../testing";
import { table } from "../rule-table";
import { isValidHostname, rules, suggestHostname } from "./hosts";

const plus = (...extra: Node[]) => makeState({ nodes: [...makeState().nodes, ...extra] });

describe("hostname helpers", () => {
  it.each([
    ["node-1", true],
    ["node-1.dc1.example.com", true],
    ["Node-1", false],
    ["-node", false],
    ["node_1", false],
    ["a".repeat(63), true],
    ["a".repeat(64), false],
    ["", false],
  ])("%s valid: %s", (name, valid) => expect(isValidHostname(name)).toBe(valid));

  it("suggests a valid name", () => {
    for (const name of ["Node_1", "--x--", "ÜBER.host", "a".repeat(80), "..."]) {
      expect(isValidHostname(suggestHostname(name))).toBe(true);
    }
    expect(suggestHostname("Compute_01")).toBe("compute-01");
  });
});

table(rules, "hostname-valid-unique", [
  { name: "distinct valid names pass", state: makeState() },
  {
    name: "an uppercase name with an underscore blocks and offers a rename",
    state: plus(makeNode({ id: "n1", hostname: "Compute_01" })),
    expect: [
      {
        severity: "block",
        params: { hostname: "Compute_01", suggestion: "compute-01" },
        fix: { action: "set-hostname", params: { nodeId: "n1", hostname: "compute-01" } },
      },
    ],
  },
  {
    name: "a 64-character label blocks",
    state: plus(makeNode({ id: "n1", hostname: "a".repeat(64) })),
    expect: [{ severity: "block", params: { suggestion: "a".repeat(63) } }],
  },
  {
    name: "a duplicate name blocks once for the group",
    state: plus(makeNode({ id: "n1", hostname: "cmp-1" })),
    expect: [
      {
        severity: "block",
        params: { hostname: "cmp-1", count: 2, ids: "cmp-1, n1" },
        subjects: { nodes: ["cmp-1", "n1"] },
      },
    ],
  },
]);

const minutesAgo = (m: number) => TEST_NOW - m * 60_000;

table(rules, "host-agent-connected", [
  { name: "nodes described in a file (no heartbeat) pass", state: makeState() },
  {
    name: "a heartbeat 2 minutes ago passes",
    state: plus(makeNode({ id: "n1", lastHeartbeatAt: minutesAgo(2) })),
  },
  {
    name: "a node in maintenance may be silent",
    state: plus(makeNode({ id: "n1", status: "maintenance", lastHeartbeatAt: minutesAgo(30) })),
    intent: { kind: "deploy" },
  },
  {
    name: "10 minutes of silence blocks a deploy",
    state: plus(makeNode({ id: "n1", hostname: "cmp-9", lastHeartbeatAt: minutesAgo(10) })),
    intent: { kind: "deploy" },
    expect: [
      {
        severity: "block",
        params: { count: 1, timeoutMin: 3, minutes: 10, hosts: "cmp-9" },
        subjects: { nodes: ["n1"] },
      },
    ],
  },
  {
    name: "the wizard's live check only warns",
    state: plus(makeNode({ id: "n1", lastHeartbeatAt: minutesAgo(4) })),
    expect: [{ severity: "warn", params: { count: 1, minutes: 4 } }],
  },
  {
    name: "leaving maintenance for a silent node blocks",
    state: plus(makeNode({ id: "n1", status: "maintenance", lastHeartbeatAt: minutesAgo(20) })),
    intent: { kind: "exit-maintenance", nodeIds: ["n1"] },
    expect: [{ severity: "block", params: { count: 1, minutes: 20 } }],
  },
]);

const withOffsets = (offsets: Record<string, number>) =>
  makeState({
    nodes: makeState().nodes.map((n) =>
      n.id in offsets ? { ...n, clockOffsetSeconds: offsets[n.id] } : n,
    ),
  });

table(rules, "host-clock-skew", [
  { name: "small offsets pass", state: withOffsets({ "ctrl-1": 1.5, "cmp-1": -30, "stor-1": 90 }) },
  {
    name: "+150 s and -150 s are 300 s apart",
    state: withOffsets({ "ctrl-1": 150, "cmp-2": -150 }),
    intent: { kind: "deploy" },
    expect: [
      {
        severity: "block",
        params: {
          gap: 300,
          max: 240,
          fastHost: "ctrl-1",
          fastOffset: "+150",
          slowHost: "cmp-2",
          slowOffset: "-150",
        },
        subjects: { nodes: ["ctrl-1", "cmp-2"] },
      },
    ],
  },
  {
    name: "one node 5 minutes ahead of the server",
    state: withOffsets({ "stor-3": 301 }),
    expect: [
      {
        severity: "block",
        params: { gap: 301, fastHost: "stor-3", slowHost: "Cairn", slowOffset: "0" },
        subjects: { nodes: ["stor-3"] },
      },
    ],
  },
]);

table(rules, "host-mac-unique", [
  { name: "distinct MACs pass", state: makeState() },
  {
    name: "a cloned VM with the same MAC blocks",
    state: (() => {
      const original = makeState().nodes[3]!;
      const mac = original.hardware.nics[0]!.mac;
      const clone = makeNode({
        id: "clone",
        hostname: "cmp-1-clone",
        hardware: makeHardware({ nics: [makeNic({ name: "eno1", mac: mac.toUpperCase() })] }),
      });
      return plus(clone);
    })(),
    expect: [
      {
        severity: "block",
        params: { count: 2, hosts: "cmp-1/eno1, cmp-1-clone/eno1" },
        subjects: { nodes: ["cmp-1", "clone"] },
      },
    ],
  },
]);
