/**
 * Hardware inventories for lab nodes: deterministic, realistic machines for the lab fleet, the
 * benchmarks and tests. The same (count, options) always gives the same nodes, and node i does not
 * depend on how many nodes were asked for (each node has its own seeded generator), so a lab can
 * grow without its existing nodes changing.
 *
 * Identity is unique by construction, not by chance: MACs, serials and UUIDs encode the region
 * index and the node index, so up to 1,048,576 nodes per region and 256 regions never collide.
 */
import { z } from "zod";
import {
  ARCHES,
  type Arch,
  type Cpu,
  type Disk,
  type Hardware,
  type Nic,
  type Node,
} from "../model";
import rawProfiles from "./hardware-profiles.json" with { type: "json" };

const profileSchema = z.object({
  id: z.string(),
  vendor: z.string(),
  model: z.string(),
  arch: z.enum(ARCHES),
  cpu: z.object({
    model: z.string(),
    sockets: z.number().int().positive(),
    coresPerSocket: z.number().int().positive(),
    threadsPerCore: z.number().int().positive(),
    virtualization: z.enum(["vmx", "svm", "kvm"]).nullable(),
  }),
  memoryGiB: z.number().positive(),
  disks: z
    .array(
      z.object({
        name: z.string(),
        model: z.string(),
        sizeGB: z.number().positive().optional(),
        sizeTB: z.number().positive().optional(),
        type: z.enum(["ssd", "hdd", "nvme"]),
      }),
    )
    .min(1),
  nics: z
    .array(
      z.object({ name: z.string(), driver: z.string(), speedMbps: z.number().int().nullable() }),
    )
    .min(1),
});
export type HardwareProfile = z.infer<typeof profileSchema>;

/** The server profiles from `hardware-profiles.json`, checked once when the module loads. */
export const HARDWARE_PROFILES: readonly HardwareProfile[] = z
  .object({ profiles: z.array(profileSchema) })
  .parse(rawProfiles).profiles;

export const LAB_PROFILES = ["mixed", "small", "large"] as const;
export type LabProfile = (typeof LAB_PROFILES)[number];

/** What a lab node is built to be; also a node tag (`controller-class`…) the lab fleet assigns roles by. */
export const LAB_CLASSES = ["controller", "compute", "storage", "hci"] as const;
export type LabClass = (typeof LAB_CLASSES)[number];

export const LAB_MAX_NODES_PER_REGION = 1 << 20;
export const LAB_MAX_REGIONS = 256;

export interface LabOptions {
  /**
   * `large`: every node is a real server profile for its class. `small`: every node is a small VM
   * (8 cores, 32 GiB, 2 disks) for quick labs. `mixed` (default): controllers are real servers; other
   * nodes are a real server or a small VM, about half each.
   */
  profile?: LabProfile;
  seed?: number;
  /** Distinguishes regions: hostnames, MACs, serials and UUIDs differ between regions. */
  regionIndex?: number;
}

/** Real profiles per class, x86_64 first then aarch64 ("one cloud, many chips"). */
const CLASS_PROFILES: Record<LabClass, { x86_64: string; aarch64?: string }> = {
  controller: { x86_64: "sugon-hygon7285-controller" },
  compute: { x86_64: "dell-r750-compute", aarch64: "greatwall-phytium-s2500-compute" },
  storage: { x86_64: "inspur-nf5280m6-storage" },
  hci: { x86_64: "lenovo-sr650v2-hci", aarch64: "huawei-taishan-2280v2-hci" },
};

/** The first three nodes are controllers (a lab of three or more can form a quorum); then this mix. */
const CLASS_WEIGHTS: readonly [LabClass, number][] = [
  ["compute", 0.45],
  ["storage", 0.2],
  ["hci", 0.35],
];
const AARCH64_SHARE = 0.3;
const SMALL_SHARE_IN_MIXED = 0.5;
const CONTROLLERS = 3;

const GiB = 1024 ** 3;

const X86_FLAGS = [
  "fpu",
  "vme",
  "de",
  "pse",
  "tsc",
  "msr",
  "pae",
  "mce",
  "cx8",
  "apic",
  "sep",
  "mtrr",
  "pge",
  "mca",
  "cmov",
  "pat",
  "pse36",
  "clflush",
  "mmx",
  "fxsr",
  "sse",
  "sse2",
  "ht",
  "syscall",
  "nx",
  "pdpe1gb",
  "rdtscp",
  "lm",
  "constant_tsc",
  "nopl",
  "pni",
  "pclmulqdq",
  "ssse3",
  "fma",
  "cx16",
  "sse4_1",
  "sse4_2",
  "x2apic",
  "movbe",
  "popcnt",
  "aes",
  "xsave",
  "avx",
  "f16c",
  "rdrand",
  "avx2",
  "bmi1",
  "bmi2",
  "sha_ni",
];
const AARCH64_FLAGS = [
  "fp",
  "asimd",
  "evtstrm",
  "aes",
  "pmull",
  "sha1",
  "sha2",
  "crc32",
  "atomics",
  "fphp",
  "asimdhp",
  "cpuid",
  "asimdrdm",
  "dcpop",
];

