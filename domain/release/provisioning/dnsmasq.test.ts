import { describe, expect, it } from "vitest";
import type { Network } from "../../model";
import { HostConfigError } from "../host/managed";
import {
  clusterSlug,
  parseLeases,
  provisioningFiles,
  provisioningInputFrom,
  provisioningInterface,
  removeNodeFromLeases,
  removeNodesFromLeases,
  type ProvisioningInput,
} from "./dnsmasq";

const network: Network = {
  name: "provisioning",
  cidr: "10.20.0.0/24",
  vlan: null,
  gateway: "10.20.0.1",
  mtu: 1500,
  ranges: [],
  vips: [],
};

function input(over: Partial<ProvisioningInput> = {}): ProvisioningInput {
  return {
    cluster: { id: "c1", name: "Edge 1", releaseId: "cairn-2026.1" },
    settings: {
      dhcp: { start: "10.20.0.100", end: "10.20.0.199" },
      dns: { servers: ["10.0.0.2"], domain: "cloud.internal" },
    },
    network,
    server: { hostname: "boot", address: "10.20.0.2", interface: "eno1" },
    nodes: [
      {
        id: "n10",
        hostname: "node-10",
        addresses: { provisioning: "10.20.0.12" },
        provisioningMac: "52:54:00:00:00:0A",
      },
      {
        id: "n2",
        hostname: "node-2",
        addresses: { provisioning: "10.20.0.11" },
        provisioningMac: "52:54:00:00:00:02",
      },
      { id: "n3", hostname: "node-3", addresses: { provisioning: "10.20.0.13" } },
    ],
    ...over,
  };
}

const HEADER = "# Managed by Cairn: local changes are overwritten on the next deploy.";

