import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Network, Node } from "../model";
import {
  allocate,
  allocationNeed,
  broadcastAddress,
  cidrSize,
  compareNodeIds,
  contains,
  formatIp,
  isUsableHost,
  lastAddress,
  networkAddress,
  overlaps,
  parseCidr,
  parseIp,
  planAddresses,
  rangeSize,
} from "./ipam";

function net(overrides: Partial<Network> & { cidr: string }): Network {
  return {
    name: "management",
    vlan: null,
    mtu: 1500,
    ranges: [],
    vips: [],
    ...overrides,
  };
}

describe("parseCidr", () => {
  it.each([
    ["10.0.0.0/24", "10.0.0.0/24", 4, 256n],
    ["192.168.1.128/25", "192.168.1.128/25", 4, 128n],
    ["0.0.0.0/0", "0.0.0.0/0", 4, 4294967296n],
    ["10.1.2.3/32", "10.1.2.3/32", 4, 1n],
    ["FD00:0:0:1::/64", "fd00:0:0:1::/64", 6, 18446744073709551616n],
    ["2001:db8::/127", "2001:db8::/127", 6, 2n],
  ])("accepts %s", (text, canonical, family, size) => {
    const result = parseCidr(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.cidr.text).toBe(canonical);
    expect(result.cidr.family).toBe(family);
    expect(result.cidr.size).toBe(size);
  });

  it.each([
    ["", "empty", {}],
    ["10.0.0.0", "missing-prefix", { cidr: "10.0.0.0" }],
    ["10.0.0/24", "bad-address", { address: "10.0.0" }],
    ["10.0.0.256/24", "bad-address", { address: "10.0.0.256" }],
    ["010.0.0.0/24", "bad-address", { address: "010.0.0.0" }],
    ["10.0.0.0/33", "bad-prefix", { prefix: "33", maxPrefix: 32, family: 4 }],
    ["10.0.0.0/024", "bad-prefix", { prefix: "024" }],
    ["fd00::/129", "bad-prefix", { maxPrefix: 128, family: 6 }],
    ["10.0.0.5/24", "host-bits-set", { suggestion: "10.0.0.0/24" }],
    ["fd00::1/64", "host-bits-set", { suggestion: "fd00::/64" }],
    ["fe80::%eth0/64", "zone-id", { zone: "eth0" }],
  ])("refuses %s with reason %s", (text, code, params) => {
    const result = parseCidr(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.code).toBe(code);
    expect(result.problem.params).toMatchObject(params);
    expect(result.problem.message.en).not.toMatch(/\{\w+\}/);
    expect(result.problem.message["zh-CN"]).not.toMatch(/\{\w+\}/);
  });

  it("says what the network address would be in both languages", () => {
    const result = parseCidr("10.0.0.5/24");
    if (result.ok) throw new Error("expected a problem");
    expect(result.problem.message.en).toContain("10.0.0.0/24");
    expect(result.problem.message["zh-CN"]).toContain("10.0.0.0/24");
  });
});

describe("addresses and subnets", () => {
  it("parses only four-part decimal IPv4 and zone-less IPv6", () => {
    expect(parseIp("10.0.0.1")?.value).toBe(0x0a000001n);
    expect(parseIp("10")).toBeNull();
    expect(parseIp("0x0a.0.0.1")).toBeNull();
    expect(parseIp("1.2.3.4.5")).toBeNull();
    expect(parseIp("fe80::1%eth0")).toBeNull();
    expect(parseIp("FD00::0001")?.text).toBe("fd00::1");
    expect(formatIp(0x0a000001n, 4)).toBe("10.0.0.1");
  });

  it("checks containment per family", () => {
    expect(contains("10.0.0.0/24", "10.0.0.255")).toBe(true);
    expect(contains("10.0.0.0/24", "10.0.1.0")).toBe(false);
    expect(contains("fd00::/64", "fd00::ffff")).toBe(true);
    expect(contains("fd00::/64", "10.0.0.1")).toBe(false);
    expect(contains("not-a-cidr", "10.0.0.1")).toBe(false);
  });

  it("detects overlap", () => {
    expect(overlaps("10.0.0.0/16", "10.0.5.0/24")).toBe(true);
    expect(overlaps("10.0.0.0/24", "10.0.1.0/24")).toBe(false);
    expect(overlaps("10.0.0.0/24", "fd00::/64")).toBe(false);
    expect(overlaps("fd00::/48", "fd00:0:0:ff::/64")).toBe(true);
  });

  it("gives network, broadcast and sizes", () => {
    expect(networkAddress("10.0.0.0/22")).toBe("10.0.0.0");
    expect(broadcastAddress("10.0.0.0/22")).toBe("10.0.3.255");
    expect(broadcastAddress("fd00::/64")).toBeNull();
    expect(lastAddress("fd00::/64")).toBe("fd00::ffff:ffff:ffff:ffff");
    expect(cidrSize("10.0.0.0/22")).toBe(1024n);
    expect(rangeSize("10.0.0.10", "10.0.0.19")).toBe(10n);
    expect(rangeSize("10.0.0.19", "10.0.0.10")).toBeNull();
    expect(rangeSize("10.0.0.1", "fd00::1")).toBeNull();
  });

  it("knows usable hosts", () => {
    expect(isUsableHost("10.0.0.0/24", "10.0.0.0")).toBe(false);
    expect(isUsableHost("10.0.0.0/24", "10.0.0.255")).toBe(false);
    expect(isUsableHost("10.0.0.0/24", "10.0.0.1")).toBe(true);
    expect(isUsableHost("10.0.0.0/31", "10.0.0.0")).toBe(true);
    expect(isUsableHost("10.0.0.0/24", "10.0.1.1")).toBe(false);
    expect(isUsableHost("fd00::/64", "fd00::")).toBe(false);
    expect(isUsableHost("fd00::/64", "fd00::ffff:ffff:ffff:ffff")).toBe(true);
  });

  it("orders node ids naturally and deterministically", () => {
    expect(["node-10", "node-2", "node-1", "alpha"].sort(compareNodeIds)).toEqual([
      "alpha",
      "node-1",
      "node-2",
      "node-10",
    ]);
    expect(compareNodeIds("node-01", "node-1")).not.toBe(0);
  });
});

