/**
 * What hardware this node has, read with systeminformation and the kernel's sysfs, normalised to
 * `hardwareSchema`.
 *
 * Required facts (the disks, the NICs with their MACs, CPU counts, memory) each have a second
 * source, and every optional fact (vendor, disk model, NIC driver, speed, by-path…) is read on its
 * own: a fact that fails to read becomes a warning and an absent field, never a missing node. A NIC
 * speed of 0 or -1 (no link), a disk without a model, a container without SMBIOS are normal here.
 *
 * The normalisers are pure functions of systeminformation-shaped records, so they are tested with
 * recorded output; `collectHardware` does the reading.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as si from "systeminformation";
import {
  hardwareSchema,
  MAC_PATTERN,
  type Arch,
  type Cpu,
  type Disk,
  type Hardware,
  type Nic,
} from "../domain/model";

// ---------- systeminformation-shaped input (the fields we read) ----------

export interface SystemFact {
  manufacturer?: string;
  model?: string;
  serial?: string;
  uuid?: string;
}
export interface CpuFact {
  manufacturer?: string;
  brand?: string;
  /** Logical CPUs. */
  cores?: number;
  physicalCores?: number;
  /** Sockets. */
  processors?: number;
  flags?: string;
}
export interface BlockDeviceFact {
  name: string;
  type: string;
  size: number;
  physical?: string;
  model?: string;
  serial?: string;
  removable?: boolean;
  protocol?: string;
}
export interface DiskLayoutFact {
  device: string;
  type?: string;
  name?: string;
  size?: number;
  serialNum?: string;
  interfaceType?: string;
}
export interface NetworkInterfaceFact {
  iface: string;
  mac: string;
  internal?: boolean;
  virtual?: boolean;
  operstate?: string;
  speed?: number | null;
  ip4?: string;
  ip4subnet?: string;
  ip6?: string;
  ip6subnet?: string;
}

/** What sysfs says about a network interface; `physical` = it has a device (not a bridge or veth). */
export interface SysNic {
  name: string;
  mac?: string;
  operstate?: string;
  speed?: number | null;
  driver?: string;
  physical: boolean;
}
/** What sysfs and /dev/disk say about a block device. */
export interface SysDisk {
  name: string;
  sizeBytes?: number;
  rotational?: boolean;
  removable?: boolean;
  model?: string;
  byPath?: string;
  byId?: string;
  /** Has a device behind it (not loop, zram, dm). */
  physical: boolean;
}

// ---------- small normalisers ----------

/** Placeholders firmware writes where a fact is unknown. */
const PLACEHOLDERS = new Set([
  "",
  "-",
  "0",
  "none",
  "n/a",
  "na",
  "unknown",
  "not specified",
  "not available",
  "not applicable",
  "not settable",
  "to be filled by o.e.m.",
  "to be filled by oem",
  "default string",
  "system serial number",
  "system product name",
  "system manufacturer",
  "chassis serial number",
  "0123456789",
  "123456789",
]);

/** A firmware text, or undefined when it is a placeholder. */
export function saneText(value: string | undefined | null): string | undefined {
  const text = (value ?? "").replace(/\s+/g, " ").trim();
  if (PLACEHOLDERS.has(text.toLowerCase()) || /^[0.\s-]+$/.test(text) || /^[fF]+$/.test(text))
    return undefined;
  return text;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Boards known to ship one UUID on every unit: useless as an identity. */
const SHARED_UUIDS = new Set([
  "03000200-0400-0500-0006-000700080009",
  "00020003-0004-0005-0006-000700080009",
]);

/** An SMBIOS UUID that can identify a machine, lowercased; undefined for blanks and fillers. */
export function saneUuid(value: string | undefined | null): string | undefined {
  let text = (value ?? "").trim().toLowerCase();
  if (/^[0-9a-f]{32}$/.test(text))
    text = `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`;
  if (!UUID.test(text)) return undefined;
  const digits = text.replaceAll("-", "");
  if (/^(0+|f+)$/.test(digits) || SHARED_UUIDS.has(text)) return undefined;
  return text;
}

export function normalizeArch(nodeArch: string): Arch | undefined {
  if (nodeArch === "x64" || nodeArch === "x86_64") return "x86_64";
  if (nodeArch === "arm64" || nodeArch === "aarch64") return "aarch64";
  return undefined;
}

export function normalizeMac(value: string | undefined | null): string | undefined {
  const mac = (value ?? "").trim().toLowerCase().replaceAll("-", ":");
  if (!MAC_PATTERN.test(mac) || mac === "00:00:00:00:00:00") return undefined;
  return mac;
}

/** A link speed in Mb/s; 0, -1 (no link, as sysfs says) and null all mean "not known". */
export function normalizeSpeed(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) && value > 0
    ? Math.round(value)
    : null;
}