describe("provisioningFiles", () => {
  it("writes the configuration, ethers and hosts files of a small cluster", () => {
    const files = provisioningFiles(input());
    expect(files.paths).toEqual({
      conf: "etc/dnsmasq.d/cairn-edge-1.conf",
      ethers: "etc/cairn/dnsmasq/edge-1/ethers",
      hosts: "etc/cairn/dnsmasq/edge-1/hosts",
    });
    expect(files.conf).toBe(
      [
        HEADER,
        "# Provisioning network of cluster Edge 1 (c1), release cairn-2026.1.",
        "# Served by boot (10.20.0.2) on eno1.",
        "",
        "interface=eno1",
        "bind-dynamic",
        "dhcp-authoritative",
        "domain=cloud.internal,10.20.0.0/24",
        "dhcp-range=set:cairn-edge-1,10.20.0.100,10.20.0.199,255.255.255.0,12h",
        "dhcp-option=tag:cairn-edge-1,option:router,10.20.0.1",
        "",
        "# PXE: the firmware loads iPXE over TFTP, and iPXE loads boot.ipxe (the discovery image).",
        "enable-tftp",
        "tftp-root=/var/lib/cairn/tftp",
        "dhcp-match=set:cairn-efi-x86_64,option:client-arch,7",
        "dhcp-match=set:cairn-efi-x86_64,option:client-arch,9",
        "dhcp-match=set:cairn-efi-aarch64,option:client-arch,11",
        "dhcp-userclass=set:cairn-ipxe,iPXE",
        "dhcp-boot=tag:cairn-edge-1,tag:cairn-ipxe,boot.ipxe",
        "dhcp-boot=tag:cairn-edge-1,tag:!cairn-ipxe,tag:cairn-efi-x86_64,x86_64/ipxe.efi",
        "dhcp-boot=tag:cairn-edge-1,tag:!cairn-ipxe,tag:cairn-efi-aarch64,aarch64/ipxe.efi",
        "dhcp-boot=tag:cairn-edge-1,tag:!cairn-ipxe,tag:!cairn-efi-x86_64,tag:!cairn-efi-aarch64,x86_64/undionly.kpxe",
        "",
        "# Fixed addresses: one per node (MAC, address, host name).",
        "dhcp-host=52:54:00:00:00:02,10.20.0.11,node-2",
        "dhcp-host=52:54:00:00:00:0a,10.20.0.12,node-10",
        "",
        "addn-hosts=/etc/cairn/dnsmasq/edge-1/hosts",
        "",
      ].join("\n"),
    );
    expect(files.ethers).toBe(
      [
        HEADER,
        "# Provisioning MACs of cluster Edge 1: MAC address, then IP address.",
        "52:54:00:00:00:02 10.20.0.11",
        "52:54:00:00:00:0a 10.20.0.12",
        "",
      ].join("\n"),
    );
    expect(files.hosts).toBe(
      [
        HEADER,
        "# Names of cluster Edge 1 on its provisioning network.",
        "10.20.0.11 node-2.cloud.internal node-2",
        "10.20.0.13 node-3.cloud.internal node-3",
        "10.20.0.12 node-10.cloud.internal node-10",
        "",
      ].join("\n"),
    );
    expect(files.skipped).toEqual([
      { hostname: "node-3", reason: "no provisioning MAC: no DHCP reservation or ethers line" },
    ]);
  });

  it("leaves a removed node out of all three files and changes no other line", () => {
    const before = provisioningFiles(input());
    const after = provisioningFiles(input({ removed: [{ id: "n10" }] }));
    const dropped = (a: string, b: string) => {
      const kept = new Set(b.split("\n"));
      return a.split("\n").filter((l) => !kept.has(l));
    };
    const added = (a: string, b: string) => dropped(b, a);
    expect(dropped(before.conf, after.conf)).toEqual([
      "dhcp-host=52:54:00:00:00:0a,10.20.0.12,node-10",
    ]);
    expect(added(before.conf, after.conf)).toEqual([]);
    expect(dropped(before.ethers, after.ethers)).toEqual(["52:54:00:00:00:0a 10.20.0.12"]);
    expect(dropped(before.hosts, after.hosts)).toEqual([
      "10.20.0.12 node-10.cloud.internal node-10",
    ]);
    expect(added(before.ethers, after.ethers)).toEqual([]);
    expect(added(before.hosts, after.hosts)).toEqual([]);
  });

  it("gives the same files whatever the order of the nodes", () => {
    const nodes = input().nodes;
    expect(provisioningFiles(input({ nodes: [...nodes].reverse() }))).toEqual(
      provisioningFiles(input()),
    );
  });

  it("sends no router on a network without a gateway", () => {
    const conf = provisioningFiles(input({ network: { ...network, gateway: undefined } })).conf;
    expect(conf).toContain("\ndhcp-option=tag:cairn-edge-1,option:router\n");
  });

  it("writes IPv6 ranges with a prefix length, reservations in brackets, and no PXE", () => {
    const files = provisioningFiles(
      input({
        network: { ...network, cidr: "fd00:20::/64", gateway: undefined },
        settings: {
          dhcp: { start: "fd00:20::100", end: "fd00:20::1ff" },
          dns: { servers: [], domain: "cloud.internal" },
        },
        server: { hostname: "boot", address: "fd00:20::2", interface: "eno1" },
        nodes: [
          {
            id: "n1",
            hostname: "node-1",
            addresses: { provisioning: "fd00:20::11" },
            provisioningMac: "52:54:00:00:00:01",
          },
        ],
      }),
    );
    expect(files.conf).toContain(
      "\ndhcp-range=set:cairn-edge-1,fd00:20::100,fd00:20::1ff,64,12h\n",
    );
    expect(files.conf).toContain("\ndhcp-host=52:54:00:00:00:01,[fd00:20::11],node-1\n");
    expect(files.conf).not.toContain("dhcp-boot");
    expect(files.conf).not.toContain("option:router");
  });

  it.each([
    [
      "a DHCP range outside the network",
      {
        settings: {
          dhcp: { start: "10.21.0.1", end: "10.20.0.9" },
          dns: { servers: [], domain: "c.internal" },
        },
      },
      "settings.dhcp.start",
    ],
    [
      "a DHCP range backwards",
      {
        settings: {
          dhcp: { start: "10.20.0.9", end: "10.20.0.5" },
          dns: { servers: [], domain: "c.internal" },
        },
      },
      "settings.dhcp",
    ],
    [
      "a bad domain",
      {
        settings: {
          dhcp: { start: "10.20.0.100", end: "10.20.0.199" },
          dns: { servers: [], domain: "bad_domain" },
        },
      },
      "settings.dns.domain",
    ],
    [
      "a server outside the network",
      { server: { hostname: "boot", address: "10.30.0.2", interface: "eno1" } },
      "node.addresses.provisioning",
    ],
  ] as const)("refuses %s, naming the field", (_label, over, field) => {
    expect(() => provisioningFiles(input(over as Partial<ProvisioningInput>))).toThrow(
      expect.objectContaining({ field }),
    );
  });

  it("refuses two nodes with one MAC or one address, naming the node", () => {
    const [a, b] = input().nodes;
    expect(() =>
      provisioningFiles(input({ nodes: [a!, { ...b!, provisioningMac: a!.provisioningMac }] })),
    ).toThrow(
      /nodes\[node-10\]\.provisioningMac: 52:54:00:00:00:0a is also the provisioning MAC of node-2/,
    );
    expect(() =>
      provisioningFiles(
        input({ nodes: [a!, { ...b!, addresses: { provisioning: "10.20.0.12" } }] }),
      ),
    ).toThrow(HostConfigError);
  });
});

