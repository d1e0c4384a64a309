/**
 * Builders for rule tests and benchmarks. The defaults describe a healthy, deployed split cluster
 * (3 controllers, 3 computes, 3 storage nodes) so that `evaluate(makeState(), {kind: "validate"})`
 * has no blocking finding: a test changes exactly the fact it is about and nothing else fires.
 *
 * Stable API (other rule tests depend on it): `makeNode(overrides & {id})`, `makeState(overrides?)`.
 */
import ipaddr from "ipaddr.js";
import type {
  ClusterState,
  Disk,
  Hardware,
  Intent,
  LicenseClaims,
  Network,
  Nic,
  Node,
  Settings,
} from "../model";
import type { RoleCatalog } from "../roles/schema";
import { evaluate } from "./engine";
import type { Finding, Rule } from "./types";

export const GiB = 1024 ** 3;
export const GB = 1000 ** 3;
export const TB = 1000 ** 4;

/** 2026-01-15T00:00:00Z — a fixed "now", rules never read the clock. */
export const TEST_NOW = Date.UTC(2026, 0, 15);

export function makeDisk(overrides: Partial<Disk> & { name: string }): Disk {
  return {
    sizeBytes: 1.92 * TB,
    type: "ssd",
    rotational: false,
    removable: false,
    byPath: `/dev/disk/by-path/pci-0000:3b:00.0-scsi-0:0:${overrides.name.length}:0`,
    ...overrides,
  };
}

export function makeNic(overrides: Partial<Nic> & { name: string; mac: string }): Nic {
  return { speedMbps: 25000, link: true, addresses: [], ...overrides };
}

/** A Lenovo SR650 V2-like server: 2 × 16 cores, 256 GiB, a 480 GB OS SSD and two 1.92 TB data SSDs. */
export function makeHardware(overrides: Partial<Hardware> = {}, macSeed = 0): Hardware {
  const mac = (n: number) =>
    `52:${[macSeed >>> 24, (macSeed >>> 16) & 0xff, (macSeed >>> 8) & 0xff, macSeed & 0xff, n]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join(":")}`;
  return {
    vendor: "Lenovo",
    model: "ThinkSystem SR650 V2",
    cpu: {
      model: "Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz",
      arch: "x86_64",
      sockets: 2,
      cores: 32,
      threads: 64,
      flags: ["vmx", "sse4_2", "avx2"],
      virtualization: "vmx",
    },
    memoryBytes: 256 * GiB,
    disks: [
      makeDisk({ name: "sda", sizeBytes: 480 * GB }),
      makeDisk({ name: "sdb", sizeBytes: 1.92 * TB }),
      makeDisk({ name: "sdc", sizeBytes: 1.92 * TB }),
    ],
    nics: [
      makeNic({ name: "eno1", mac: mac(1), speedMbps: 1000, pxe: true }),
      makeNic({ name: "ens1f0", mac: mac(2), speedMbps: 25000 }),
    ],
    ...overrides,
  };
}

/** Nodes whose `addresses` the test chose; makeState leaves those alone. */
const explicitAddresses = new WeakSet<Node>();