describe("allocate", () => {
  const mgmt = net({
    cidr: "10.0.0.0/28",
    gateway: "10.0.0.1",
    vips: [{ name: "internal", address: "10.0.0.3" }],
    ranges: [{ start: "10.0.0.8", end: "10.0.0.9", purpose: "dhcp" }],
  });

  it("hands out the lowest free addresses in node order, skipping gateway, VIPs and DHCP", () => {
    const result = allocate(mgmt, ["n-3", "n-1", "n-2", "n-10", "n-4", "n-5"]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.addresses).toEqual({
      "n-1": "10.0.0.2",
      "n-2": "10.0.0.4",
      "n-3": "10.0.0.5",
      "n-4": "10.0.0.6",
      "n-5": "10.0.0.7",
      "n-10": "10.0.0.10",
    });
  });

  it("keeps existing addresses and allocates around them", () => {
    const result = allocate(mgmt, ["a", "b"], { existing: { b: "10.0.0.2" } });
    expect(result.ok && result.addresses).toEqual({
      a: "10.0.0.4",
      b: "10.0.0.2",
    });
    expect(result.ok && result.allocated).toEqual(["a"]);
  });

  it("replaces an existing address that sits on the gateway", () => {
    const result = allocate(mgmt, ["a"], { existing: { a: "10.0.0.1" } });
    expect(result.ok && result.addresses).toEqual({ a: "10.0.0.2" });
  });

  it("allocates only from static ranges when the network has them", () => {
    const withPool = net({
      cidr: "10.0.0.0/24",
      ranges: [{ start: "10.0.0.200", end: "10.0.0.201", purpose: "static" }],
    });
    const ok = allocate(withPool, ["a", "b"]);
    expect(ok.ok && ok.addresses).toEqual({ a: "10.0.0.200", b: "10.0.0.201" });
    const short = allocate(withPool, ["a", "b", "c"]);
    expect(short).toEqual({
      ok: false,
      error: {
        code: "exhausted",
        network: "management",
        cidr: "10.0.0.0/24",
        needed: 3,
        available: 2,
      },
    });
  });

  it("reports exhaustion with the numbers", () => {
    // /28: 14 usable, minus gateway, VIP and two DHCP addresses = 10.
    const ids = Array.from({ length: 11 }, (_, i) => `n-${i}`);
    const result = allocate(mgmt, ids);
    expect(result).toEqual({
      ok: false,
      error: {
        code: "exhausted",
        network: "management",
        cidr: "10.0.0.0/28",
        needed: 11,
        available: 10,
      },
    });
    expect(allocationNeed(mgmt, ids)).toEqual({
      ok: true,
      needed: 11,
      available: 10,
    });
  });

  it("reports an invalid CIDR", () => {
    const result = allocate(net({ cidr: "10.0.0.1/24" }), ["a"]);
    expect(!result.ok && result.error.code).toBe("invalid-cidr");
  });

  it("allocates IPv6 without enumerating the subnet", () => {
    const v6 = net({ cidr: "fd00:1::/64", gateway: "fd00:1::1" });
    const result = allocate(v6, ["b", "a"]);
    expect(result.ok && result.addresses).toEqual({
      a: "fd00:1::2",
      b: "fd00:1::3",
    });
    expect(allocationNeed(v6, ["a"])).toEqual({
      ok: true,
      needed: 1,
      available: Number.MAX_SAFE_INTEGER,
    });
  });

  it("allocates from a /31 both addresses", () => {
    const p2p = net({ cidr: "10.9.0.0/31" });
    expect(allocate(p2p, ["a", "b"])).toMatchObject({
      ok: true,
      addresses: { a: "10.9.0.0", b: "10.9.0.1" },
    });
  });
});

