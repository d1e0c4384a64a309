import { describe, expect, it } from "vitest";
import type { ClusterState, Intent, Network, Node, Settings } from "../../model";
import {
  defaultNetworks,
  makeHardware,
  makeNic,
  makeNode,
  makeState,
  pick,
  runRule,
} from "../testing";
import { table } from "../rule-table";
import { rules } from "./dhcp";

const base = makeState();
const withDhcp = (start: string, end: string, extra: Partial<ClusterState> = {}) =>
  makeState({ settings: { ...base.settings, dhcp: { start, end } }, ...extra });

function provisioning(patch: Partial<Network>): Network[] {
  return defaultNetworks().map((n) => (n.name === "provisioning" ? { ...n, ...patch } : n));
}

const changeDhcp = (start: string, end: string): Intent => ({
  kind: "change-settings",
  settings: { dhcp: { start, end } } as Partial<Settings>,
});

table(rules, "dhcp-range-valid", [
  { name: "the default range passes", state: base },
  {
    name: "an unset range blocks",
    state: withDhcp("", ""),
    expect: [{ severity: "block", params: {} }],
  },
  {
    name: "an end that is not an address blocks",
    state: withDhcp("10.20.0.100", "10.20.0.300"),
    expect: [
      {
        severity: "block",
        params: { value: "10.20.0.300" },
        subjects: { fields: ["settings.dhcp.end"] },
      },
    ],
  },
  {
    name: "an IPv6 range on an IPv4 subnet blocks",
    state: withDhcp("fd00::10", "fd00::20"),
    expect: [
      {
        severity: "block",
        params: { family: 4, rangeFamily: 6, cidr: "10.20.0.0/24" },
      },
    ],
  },
  {
    name: "a reversed range blocks, with a swap fix",
    state: withDhcp("10.20.0.199", "10.20.0.100"),
    expect: [
      {
        severity: "block",
        params: { start: "10.20.0.199", end: "10.20.0.100" },
        fix: {
          action: "set-setting",
          params: {
            path: "dhcp",
            value: { start: "10.20.0.100", end: "10.20.0.199" },
          },
        },
      },
    ],
  },
  {
    name: "a range leaving the subnet blocks",
    state: withDhcp("10.20.0.100", "10.20.1.20"),
    expect: [
      {
        severity: "block",
        params: {
          cidr: "10.20.0.0/24",
          first: "10.20.0.1",
          last: "10.20.0.254",
        },
      },
    ],
  },
  {
    name: "a range over the gateway and the broadcast address blocks twice",
    state: withDhcp("10.20.0.1", "10.20.0.255"),
    expect: [
      {
        severity: "block",
        params: { address: "10.20.0.1", cidr: "10.20.0.0/24" },
      },
      {
        severity: "block",
        params: {
          address: "10.20.0.255",
          cidr: "10.20.0.0/24",
          last: "10.20.0.254",
        },
      },
    ],
  },
]);

table(rules, "dhcp-range-no-overlap", [
  { name: "the default range passes", state: base },
  {
    name: "a static range inside the DHCP range blocks",
    state: makeState({
      networks: provisioning({
        ranges: [{ start: "10.20.0.150", end: "10.20.0.160", purpose: "static" }],
      }),
    }),
    expect: [
      {
        severity: "block",
        params: {
          purpose: "static",
          otherStart: "10.20.0.150",
          otherEnd: "10.20.0.160",
        },
      },
    ],
  },
  {
    name: "a VIP inside the DHCP range blocks",
    state: makeState({
      networks: provisioning({
        vips: [{ name: "pxe", address: "10.20.0.120" }],
      }),
    }),
    expect: [{ severity: "block", params: { vip: "pxe", address: "10.20.0.120" } }],
  },
  {
    name: "fixed node addresses inside the DHCP range block with the count",
    state: makeState({
      nodes: [
        makeNode({ id: "n-1", addresses: { provisioning: "10.20.0.101" } }),
        makeNode({ id: "n-2", addresses: { provisioning: "10.20.0.20" } }),
        makeNode({ id: "n-3", addresses: { provisioning: "10.20.0.150" } }),
      ],
    }),
    expect: [
      {
        severity: "block",
        params: { count: 2, nodes: "n-1, n-3" },
        subjects: { nodes: ["n-1", "n-3"] },
      },
    ],
  },
]);

function nodes(count: number): Node[] {
  return Array.from({ length: count }, (_, i) =>
    makeNode({ id: `n-${i + 1}`, roles: ["compute"] }),
  );
}

table(rules, "dhcp-range-size", [
  { name: "100 addresses for 9 nodes pass", state: base },
  {
    name: "fewer than two addresses per node warn, with a larger end as the fix",
    state: withDhcp("10.20.0.100", "10.20.0.109", { nodes: nodes(8) }),
    expect: [
      {
        severity: "warn",
        params: { size: 10, nodes: 8, wanted: 16, perNode: 2 },
        fix: {
          action: "set-setting",
          params: { path: "dhcp.end", value: "10.20.0.115" },
        },
      },
    ],
  },
  {
    name: "fewer addresses than nodes block",
    state: withDhcp("10.20.0.100", "10.20.0.104", { nodes: nodes(8) }),
    expect: [
      {
        severity: "block",
        params: { size: 5, nodes: 8, wanted: 16 },
        fix: { params: { value: "10.20.0.115" } },
      },
    ],
  },
  {
    name: "no fix when the subnet cannot hold the range",
    state: withDhcp("10.20.0.250", "10.20.0.253", { nodes: nodes(4) }),
    expect: [{ severity: "warn", params: { size: 4, wanted: 8 } }],
  },
]);

describe("dhcp-range-size fix", () => {
  it("is offered only when the larger range fits the subnet", () => {
    const [finding] = runRule(
      pick(rules, "dhcp-range-size"),
      withDhcp("10.20.0.250", "10.20.0.253", { nodes: nodes(4) }),
    );
    expect(finding?.fix).toBeUndefined();
  });
});

function leasedNode(id: string, address: string): Node {
  return makeNode({
    id,
    status: "discovered",
    hardware: makeHardware({
      nics: [
        makeNic({
          name: "eno1",
          mac: "52:54:00:00:00:01",
          pxe: true,
          addresses: [`${address}/24`],
        }),
      ],
    }),
  });
}

table(rules, "dhcp-shrink-orphans-leases", [
  {
    name: "growing the range passes",
    state: makeState({ nodes: [leasedNode("n-1", "10.20.0.150")] }),
    intent: changeDhcp("10.20.0.100", "10.20.0.220"),
  },
  {
    name: "shrinking past a leased address blocks",
    state: makeState({
      nodes: [
        leasedNode("n-1", "10.20.0.150"),
        leasedNode("n-2", "10.20.0.105"),
        leasedNode("n-3", "10.20.0.30"),
      ],
    }),
    intent: changeDhcp("10.20.0.100", "10.20.0.140"),
    expect: [
      {
        severity: "block",
        params: {
          start: "10.20.0.100",
          end: "10.20.0.140",
          oldStart: "10.20.0.100",
          oldEnd: "10.20.0.199",
          count: 1,
          nodes: "n-1",
        },
        subjects: { nodes: ["n-1"] },
      },
    ],
  },
]);

describe("dhcp-shrink-orphans-leases", () => {
  it("guards only settings changes", () => {
    expect(pick(rules, "dhcp-shrink-orphans-leases").operations).toEqual(["change-settings"]);
  });
});