function linkFrom(operstate: string | undefined): boolean | undefined {
  const state = (operstate ?? "").toLowerCase();
  if (state === "up") return true;
  if (["down", "lowerlayerdown", "notpresent", "dormant"].includes(state)) return false;
  return undefined;
}

function maskPrefix(mask: string | undefined): number | undefined {
  if (!mask) return undefined;
  if (mask.includes(":")) {
    let bits = 0;
    for (const group of mask.split(":")) {
      if (group === "") continue;
      const n = parseInt(group, 16);
      bits += n.toString(2).replace(/0/g, "").length;
    }
    return bits;
  }
  const parts = mask.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    return undefined;
  return parts.reduce((sum, p) => sum + p.toString(2).replace(/0/g, "").length, 0);
}

// ---------- hardware parts ----------

export interface CpuContext {
  arch: Arch;
  /** Model name as the kernel gives it (os.cpus()[0].model), preferred to systeminformation's split. */
  modelName?: string;
  /** Logical CPUs as the OS counts them, when systeminformation has no count. */
  threads?: number;
  /** /dev/kvm exists: how hardware virtualisation shows on aarch64. */
  kvm: boolean;
  /** The flags line, when read separately from the CPU record. */
  flags?: string;
}

export function normalizeCpu(cpu: CpuFact | undefined, ctx: CpuContext): Cpu {
  const flags = [...new Set((cpu?.flags ?? ctx.flags ?? "").split(/\s+/).filter((f) => f !== ""))];
  const threads = positive(cpu?.cores) ?? positive(ctx.threads) ?? 1;
  const cores = Math.min(positive(cpu?.physicalCores) ?? threads, threads);
  const sockets = Math.min(positive(cpu?.processors) ?? 1, cores);
  let virtualization: Cpu["virtualization"] = "none";
  if (ctx.arch === "x86_64") {
    if (flags.includes("vmx")) virtualization = "vmx";
    else if (flags.includes("svm")) virtualization = "svm";
  } else if (ctx.kvm) virtualization = "kvm";
  const named = saneText(ctx.modelName);
  const model =
    named ??
    (saneText([cpu?.manufacturer, cpu?.brand].filter(Boolean).join(" ")) || "unknown processor");
  return { model, arch: ctx.arch, sockets, cores, threads, flags, virtualization };
}

function positive(n: number | undefined | null): number | undefined {
  return typeof n === "number" && Number.isFinite(n) && n >= 1 ? Math.floor(n) : undefined;
}

/** Block devices that are not disks: loop files, RAM disks, optical drives, device-mapper. */
const NOT_A_DISK = /^(loop|ram|zram|sr|fd|nbd|dm-|md)\d*/;

/**
 * Disks from systeminformation's block devices (lsblk) enriched with its disk layout and sysfs;
 * partitions, empty and virtual devices are left out.
 */