describe("allocate properties", () => {
  const scenario = fc
    .record({
      third: fc.integer({ min: 0, max: 255 }),
      prefix: fc.integer({ min: 22, max: 28 }),
      gatewayOffset: fc.integer({ min: 1, max: 14 }),
      vipOffsets: fc.array(fc.integer({ min: 1, max: 14 }), { maxLength: 3 }),
      dhcp: fc.option(fc.tuple(fc.integer({ min: 1, max: 14 }), fc.integer({ min: 0, max: 6 }))),
      ids: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,3}-?[0-9]{0,3}$/), {
        minLength: 1,
        maxLength: 20,
      }),
    })
    .map(({ third, prefix, gatewayOffset, vipOffsets, dhcp, ids }) => {
      const base = (10n << 24n) | (BigInt(third) << 8n);
      const first = base & ~((1n << BigInt(32 - prefix)) - 1n);
      const at = (offset: number) => formatIp(first + BigInt(offset), 4);
      const network = net({
        cidr: `${formatIp(first, 4)}/${prefix}`,
        gateway: at(gatewayOffset),
        vips: vipOffsets.map((o, i) => ({ name: `vip-${i}`, address: at(o) })),
        ranges: dhcp
          ? [
              {
                start: at(dhcp[0]),
                end: at(dhcp[0] + dhcp[1]),
                purpose: "dhcp" as const,
              },
            ]
          : [],
      });
      return { network, ids, first, prefix };
    });

  it("gives unique usable addresses outside gateway, VIPs and DHCP, independent of input order", () => {
    fc.assert(
      fc.property(scenario, fc.integer(), ({ network, ids }, seed) => {
        const result = allocate(network, ids);
        const shuffled = [...ids].sort(
          (a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7) || (a < b ? 1 : -1),
        );
        const again = allocate(network, shuffled);
        expect(again).toEqual(result);
        if (!result.ok) {
          expect(result.error.code).toBe("exhausted");
          return;
        }
        const values = Object.values(result.addresses);
        expect(new Set(values).size).toBe(ids.length);
        const dhcp = network.ranges[0];
        const dhcpStart = dhcp && parseIp(dhcp.start)!.value;
        const dhcpEnd = dhcp && parseIp(dhcp.end)!.value;
        for (const address of values) {
          expect(isUsableHost(network.cidr, address)).toBe(true);
          expect(address).not.toBe(network.gateway);
          expect(network.vips.map((v) => v.address)).not.toContain(address);
          if (dhcpStart !== undefined && dhcpEnd !== undefined) {
            const v = parseIp(address)!.value;
            expect(v >= dhcpStart && v <= dhcpEnd).toBe(false);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("counts the same availability as allocate reports", () => {
    fc.assert(
      fc.property(scenario, ({ network, ids }) => {
        const need = allocationNeed(network, ids);
        const result = allocate(network, ids);
        if (!need.ok) throw new Error("scenario CIDRs are valid");
        expect(result.ok).toBe(need.available >= need.needed);
      }),
      { numRuns: 100 },
    );
  });
});

describe("planAddresses", () => {
  function node(id: string, addresses: Node["addresses"] = {}): Node {
    return {
      id,
      hostname: id,
      status: "ready",
      roles: [],
      tags: [],
      addresses,
      hardware: {
        cpu: {
          model: "x",
          arch: "x86_64",
          sockets: 1,
          cores: 4,
          threads: 8,
          flags: [],
          virtualization: "vmx",
        },
        memoryBytes: 2 ** 34,
        disks: [
          {
            name: "sda",
            sizeBytes: 1e11,
            type: "ssd",
            rotational: false,
            removable: false,
          },
        ],
        nics: [{ name: "eth0", mac: "52:54:00:00:00:01", addresses: [] }],
      },
    };
  }
  const networks: Network[] = [
    net({ name: "provisioning", cidr: "10.20.0.0/24", gateway: "10.20.0.1" }),
    net({ name: "management", cidr: "10.0.0.0/24", gateway: "10.0.0.1" }),
    net({ name: "pod", cidr: "10.244.0.0/16" }),
  ];

  it("addresses every node on node networks, keeps the DHCP range free, and skips pod", () => {
    const plan = planAddresses(networks, [node("b"), node("a", { management: "10.0.0.50" })], {
      dhcp: { start: "10.20.0.2", end: "10.20.0.99" },
    });
    expect(plan).toEqual({
      ok: true,
      errors: [],
      byNode: {
        a: { provisioning: "10.20.0.100", management: "10.0.0.50" },
        b: { provisioning: "10.20.0.101", management: "10.0.0.2" },
      },
    });
  });

  it("collects exhaustion per network", () => {
    const tiny = [net({ name: "management", cidr: "10.0.0.0/30" })];
    const plan = planAddresses(tiny, [node("a"), node("b"), node("c")]);
    expect(plan.ok).toBe(false);
    expect(plan.errors).toEqual([
      {
        code: "exhausted",
        network: "management",
        cidr: "10.0.0.0/30",
        needed: 3,
        available: 2,
      },
    ]);
  });

  it("does not depend on node order", () => {
    const nodes = [node("n-3"), node("n-1"), node("n-2")];
    expect(planAddresses(networks, nodes)).toEqual(planAddresses(networks, [...nodes].reverse()));
  });
});