function seedOf(id: string): number {
  // FNV-1a: distinct ids get distinct MACs (52:xx:xx:xx:xx:nic) with overwhelming probability.
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * A ready x86_64 node with realistic hardware and no roles. Unless `addresses` is given, makeState
 * gives it a management address (so network rules see a complete node).
 */
export function makeNode(overrides: Partial<Node> & { id: string }): Node {
  const node: Node = {
    hostname: overrides.id,
    status: "ready",
    roles: [],
    tags: [],
    hardware: makeHardware({}, seedOf(overrides.id)),
    addresses: {},
    ...overrides,
  };
  if (overrides.addresses !== undefined) explicitAddresses.add(node);
  return node;
}

export function defaultNetworks(): Network[] {
  return [
    {
      name: "provisioning",
      cidr: "10.20.0.0/24",
      vlan: null,
      gateway: "10.20.0.1",
      mtu: 1500,
      ranges: [],
      vips: [],
    },
    {
      name: "management",
      cidr: "10.0.0.0/24",
      vlan: 101,
      gateway: "10.0.0.1",
      mtu: 1500,
      ranges: [],
      vips: [{ name: "internal", address: "10.0.0.10" }],
    },
    {
      name: "storage",
      cidr: "10.1.0.0/24",
      vlan: 102,
      mtu: 9000,
      ranges: [],
      vips: [],
    },
    {
      name: "public",
      cidr: "192.168.100.0/24",
      vlan: null,
      gateway: "192.168.100.1",
      mtu: 1500,
      ranges: [
        {
          start: "192.168.100.100",
          end: "192.168.100.250",
          purpose: "floating",
        },
      ],
      vips: [{ name: "public", address: "192.168.100.10" }],
    },
    {
      name: "tenant",
      cidr: "10.2.0.0/24",
      vlan: 103,
      mtu: 1500,
      ranges: [],
      vips: [],
    },
    {
      name: "pod",
      cidr: "10.244.0.0/16",
      vlan: null,
      mtu: 1450,
      ranges: [],
      vips: [],
    },
    {
      name: "service",
      cidr: "10.96.0.0/12",
      vlan: null,
      mtu: 1500,
      ranges: [],
      vips: [],
    },
  ];
}

export function defaultSettings(): Settings {
  return {
    ntp: { servers: ["10.0.0.2", "10.0.0.3"], clients: "controllers" },
    dns: { servers: ["10.0.0.4", "10.0.0.5"], domain: "cloud.example.com" },
    dhcp: { start: "10.20.0.100", end: "10.20.0.199" },
    overcommit: {
      cpu: 4,
      ram: 1,
      disk: 1,
      reservedHostMemoryMiB: 4096,
      reservedHostCpus: 0,
    },
    ha: true,
    ceph: { poolSize: 3, minSize: 2 },
  };
}

/** Valid from 2025-01-01 to 2027-01-01, 100 nodes, 200 sockets, 3 regions, every feature. */
export function defaultLicense(): LicenseClaims {
  return {
    customer: "Example Bank",
    licenseId: "LIC-2025-0001",
    issuedAt: Date.UTC(2025, 0, 1) / 1000,
    notBefore: Date.UTC(2025, 0, 1) / 1000,
    expiresAt: Date.UTC(2027, 0, 1) / 1000,
    maxNodes: 100,
    maxCpuSockets: 200,
    maxRegions: 3,
    features: ["hci", "aarch64"],
  };
}

export function defaultNodes(): Node[] {
  const nodes: Node[] = [];
  for (let i = 1; i <= 3; i++) nodes.push(makeNode({ id: `ctrl-${i}`, roles: ["controller"] }));
  for (let i = 1; i <= 3; i++) nodes.push(makeNode({ id: `cmp-${i}`, roles: ["compute"] }));
  for (let i = 1; i <= 3; i++) nodes.push(makeNode({ id: `stor-${i}`, roles: ["storage"] }));
  return nodes;
}

/** Gives each node without a chosen address the next free management address (from .11 up). */
function fillManagementAddresses(nodes: Node[], networks: Network[]): Node[] {
  const mgmt = networks.find((n) => n.name === "management");
  if (!mgmt || !ipaddr.isValidCIDR(mgmt.cidr)) return nodes;
  const [base, prefix] = ipaddr.parseCIDR(mgmt.cidr);
  if (base.kind() !== "ipv4") return nodes;
  const taken = new Set<string>([...mgmt.vips.map((v) => v.address), mgmt.gateway ?? ""]);
  for (const node of nodes) if (node.addresses.management) taken.add(node.addresses.management);
  const first =
    (base.toByteArray().reduce((acc, b) => acc * 256 + b, 0) >>> 0) & (0xffffffff << (32 - prefix));
  const size = 2 ** (32 - prefix);
  let next = 11;
  return nodes.map((node) => {
    if (explicitAddresses.has(node) || node.addresses.management) return node;
    let address = "";
    while (next < size - 1) {
      const n = (first >>> 0) + next++;
      const candidate = [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join(".");
      if (!taken.has(candidate)) {
        address = candidate;
        break;
      }
    }
    if (!address) return node;
    taken.add(address);
    return { ...node, addresses: { ...node.addresses, management: address } };
  });
}

/**
 * A deployed, healthy cluster. Overrides replace whole top-level fields; nodes given here get
 * management addresses unless they were built with explicit `addresses`.
 */
export function makeState(overrides: Partial<ClusterState> = {}): ClusterState {
  const networks = overrides.networks ?? defaultNetworks();
  const nodes = fillManagementAddresses(overrides.nodes ?? defaultNodes(), networks);
  return {
    region: { name: "beijing-1", deployed: true, regionCount: 1 },
    cluster: {
      id: "cl-1",
      name: "prod",
      kind: "split",
      releaseId: "cairn-2026.1",
      deployed: true,
      customRoles: [],
    },
    settings: defaultSettings(),
    license: defaultLicense(),
    runningTask: null,
    cephUsedBytes: 0,
    now: TEST_NOW,
    ...overrides,
    nodes,
    networks,
  };
}

/** The findings of one rule only (through the real engine, so texts and ordering are exercised too). */
export function runRule(
  rule: Rule,
  state: ClusterState,
  intent: Intent = { kind: "validate" },
  catalog?: RoleCatalog,
): Finding[] {
  return evaluate(state, intent, { rules: [rule], ...(catalog ? { catalog } : {}) });
}

/** The rule with this id from a rule file's list; throws so a typo fails the test loudly. */
export function pick(rules: readonly Rule[], id: string): Rule {
  const rule = rules.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule;
}