export function normalizeDisks(
  blocks: readonly BlockDeviceFact[],
  layout: readonly DiskLayoutFact[],
  sys: readonly SysDisk[],
): Disk[] {
  const sysByName = new Map(sys.map((d) => [d.name, d]));
  const layoutByName = new Map(layout.map((l) => [path.basename(l.device), l]));
  const disks: Disk[] = [];
  const seen = new Set<string>();
  for (const b of blocks) {
    const name = b.name.replace(/^\/dev\//, "");
    if (b.type.toLowerCase() !== "disk" || NOT_A_DISK.test(name) || seen.has(name)) continue;
    const s = sysByName.get(name);
    const l = layoutByName.get(name);
    const sizeBytes = Math.round(positive(b.size) ?? positive(l?.size) ?? s?.sizeBytes ?? 0);
    if (sizeBytes <= 0) continue;
    seen.add(name);
    const rotational =
      s?.rotational ??
      ((b.physical ?? "").toUpperCase() === "HDD" || (l?.type ?? "").toUpperCase() === "HD");
    const nvme =
      name.startsWith("nvme") ||
      (b.protocol ?? "").toLowerCase() === "nvme" ||
      (l?.interfaceType ?? "").toLowerCase() === "nvme" ||
      (b.physical ?? "").toLowerCase() === "nvme";
    const model = saneText(b.model) ?? saneText(l?.name) ?? saneText(s?.model);
    const serial = saneText(b.serial) ?? saneText(l?.serialNum);
    disks.push({
      name,
      ...(model ? { model } : {}),
      ...(serial ? { serial } : {}),
      sizeBytes,
      type: nvme ? "nvme" : rotational ? "hdd" : "ssd",
      rotational: nvme ? false : rotational,
      ...(s?.byPath ? { byPath: s.byPath } : {}),
      ...(s?.byId ? { byId: s.byId } : {}),
      removable: b.removable ?? s?.removable ?? false,
    });
  }
  return disks;
}

/** Disks from sysfs alone: the fallback when lsblk is missing or systeminformation fails. */
export function disksFromSys(sys: readonly SysDisk[]): Disk[] {
  return normalizeDisks(
    sys
      .filter((d) => d.physical)
      .map((d) => ({
        name: d.name,
        type: "disk",
        size: d.sizeBytes ?? 0,
        ...(d.model ? { model: d.model } : {}),
        ...(d.removable !== undefined ? { removable: d.removable } : {}),
      })),
    [],
    sys,
  );
}

/**
 * NICs from systeminformation (which lists only interfaces that have an address) plus the physical
 * NICs sysfs knows that have none yet — a fresh node's storage ports. Loopback and interfaces without
 * a MAC are left out; addresses come as CIDR.
 */
export function normalizeNics(
  ifaces: readonly NetworkInterfaceFact[],
  sys: readonly SysNic[],
  addresses: Readonly<Record<string, readonly string[]>> = {},
): Nic[] {
  const sysByName = new Map(sys.map((n) => [n.name, n]));
  const nics: Nic[] = [];
  const seen = new Set<string>();
  const add = (
    name: string,
    macRaw: string | undefined,
    speed: number | null | undefined,
    operstate: string | undefined,
    fallback: string[],
  ) => {
    const mac = normalizeMac(macRaw);
    if (!mac || seen.has(name)) return;
    seen.add(name);
    const s = sysByName.get(name);
    const link = linkFrom(operstate ?? s?.operstate);
    nics.push({
      name,
      mac,
      ...(s?.driver ? { driver: s.driver } : {}),
      speedMbps: normalizeSpeed(speed) ?? normalizeSpeed(s?.speed),
      ...(link !== undefined ? { link } : {}),
      addresses: addresses[name] ? [...addresses[name]] : fallback,
    });
  };
  for (const i of ifaces) {
    if (i.internal || i.iface === "lo") continue;
    const fallback = [
      i.ip4 ? `${i.ip4}${cidrSuffix(i.ip4subnet)}` : "",
      i.ip6 ? `${i.ip6}${cidrSuffix(i.ip6subnet)}` : "",
    ].filter((a) => a !== "");
    add(i.iface, i.mac || sysByName.get(i.iface)?.mac, i.speed, i.operstate, fallback);
  }
  for (const s of sys)
    if (s.physical && s.name !== "lo") add(s.name, s.mac, s.speed, s.operstate, []);
  return nics;
}

function cidrSuffix(mask: string | undefined): string {
  const prefix = maskPrefix(mask);
  return prefix === undefined ? "" : `/${prefix}`;
}

/**
 * What identifies the machine across agent reinstalls: the SMBIOS UUID when it is a real one, else
 * the serial, else the MAC of the first physical NIC by name (stable across boots, unlike order).
 */
export function pickMachineId(facts: {
  uuid?: string;
  serial?: string;
  nics: readonly Nic[];
}): string {
  const uuid = saneUuid(facts.uuid);
  if (uuid) return uuid;
  const serial = saneText(facts.serial);
  if (serial) return serial;
  const byName = [...facts.nics].sort((a, b) => a.name.localeCompare(b.name));
  const nic = byName.find((n) => n.driver) ?? byName[0];
  if (!nic)
    throw new Error(
      "cannot identify this machine: no SMBIOS UUID, no serial and no NIC with a MAC",
    );
  return nic.mac;
}

// ---------- reading ----------

export interface SiSources {
  system(): Promise<SystemFact>;
  cpu(): Promise<CpuFact>;
  memoryBytes(): Promise<number>;
  blockDevices(): Promise<BlockDeviceFact[]>;
  diskLayout(): Promise<DiskLayoutFact[]>;
  networkInterfaces(): Promise<NetworkInterfaceFact[]>;
}

export interface OsFacts {
  arch: string;
  hostname: string;
  cpus: { model: string }[];
  totalmem: number;
  /** os.networkInterfaces(): all addresses per interface (systeminformation keeps one of each). */
  interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>;
}

export interface CollectOptions {
  si?: Partial<SiSources>;
  os?: Partial<OsFacts>;
  /** Prefix for /sys and /dev (tests point it at a recorded tree). */
  root?: string;
  /** Longest wait for one systeminformation read (a hung smartctl must not hold the agent). */
  readTimeoutMs?: number;
}

export interface Inventory {
  hardware: Hardware;
  machineId: string;
  hostname: string;
  arch: Arch;
  /** Facts that could not be read; the inventory is complete without them. */
  warnings: string[];
}

const defaultSi: SiSources = {
  system: () => si.system(),
  cpu: () => si.cpu(),
  memoryBytes: async () => (await si.mem()).total,
  blockDevices: () => si.blockDevices(),
  diskLayout: () => si.diskLayout(),
  networkInterfaces: async () => {
    const list: unknown = await si.networkInterfaces();
    return Array.isArray(list) ? (list as NetworkInterfaceFact[]) : [];
  },
};

function defaultOs(): OsFacts {
  return {
    arch: process.arch,
    hostname: os.hostname(),
    cpus: os.cpus(),
    totalmem: os.totalmem(),
    interfaces: os.networkInterfaces(),
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} gave no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** /sys/class/net: every interface with its MAC, state, speed (unreadable without link) and driver. */
export function readSysNics(root: string, warnings: string[]): SysNic[] {
  const dir = path.join(root, "sys/class/net");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (!isMissing(error)) warnings.push(`cannot list ${dir}: ${errorText(error)}`);
    return [];
  }
  return names.sort().map((name) => {
    const base = path.join(dir, name);
    // Reading `speed` fails with EINVAL while the link is down; that is "unknown", not an error.
    const speedText = readText(path.join(base, "speed"));
    let driver: string | undefined;
    try {
      driver = path.basename(readlinkSync(path.join(base, "device/driver")));
    } catch (error) {
      if (!isMissing(error))
        warnings.push(`NIC ${name}: cannot read its driver: ${errorText(error)}`);
    }
    return {
      name,
      mac: readText(path.join(base, "address")),
      operstate: readText(path.join(base, "operstate")),
      speed: speedText === undefined ? null : Number(speedText),
      ...(driver ? { driver } : {}),
      physical: existsSync(path.join(base, "device")),
    };
  });
}

/** /dev/disk/by-path or by-id: device name → the most specific link naming the whole disk. */
function diskLinks(
  root: string,
  kind: "by-path" | "by-id",
  warnings: string[],
): Map<string, string> {
  const dir = path.join(root, "dev/disk", kind);
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (error) {
    // Containers and some minimal systems have no udev links: nothing to report.
    if (!isMissing(error)) warnings.push(`cannot list ${dir}: ${errorText(error)}`);
    return out;
  }
  for (const name of names) {
    if (/-part\d+$/.test(name)) continue;
    try {
      const device = path.basename(readlinkSync(path.join(dir, name)));
      // by-id has several links per disk (wwn-, ata-, nvme-eui.); prefer the readable vendor one.
      const current = out.get(device);
      if (!current || (kind === "by-id" && path.basename(current).startsWith("wwn-")))
        out.set(device, path.join("/dev/disk", kind, name));
    } catch {
      // A link removed while we read: skip it.
    }
  }
  return out;
}

export function readSysDisks(root: string, warnings: string[]): SysDisk[] {
  const dir = path.join(root, "sys/block");
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (!isMissing(error)) warnings.push(`cannot list ${dir}: ${errorText(error)}`);
    return [];
  }
  const byPath = diskLinks(root, "by-path", warnings);
  const byId = diskLinks(root, "by-id", warnings);
  return names.sort().map((name) => {
    const base = path.join(dir, name);
    const sectors = Number(readText(path.join(base, "size")));
    const rotational = readText(path.join(base, "queue/rotational"));
    const removable = readText(path.join(base, "removable"));
    const model = readText(path.join(base, "device/model"));
    return {
      name,
      ...(Number.isFinite(sectors) && sectors > 0 ? { sizeBytes: sectors * 512 } : {}),
      ...(rotational !== undefined ? { rotational: rotational === "1" } : {}),
      ...(removable !== undefined ? { removable: removable === "1" } : {}),
      ...(model ? { model } : {}),
      ...(byPath.get(name) ? { byPath: byPath.get(name) } : {}),
      ...(byId.get(name) ? { byId: byId.get(name) } : {}),
      physical: existsSync(path.join(base, "device")),
    };
  });
}

