import { describe, expect, it } from "vitest";
import type { ClusterState, Network, NetworkName, Node } from "../../model";
import { defaultNetworks, makeNode, makeState, runRule } from "../testing";
import { table } from "../rule-table";
import { rules } from "./network";

function networks(patches: Partial<Record<NetworkName, Partial<Network> | null>>): Network[] {
  return defaultNetworks()
    .filter((n) => patches[n.name] !== null)
    .map((n) => ({ ...n, ...(patches[n.name] ?? {}) }));
}

const withNetworks = (
  patches: Partial<Record<NetworkName, Partial<Network> | null>>,
  extra: Partial<ClusterState> = {},
) => makeState({ networks: networks(patches), ...extra });

function nodesWith(
  count: number,
  roles: string[],
  addresses: (i: number) => Node["addresses"] = () => ({}),
): Node[] {
  return Array.from({ length: count }, (_, i) =>
    makeNode({ id: `n-${i + 1}`, roles, addresses: addresses(i + 1) }),
  );
}

table(rules, "network-cidr-valid", [
  { name: "the default networks pass", state: makeState() },
  {
    name: "host bits set block, with the network address as a fix",
    state: withNetworks({ storage: { cidr: "10.1.0.7/24" } }),
    expect: [
      {
        severity: "block",
        params: {
          network: "storage",
          cidr: "10.1.0.7/24",
          suggestion: "10.1.0.0/24",
        },
        subjects: { fields: ["networks.storage.cidr"] },
        fix: {
          action: "set-network",
          params: { network: "storage", field: "cidr", value: "10.1.0.0/24" },
        },
      },
    ],
  },
  {
    name: "a prefix out of range blocks with the limit",
    state: withNetworks({ tenant: { cidr: "fd00:2::/129" } }),
    expect: [
      {
        severity: "block",
        params: { network: "tenant", prefix: "129", maxPrefix: 128, family: 6 },
      },
    ],
  },
  {
    name: "a missing prefix blocks",
    state: withNetworks({ public: { cidr: "192.168.100.0" } }),
    expect: [
      {
        severity: "block",
        params: { network: "public", cidr: "192.168.100.0" },
      },
    ],
  },
]);

table(rules, "networks-no-overlap", [
  { name: "disjoint subnets pass", state: makeState() },
  {
    name: "IPv4 and IPv6 never overlap",
    state: withNetworks({ tenant: { cidr: "fd00:2::/64" } }),
  },
  {
    name: "storage inside management blocks",
    state: withNetworks({ management: { cidr: "10.0.0.0/15" } }),
    expect: [
      {
        severity: "block",
        params: {
          a: "management",
          aCidr: "10.0.0.0/15",
          b: "storage",
          bCidr: "10.1.0.0/24",
        },
      },
    ],
  },
  {
    name: "a pod network swallowing the tenant network blocks",
    state: withNetworks({ pod: { cidr: "10.2.0.0/16" } }),
    expect: [
      {
        severity: "block",
        params: {
          a: "tenant",
          aCidr: "10.2.0.0/24",
          b: "pod",
          bCidr: "10.2.0.0/16",
        },
      },
    ],
  },
]);

table(rules, "vip-in-subnet", [
  { name: "the default VIPs pass", state: makeState() },
  {
    name: "a VIP outside the subnet blocks",
    state: withNetworks({
      management: { vips: [{ name: "internal", address: "10.9.0.10" }] },
    }),
    expect: [
      {
        severity: "block",
        params: {
          vip: "internal",
          address: "10.9.0.10",
          network: "management",
          cidr: "10.0.0.0/24",
        },
        subjects: { fields: ["networks.management.vips[0].address"] },
      },
    ],
  },
  {
    name: "a VIP on the broadcast address blocks",
    state: withNetworks({
      public: { vips: [{ name: "public", address: "192.168.100.255" }] },
    }),
    expect: [
      {
        severity: "block",
        params: {
          address: "192.168.100.255",
          first: "192.168.100.1",
          last: "192.168.100.254",
        },
      },
    ],
  },
  {
    name: "a VIP on the gateway blocks",
    state: withNetworks({
      public: { vips: [{ name: "public", address: "192.168.100.1" }] },
    }),
    expect: [
      {
        severity: "block",
        params: { vip: "public", address: "192.168.100.1" },
      },
    ],
  },
  {
    name: "a VIP inside the provisioning DHCP range blocks",
    state: withNetworks({
      provisioning: { vips: [{ name: "pxe", address: "10.20.0.150" }] },
    }),
    expect: [
      {
        severity: "block",
        params: {
          vip: "pxe",
          rangeStart: "10.20.0.100",
          rangeEnd: "10.20.0.199",
        },
      },
    ],
  },
  {
    name: "a VIP that is not an address blocks",
    state: withNetworks({
      management: { vips: [{ name: "internal", address: "ten.zero" }] },
    }),
    expect: [{ severity: "block", params: { address: "ten.zero" } }],
  },
]);