/** splitmix32: turns (seed, region, index) into a well-mixed 32-bit state for each node. */
function mix(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1). */
function generator(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (value: number, width: number) => value.toString(16).padStart(width, "0");

/** Locally administered unicast MAC (0x52 has the local bit set and the group bit clear). */
export function labMac(regionIndex: number, nodeIndex: number, nicIndex: number): string {
  const value = nodeIndex * 16 + nicIndex;
  const bytes = [
    0x52,
    0x54,
    regionIndex,
    (value >>> 16) & 0xff,
    (value >>> 8) & 0xff,
    value & 0xff,
  ];
  return bytes.map((b) => hex(b, 2)).join(":");
}

function pickClass(index: number, random: () => number): LabClass {
  if (index < CONTROLLERS) return "controller";
  let r = random();
  for (const [cls, weight] of CLASS_WEIGHTS) {
    if (r < weight) return cls;
    r -= weight;
  }
  return "compute";
}

function profileById(id: string): HardwareProfile {
  const profile = HARDWARE_PROFILES.find((p) => p.id === id);
  if (!profile) throw new Error(`hardware profile ${id} is missing from hardware-profiles.json`);
  return profile;
}

/** A small virtual machine: what a quick lab runs on one host. */
function smallVm(arch: Arch): HardwareProfile {
  const x86 = arch === "x86_64";
  return {
    id: `small-vm-${arch}`,
    vendor: "QEMU",
    model: x86 ? "Standard PC (Q35 + ICH9, 2009)" : "KVM Virtual Machine",
    arch,
    cpu: {
      model: x86 ? "Intel Xeon Processor (Icelake)" : "Kunpeng-920",
      sockets: 1,
      coresPerSocket: 8,
      threadsPerCore: 1,
      virtualization: x86 ? "vmx" : "kvm",
    },
    memoryGiB: 32,
    disks: [
      { name: "vda", model: "", sizeGB: 100, type: "ssd" },
      { name: "vdb", model: "", sizeGB: 200, type: "ssd" },
    ],
    nics: [
      { name: "enp1s0", driver: "virtio_net", speedMbps: null },
      { name: "enp2s0", driver: "virtio_net", speedMbps: null },
    ],
  };
}

function diskPaths(disk: HardwareProfile["disks"][number], position: number, serial: string) {
  const model = disk.model.trim().replace(/\s+/g, "_");
  if (disk.name.startsWith("nvme")) {
    const controller = Number(/^nvme(\d+)/.exec(disk.name)?.[1] ?? 0);
    return {
      byPath: `/dev/disk/by-path/pci-0000:${hex(0x5e + controller, 2)}:00.0-nvme-1`,
      byId: `/dev/disk/by-id/nvme-${model}_${serial}`,
    };
  }
  if (disk.name.startsWith("vd")) {
    return {
      byPath: `/dev/disk/by-path/virtio-pci-0000:${hex(0x04 + position, 2)}:00.0`,
      byId: `/dev/disk/by-id/virtio-${serial.slice(0, 20)}`,
    };
  }
  return {
    byPath: `/dev/disk/by-path/pci-0000:18:00.0-scsi-0:0:${position}:0`,
    byId: `/dev/disk/by-id/ata-${model || "DISK"}_${serial}`,
  };
}

function buildHardware(
  profile: HardwareProfile,
  identity: string,
  uuid: string,
  regionIndex: number,
  index: number,
): Hardware {
  const { cpu } = profile;
  const virtualization = cpu.virtualization ?? "none";
  const baseFlags = profile.arch === "x86_64" ? X86_FLAGS : AARCH64_FLAGS;
  const flags = [
    ...baseFlags,
    ...(virtualization === "vmx" || virtualization === "svm" ? [virtualization] : []),
    ...(profile.vendor === "QEMU" && profile.arch === "x86_64" ? ["hypervisor"] : []),
  ];
  const cpuFacts: Cpu = {
    model: cpu.model,
    arch: profile.arch,
    sockets: cpu.sockets,
    cores: cpu.sockets * cpu.coresPerSocket,
    threads: cpu.sockets * cpu.coresPerSocket * cpu.threadsPerCore,
    flags,
    virtualization,
  };
  const disks: Disk[] = profile.disks.map((disk, d) => {
    const serial = `${identity}D${hex(d, 2)}`;
    const bytes = disk.sizeTB !== undefined ? disk.sizeTB * 1e12 : (disk.sizeGB ?? 0) * 1e9;
    return {
      name: disk.name,
      ...(disk.model.trim() !== "" ? { model: disk.model } : {}),
      serial,
      sizeBytes: Math.round(bytes),
      type: disk.type,
      rotational: disk.type === "hdd",
      ...diskPaths(disk, d, serial),
      removable: false,
    };
  });
  const nics: Nic[] = profile.nics.map((nic, n) => ({
    name: nic.name,
    mac: labMac(regionIndex, index, n),
    driver: nic.driver,
    speedMbps: nic.speedMbps,
    link: true,
    // The first port boots from the network, as cabled for PXE discovery, and has the address the
    // discovery DHCP gave it (unique per region and node; what the agent is reached on).
    pxe: n === 0,
    addresses: n === 0 ? [labAddress(regionIndex, index)] : [],
  }));
  return {
    vendor: profile.vendor,
    model: profile.model,
    serial: identity,
    uuid,
    cpu: cpuFacts,
    memoryBytes: profile.memoryGiB * GiB,
    disks,
    nics,
  };
}

/** 10.<region>.<n / 254>.<n % 254 + 1>/16 for node n = index + 1: unique for 65,000 nodes a region. */
export function labAddress(regionIndex: number, index: number): string {
  const n = (index + 1) % (254 * 256);
  return `10.${regionIndex}.${Math.floor(n / 254)}.${(n % 254) + 1}/16`;
}

function checkOptions(count: number, seed: number, regionIndex: number) {
  if (!Number.isInteger(count) || count < 0 || count > LAB_MAX_NODES_PER_REGION)
    throw new RangeError(
      `lab node count must be a whole number from 0 to ${LAB_MAX_NODES_PER_REGION} (got ${count})`,
    );
  if (!Number.isInteger(regionIndex) || regionIndex < 0 || regionIndex >= LAB_MAX_REGIONS)
    throw new RangeError(
      `regionIndex must be a whole number from 0 to ${LAB_MAX_REGIONS - 1} (got ${regionIndex})`,
    );
  if (!Number.isSafeInteger(seed))
    throw new RangeError(`seed must be a whole number (got ${seed})`);
}

export function labHostname(index: number, regionIndex = 0): string {
  const number = String(index + 1).padStart(4, "0");
  return regionIndex === 0 ? `lab-${number}` : `lab-r${regionIndex}-${number}`;
}

/** Lab node number `index` (0-based); `labNodes(n)[i]` equals `labNode(i)` for the same options. */
export function labNode(index: number, options: LabOptions = {}): Node {
  const { profile = "mixed", seed = 1, regionIndex = 0 } = options;
  checkOptions(index + 1, seed, regionIndex);
  const random = generator(mix(mix(mix(seed) ^ regionIndex) ^ index));
  const cls = pickClass(index, random);
  const classProfiles = CLASS_PROFILES[cls];
  const arch: Arch =
    classProfiles.aarch64 !== undefined && random() < AARCH64_SHARE ? "aarch64" : "x86_64";
  const small =
    profile === "small" ||
    (profile === "mixed" && cls !== "controller" && random() < SMALL_SHARE_IN_MIXED);
  const hardwareProfile = small
    ? smallVm(arch)
    : profileById(
        arch === "aarch64" && classProfiles.aarch64 ? classProfiles.aarch64 : classProfiles.x86_64,
      );
  const hostname = labHostname(index, regionIndex);
  const identity = `LAB${hex(regionIndex, 2).toUpperCase()}${String(index + 1).padStart(7, "0")}`;
  const word = () => Math.floor(random() * 0x10000);
  const uuid = [
    hex(word(), 4) + hex(word(), 4),
    hex(word(), 4),
    `4${hex(word() & 0x0fff, 3)}`,
    hex(0x8000 | (word() & 0x3fff), 4),
    hex(regionIndex, 2) + hex(index, 10),
  ].join("-");
  return {
    id: hostname,
    hostname,
    status: "discovered",
    roles: [],
    tags: ["lab", `${cls}-class`],
    hardware: buildHardware(hardwareProfile, identity, uuid, regionIndex, index),
    addresses: {},
  };
}

/** `count` lab nodes (hostnames lab-0001…), deterministic for the same options. */
export function labNodes(count: number, options: LabOptions = {}): Node[] {
  checkOptions(count, options.seed ?? 1, options.regionIndex ?? 0);
  return Array.from({ length: count }, (_, index) => labNode(index, options));
}