function cidrAddresses(interfaces: OsFacts["interfaces"]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, list] of Object.entries(interfaces)) {
    // Link-local IPv6 addresses exist on every port and say nothing about its networks.
    out[name] = (list ?? [])
      .filter((a) => !a.internal && !(a.family === "IPv6" && a.scopeid))
      .map((a) => a.cidr ?? a.address);
  }
  return out;
}

/**
 * Reads this machine's hardware. Throws only when a required fact has no source left (no disk, no
 * NIC with a MAC, an architecture Cairn does not support), with a message that says which.
 */
export async function collectHardware(options: CollectOptions = {}): Promise<Inventory> {
  const src: SiSources = { ...defaultSi, ...options.si };
  const osFacts: OsFacts = { ...defaultOs(), ...options.os };
  const root = options.root ?? "/";
  const timeoutMs = options.readTimeoutMs ?? 20_000;
  const warnings: string[] = [];

  const arch = normalizeArch(osFacts.arch);
  if (!arch)
    throw new Error(`unsupported architecture ${osFacts.arch}: Cairn nodes are x86_64 or aarch64`);

  const read = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await withTimeout(Promise.resolve().then(fn), timeoutMs, what);
    } catch (error) {
      warnings.push(`${what}: ${errorText(error)}`);
      return undefined;
    }
  };

  const [system, cpu, memory, blocks, layout, ifaces] = await Promise.all([
    read("system (vendor, model, serial, UUID)", src.system),
    read("CPU", src.cpu),
    read("memory", src.memoryBytes),
    read("block devices", src.blockDevices),
    read("disk layout (models, serials)", src.diskLayout),
    read("network interfaces", src.networkInterfaces),
  ]);
  const sysDisks = readSysDisks(root, warnings);
  const sysNics = readSysNics(root, warnings);

  let disks = normalizeDisks(blocks ?? [], layout ?? [], sysDisks);
  if (disks.length === 0) disks = disksFromSys(sysDisks);
  const nics = normalizeNics(ifaces ?? [], sysNics, cidrAddresses(osFacts.interfaces));

  const cpuFacts = normalizeCpu(cpu, {
    arch,
    modelName: osFacts.cpus[0]?.model,
    threads: osFacts.cpus.length,
    kvm: existsSync(path.join(root, "dev/kvm")),
  });
  const memoryBytes = Math.round(positive(memory) ?? osFacts.totalmem);

  const vendor = saneText(system?.manufacturer);
  const model = saneText(system?.model);
  const serial = saneText(system?.serial);
  const uuid = saneUuid(system?.uuid);
  const candidate = {
    ...(vendor ? { vendor } : {}),
    ...(model ? { model } : {}),
    ...(serial ? { serial } : {}),
    ...(uuid ? { uuid } : {}),
    cpu: cpuFacts,
    memoryBytes,
    disks,
    nics,
  };
  const parsed = hardwareSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join(".") || "hardware"}: ${i.message}`,
    );
    const context = warnings.length ? ` (read problems: ${warnings.join("; ")})` : "";
    throw new Error(`the hardware inventory is incomplete: ${problems.join("; ")}${context}`);
  }
  const hardware = parsed.data;
  return {
    hardware,
    machineId: pickMachineId({ uuid, serial, nics: hardware.nics }),
    hostname: osFacts.hostname,
    arch,
    warnings,
  };
}