describe("clusterSlug", () => {
  it.each([
    ["Lab West", "lab-west"],
    ["  prod_eu--2 ", "prod-eu-2"],
    ["区域", "cluster"],
  ])("%s → %s", (name, slug) => expect(clusterSlug(name)).toBe(slug));
});

describe("leases", () => {
  const leases = [
    "1764400000 52:54:00:00:00:0a 10.20.0.12 node-10 01:52:54:00:00:00:0a",
    "1764400100 52:54:00:00:00:02 10.20.0.11 node-2 *",
    "duid 00:01:00:01:2c:5f:aa:bb:52:54:00:00:00:01",
    "1764400200 52:54:00:00:00:0A 10.20.0.150 * *",
    "",
  ].join("\n");

  it("drops every lease of the MAC, whatever its case, and keeps the rest byte for byte", () => {
    const result = removeNodesFromLeases(leases, ["52:54:00:00:00:0a"]);
    expect(result.removed).toEqual([
      "1764400000 52:54:00:00:00:0a 10.20.0.12 node-10 01:52:54:00:00:00:0a",
      "1764400200 52:54:00:00:00:0A 10.20.0.150 * *",
    ]);
    expect(result.text).toBe(
      [
        "1764400100 52:54:00:00:00:02 10.20.0.11 node-2 *",
        "duid 00:01:00:01:2c:5f:aa:bb:52:54:00:00:00:01",
        "",
      ].join("\n"),
    );
    expect(removeNodeFromLeases(leases, "52:54:00:00:00:0A")).toBe(result.text);
  });

  it("changes nothing for a MAC without leases", () => {
    expect(removeNodeFromLeases(leases, "52:54:00:00:00:99")).toBe(leases);
    expect(removeNodeFromLeases("", "52:54:00:00:00:99")).toBe("");
  });

  it("reads leases and skips the DUID line", () => {
    expect(parseLeases(leases).map((l) => [l.mac, l.address, l.hostname])).toEqual([
      ["52:54:00:00:00:0a", "10.20.0.12", "node-10"],
      ["52:54:00:00:00:02", "10.20.0.11", "node-2"],
      ["52:54:00:00:00:0a", "10.20.0.150", "*"],
    ]);
  });
});

describe("provisioningInterface", () => {
  const node = {
    id: "p",
    hostname: "boot",
    roles: [],
    addresses: { provisioning: "10.20.0.2" },
    provisioningNode: true,
    provisioningMac: "52:54:00:00:00:02",
    hardware: {
      cpu: {
        model: "x",
        arch: "x86_64",
        sockets: 1,
        cores: 8,
        threads: 8,
        flags: [],
        virtualization: "vmx",
      },
      memoryBytes: 1,
      disks: [{ name: "sda", sizeBytes: 1, type: "ssd", rotational: false, removable: false }],
      nics: [
        { name: "eno1", mac: "52:54:00:00:00:01", pxe: true, addresses: [] },
        { name: "eno2", mac: "52:54:00:00:00:02", addresses: [] },
        { name: "eno3", mac: "52:54:00:00:00:03", addresses: ["10.20.0.2/24"] },
      ],
    },
  } as const;

  it("prefers the NIC holding the address, then the boot MAC, then the PXE flag", () => {
    const n = structuredClone(node) as unknown as Parameters<typeof provisioningInterface>[0];
    expect(provisioningInterface(n, network)).toBe("eno3");
    n.hardware.nics[2]!.addresses = [];
    expect(provisioningInterface(n, network)).toBe("eno2");
    delete n.provisioningMac;
    expect(provisioningInterface(n, network)).toBe("eno1");
    expect(provisioningInterface(n, { ...network, vlan: 100 })).toBe("eno1.100");
  });

  it("asks for a provisioning network and an address on it", () => {
    const base = {
      task: { id: "t", kind: "provision", mode: "apply" as const },
      step: { id: "s", key: "s", attempt: 1 },
      cluster: {
        id: "c",
        name: "c",
        kind: "split" as const,
        releaseId: "r",
        settings: input().settings as never,
        networks: [],
      },
      node: node as never,
      nodes: [],
      changes: { addedNodes: [], removedNodes: [], changedSettings: [] },
    };
    expect(() => provisioningInputFrom(base)).toThrow(
      /cluster\.networks: the cluster has no provisioning network/,
    );
    expect(() =>
      provisioningInputFrom({
        ...base,
        cluster: { ...base.cluster, networks: [network] },
        node: { ...node, addresses: {} } as never,
      }),
    ).toThrow(/node\.addresses\.provisioning: boot has no address on the provisioning network/);
  });
});