table(rules, "network-gateway-in-subnet", [
  { name: "default gateways pass", state: makeState() },
  {
    name: "a gateway in another subnet blocks",
    state: withNetworks({ management: { gateway: "10.9.0.1" } }),
    expect: [
      {
        severity: "block",
        params: {
          network: "management",
          gateway: "10.9.0.1",
          cidr: "10.0.0.0/24",
        },
      },
    ],
  },
]);

table(rules, "network-range-valid", [
  { name: "the default floating range passes", state: makeState() },
  {
    name: "a range running past the subnet blocks",
    state: withNetworks({
      public: {
        ranges: [
          {
            start: "192.168.100.100",
            end: "192.168.101.10",
            purpose: "floating",
          },
        ],
      },
    }),
    expect: [
      {
        severity: "block",
        params: {
          network: "public",
          purpose: "floating",
          start: "192.168.100.100",
          end: "192.168.101.10",
        },
      },
    ],
  },
  {
    name: "a static range overlapping the floating range blocks",
    state: withNetworks({
      public: {
        ranges: [
          {
            start: "192.168.100.100",
            end: "192.168.100.250",
            purpose: "floating",
          },
          {
            start: "192.168.100.20",
            end: "192.168.100.120",
            purpose: "static",
          },
        ],
      },
    }),
    expect: [
      {
        severity: "block",
        params: {
          purpose: "static",
          otherPurpose: "floating",
          otherStart: "192.168.100.100",
        },
      },
    ],
  },
]);

table(rules, "node-address-valid", [
  { name: "allocated addresses pass", state: makeState() },
  {
    name: "an address outside the subnet blocks",
    state: makeState({
      nodes: [
        makeNode({
          id: "n-1",
          roles: ["compute"],
          addresses: { management: "10.5.0.3" },
        }),
      ],
    }),
    expect: [
      {
        severity: "block",
        params: {
          node: "n-1",
          network: "management",
          address: "10.5.0.3",
          cidr: "10.0.0.0/24",
        },
      },
    ],
  },
  {
    name: "two nodes on one address block, naming both",
    state: makeState({
      nodes: [
        makeNode({ id: "n-1", addresses: { storage: "10.1.0.5" } }),
        makeNode({ id: "n-2", addresses: { storage: "10.1.0.5" } }),
      ],
    }),
    expect: [
      {
        severity: "block",
        params: { node: "n-2", other: "n-1", address: "10.1.0.5" },
        subjects: { nodes: ["n-1", "n-2"] },
      },
    ],
  },
  {
    name: "a node on the VIP blocks",
    state: makeState({
      nodes: [makeNode({ id: "n-1", addresses: { management: "10.0.0.10" } })],
    }),
    expect: [{ severity: "block", params: { node: "n-1", other: "VIP internal" } }],
  },
  {
    name: "add-nodes judges only the added nodes",
    state: makeState({
      nodes: [
        makeNode({ id: "old", addresses: { management: "10.5.0.3" } }),
        makeNode({ id: "new", addresses: { management: "10.0.0.50" } }),
      ],
    }),
    intent: { kind: "add-nodes", nodeIds: ["new"] },
  },
]);

table(rules, "node-has-management-address", [
  { name: "nodes with addresses pass", state: makeState() },
  {
    name: "nodes without addresses pass while the pool can hold them",
    state: makeState({ nodes: nodesWith(20, ["compute"]) }),
  },
  {
    name: "more nodes than a /28 holds block with the numbers",
    state: withNetworks(
      {
        management: {
          cidr: "10.0.0.0/28",
          vips: [{ name: "internal", address: "10.0.0.10" }],
        },
      },
      { nodes: nodesWith(14, ["compute"]) },
    ),
    // /28: 14 usable − gateway − VIP = 12 free.
    expect: [
      {
        severity: "block",
        params: { count: 14, available: 12, cidr: "10.0.0.0/28" },
      },
    ],
  },
  {
    name: "no management network blocks",
    state: withNetworks({ management: null }),
    expect: [{ severity: "block", params: { count: 9 } }],
  },
]);

table(rules, "network-pool-exhausted", [
  { name: "default networks hold the nodes", state: makeState() },
  {
    name: "a provisioning /27 with a wide DHCP range blocks",
    state: withNetworks(
      { provisioning: { cidr: "10.20.0.0/27", gateway: "10.20.0.1" } },
      {
        settings: {
          ...makeState().settings,
          dhcp: { start: "10.20.0.2", end: "10.20.0.25" },
        },
      },
    ),
    // 30 usable − gateway − 24 DHCP = 5 free for 9 nodes.
    expect: [
      {
        severity: "block",
        params: { network: "provisioning", needed: 9, available: 5 },
      },
    ],
  },
  {
    name: "a full storage network blocks",
    state: withNetworks({ storage: { cidr: "10.1.0.0/29" } }, { nodes: nodesWith(8, ["compute"]) }),
    expect: [
      {
        severity: "block",
        params: {
          network: "storage",
          cidr: "10.1.0.0/29",
          needed: 8,
          available: 6,
        },
      },
    ],
  },
]);

table(rules, "public-pool-size", [
  { name: "3 controllers fit the default public network", state: makeState() },
  {
    name: "a floating range leaving too few host addresses blocks",
    state: withNetworks({
      public: {
        cidr: "192.168.100.0/28",
        gateway: "192.168.100.1",
        ranges: [
          {
            start: "192.168.100.4",
            end: "192.168.100.14",
            purpose: "floating",
          },
        ],
      },
    }),
    // 14 usable − gateway − VIP .10 (inside the floating range) − 11 floating = 2 free; 3 controllers need 3.
    expect: [
      {
        severity: "block",
        params: { available: 2, nodes: 3, vips: 1, needed: 3 },
      },
    ],
  },
  {
    name: "no floating range warns",
    state: withNetworks({ public: { ranges: [] } }),
    expect: [{ severity: "warn", params: { cidr: "192.168.100.0/24" } }],
  },
]);

table(rules, "mtu-consistent", [
  { name: "storage jumbo frames on their own VLAN pass", state: makeState() },
  {
    name: "storage and tenant on one VLAN with different MTUs block",
    state: withNetworks({ tenant: { vlan: 102 } }),
    expect: [
      {
        severity: "block",
        params: {
          network: "storage",
          mtu: 9000,
          other: "tenant",
          otherMtu: 1500,
          vlan: 102,
        },
      },
    ],
  },
  {
    name: "routed jumbo frames warn",
    state: withNetworks({ storage: { gateway: "10.1.0.1" } }),
    expect: [
      {
        severity: "warn",
        params: { network: "storage", mtu: 9000, gateway: "10.1.0.1" },
      },
    ],
  },
]);

describe("network rules at scale", () => {
  it("finds no false blockers in a valid 5,000-node cluster", () => {
    const big = withNetworks(
      {
        provisioning: { cidr: "10.20.0.0/16", gateway: "10.20.0.1" },
        management: { cidr: "10.0.0.0/16", gateway: "10.0.0.1" },
        storage: { cidr: "10.1.0.0/16" },
        tenant: { cidr: "10.2.0.0/16" },
        pod: { cidr: "10.128.0.0/14" },
        service: { cidr: "10.96.0.0/16" },
      },
      {
        nodes: Array.from({ length: 5000 }, (_, i) =>
          makeNode({
            id: `n-${i}`,
            roles: ["compute"],
            addresses: {
              management: `10.0.${(i + 100) >> 8}.${(i + 100) & 255}`,
              storage: `10.1.${(i + 100) >> 8}.${(i + 100) & 255}`,
            },
          }),
        ),
        settings: {
          ...makeState().settings,
          dhcp: { start: "10.20.100.0", end: "10.20.199.255" },
        },
      },
    );
    // Speed is measured by `npm run bench` (constraints scenario), not here: this asserts that a
    // large valid cluster produces no false blockers.
    const findings = rules.flatMap((rule) => runRule(rule, big));
    expect(findings.filter((f) => f.severity === "block")).toEqual([]);
  });
});
