/**
 * Disk plans: which disk carries the OS, how it is partitioned, and which disks Ceph takes whole.
 *
 * The OS disk layout is the brief's simplified one, exactly: GPT, 1 MiB reserved, 24 MiB BIOS boot,
 * 200 MiB EFI, 250 MiB /boot, then one LVM physical volume to the end of the disk holding VG
 * `cairn` with swap (4 GiB), containers (sized by role) and root (the rest, at least 20 GiB).
 * No extra metadata partition and no spare gap: the only unused space is the GPT backup at the end
 * plus what 1 MiB alignment of the last partition leaves (< 1 MiB).
 *
 * Sectors are 512 bytes (the logical sector size of every disk the agent reports today; a 4Kn disk
 * would need the same layout recomputed in 4096-byte sectors).
 */
import { localize, type Localized, type Params } from "../i18n";
import type { Disk, Node } from "../model";

export const SECTOR_BYTES = 512;
export const KiB = 1024;
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;
export const GB = 1000 ** 3;

const SECTORS_PER_MIB = MiB / SECTOR_BYTES;
/** Partitions start and end on 1 MiB boundaries (the alignment every modern tool uses). */
export const ALIGNMENT_SECTORS = SECTORS_PER_MIB;
/** The backup GPT: 32 sectors of partition entries (128 × 128 bytes) and the backup header. */
export const GPT_BACKUP_SECTORS = 33;

export const PARTITION_TYPES = {
  biosBoot: "21686148-6449-6E6F-744E-656564454649",
  efi: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  linuxFilesystem: "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
  linuxLvm: "E6D6D379-F507-44C2-A23C-238F2A3DF928",
} as const;

export type PartitionPurpose = "bios-boot" | "efi" | "boot" | "lvm";

interface FixedPartition {
  purpose: PartitionPurpose;
  name: string;
  typeGuid: string;
  sizeMiB: number;
  filesystem?: "vfat" | "ext4";
  mountpoint?: string;
}

/** The partitions before the LVM physical volume, in disk order. */
const FIXED_PARTITIONS: readonly FixedPartition[] = [
  {
    purpose: "bios-boot",
    name: "bios-boot",
    typeGuid: PARTITION_TYPES.biosBoot,
    sizeMiB: 24,
  },
  {
    purpose: "efi",
    name: "efi",
    typeGuid: PARTITION_TYPES.efi,
    sizeMiB: 200,
    filesystem: "vfat",
    mountpoint: "/boot/efi",
  },
  {
    purpose: "boot",
    name: "boot",
    typeGuid: PARTITION_TYPES.linuxFilesystem,
    sizeMiB: 250,
    filesystem: "ext4",
    mountpoint: "/boot",
  },
];

export const RESERVED_HEAD_MIB = 1;
/** Where the LVM physical volume starts: 1 + 24 + 200 + 250 = 475 MiB. */
export const LVM_START_MIB =
  RESERVED_HEAD_MIB + FIXED_PARTITIONS.reduce((sum, p) => sum + p.sizeMiB, 0);

export const VOLUME_GROUP = "cairn";
/** LVM extent size set explicitly at vgcreate, so extent counts in the plan are exact. */
export const EXTENT_BYTES = 4 * MiB;
/** First physical extent offset inside the PV (`pvcreate --dataalignment 1m`, default metadata area). */
export const PV_DATA_OFFSET_BYTES = MiB;
export const SWAP_GIB = 4;
export const ROOT_MIN_GIB = 20;
export const DEFAULT_CONTAINERS_GIB = 50;
/** When the catalog names no OSD size: ceph-volume refuses devices under 5 GB; 10 GB leaves room for BlueStore's DB. */
export const DEFAULT_OSD_MIN_BYTES = 10 * GB;

export interface DiskNeeds {
  /** Size of the containers LV, GiB (the largest over the node's roles). */
  containersGiB: number;
  /** A role's own minimum for the install disk, bytes; the layout's own minimum applies anyway. */
  installDiskBytes?: number;
  /** Present for Ceph OSD nodes: how many whole data disks, each at least `minBytes`. */
  osd?: { count: number; minBytes: number };
}

export interface PartitionPlan {
  number: number;
  purpose: PartitionPurpose;
  name: string;
  device: string;
  typeGuid: string;
  startSector: number;
  sizeSectors: number;
  startBytes: number;
  sizeBytes: number;
  filesystem?: "vfat" | "ext4";
  mountpoint?: string;
}

export interface LogicalVolumePlan {
  name: "swap" | "containers" | "root";
  extents: number;
  sizeBytes: number;
  /** Takes the free space left after the others (`--extents 100%FREE`). */
  fillsFree: boolean;
  filesystem: "swap" | "xfs";
  mountpoint?: string;
}

export interface PlanText {
  code: string;
  message: Localized;
  params: Params;
}

export interface OsDiskPlan {
  disk: string;
  device: string;
  sizeBytes: number;
  sectorBytes: number;
  totalSectors: number;
  label: "gpt";
  /** Last sector a partition may use (the backup GPT follows). */
  lastUsableSector: number;
  partitions: PartitionPlan[];
  volumeGroup: {
    name: string;
    physicalVolume: string;
    extentBytes: number;
    extents: number;
    sizeBytes: number;
  };
  logicalVolumes: LogicalVolumePlan[];
  /** Why this disk. */
  choice: PlanText;
}

export interface DataDiskPlan {
  name: string;
  device: string;
  sizeBytes: number;
}

export interface IgnoredDisk {
  name: string;
  sizeBytes: number;
  reason: PlanText;
}

export interface DiskPlan {
  nodeId: string;
  os: OsDiskPlan;
  /** Whole disks handed to Ceph, one OSD each (empty for nodes without ceph-osd). */
  osdDisks: DataDiskPlan[];
  /** What the node's roles ask of OSD disks; absent for nodes without ceph-osd. */
  osd?: { needed: number; minBytes: number; found: number };
  /** Disks left untouched, with the reason. */
  unused: IgnoredDisk[];
  /** Smallest disk that could hold this layout, bytes. */
  minimumOsDiskBytes: number;
}

export type DiskProblemCode =
  | "os-disk-missing"
  | "os-disk-removable"
  | "os-disk-too-small"
  | "no-install-disk"
  | "only-removable-disks";

export interface DiskProblem {
  code: DiskProblemCode;
  message: Localized;
  params: Params;
}

export type DiskPlanResult = { ok: true; plan: DiskPlan } | { ok: false; problems: DiskProblem[] };

/** `{minimum}` and `{size}` are formatted sizes; raw byte counts travel in the params too. */
export const DISK_PROBLEM_TEXT: Record<DiskProblemCode, Localized> = {
  "os-disk-missing": {
    en: "{node}: the chosen OS disk {disk} does not exist; the node has {disks}.",
    "zh-CN": "{node}：指定的系统盘 {disk} 不存在；该节点的磁盘为 {disks}。",
  },
  "os-disk-removable": {
    en: "{node}: the chosen OS disk {disk} is removable; the OS must go on a fixed disk.",
    "zh-CN": "{node}：指定的系统盘 {disk} 是可移动磁盘；操作系统必须安装在固定磁盘上。",
  },
  "os-disk-too-small": {
    en: "{node}: the chosen OS disk {disk} has {size}; the OS needs at least {minimum}.",
    "zh-CN": "{node}：指定的系统盘 {disk} 容量为 {size}；操作系统至少需要 {minimum}。",
  },
  "no-install-disk": {
    en: "{node}: no disk can hold the OS; it needs at least {minimum} and the largest fixed disk, {disk}, has {size}.",
    "zh-CN":
      "{node}：没有可安装操作系统的磁盘；至少需要 {minimum}，而最大的固定磁盘 {disk} 只有 {size}。",
  },
  "only-removable-disks": {
    en: "{node}: every disk is removable ({disks}); the OS needs a fixed disk of at least {minimum}.",
    "zh-CN":
      "{node}：所有磁盘均为可移动磁盘（{disks}）；操作系统需要一块至少 {minimum} 的固定磁盘。",
  },
};

export const DISK_CHOICE_TEXT: Record<"explicit" | "smallest-solid-state" | "smallest", Localized> =
  {
    explicit: {
      en: "{disk} ({size}) was chosen for the OS by the operator.",
      "zh-CN": "{disk}（{size}）由操作员指定为系统盘。",
    },
    "smallest-solid-state": {
      en: "{disk} ({size}) is the smallest fixed SSD/NVMe disk of at least {minimum}; larger disks stay free.",
      "zh-CN":
        "{disk}（{size}）是容量不小于 {minimum} 的最小固定 SSD/NVMe 磁盘；更大的磁盘保持空闲。",
    },
    smallest: {
      en: "{disk} ({size}) is the smallest fixed disk of at least {minimum}; no SSD or NVMe disk is large enough.",
      "zh-CN":
        "{disk}（{size}）是容量不小于 {minimum} 的最小固定磁盘；没有足够大的 SSD 或 NVMe 磁盘。",
    },
  };

export const UNUSED_DISK_TEXT: Record<"removable" | "too-small-for-osd" | "not-needed", Localized> =
  {
    removable: { en: "{disk} is removable.", "zh-CN": "{disk} 是可移动磁盘。" },
    "too-small-for-osd": {
      en: "{disk} ({size}) is smaller than the {minimum} an OSD needs.",
      "zh-CN": "{disk}（{size}）小于 OSD 所需的 {minimum}。",
    },
    "not-needed": {
      en: "{disk} is not needed by this node's roles.",
      "zh-CN": "该节点的角色不需要 {disk}。",
    },
  };

function trim(n: number, decimals: number): string {
  return String(Number(n.toFixed(decimals)));
}

/**
 * Sizes as vendors print them (decimal GB/TB), with two decimals so that a disk just under a
 * minimum never shows the same figure as the minimum.
 */
export function formatDiskSize(bytes: number): string {
  if (bytes >= 1000 * GB) return `${trim(bytes / (1000 * GB), 2)} TB`;
  if (bytes >= GB) return `${trim(bytes / GB, 2)} GB`;
  return `${trim(bytes / MiB, 0)} MiB`;
}

function text(table: Record<string, Localized>, code: string, params: Params): PlanText {
  return { code, params, message: localize(table[code] as Localized, params) };
}

function problem(code: DiskProblemCode, params: Params): DiskProblem {
  return { code, params, message: localize(DISK_PROBLEM_TEXT[code], params) };
}

export function deviceOf(diskName: string): string {
  return diskName.startsWith("/dev/") ? diskName : `/dev/${diskName}`;
}

/** nvme0n1 → nvme0n1p4, sda → sda4: the kernel adds "p" when the disk name ends in a digit. */
export function partitionDevice(diskName: string, number: number): string {
  const device = deviceOf(diskName);
  return /\d$/.test(device) ? `${device}p${number}` : `${device}${number}`;
}

function extentsFor(bytes: number): number {
  return Math.ceil(bytes / EXTENT_BYTES);
}

/** The smallest disk, in bytes, on which the layout fits with root at its minimum. */
export function layoutMinimumBytes(containersGiB: number): number {
  const extents =
    extentsFor(SWAP_GIB * GiB) + extentsFor(containersGiB * GiB) + extentsFor(ROOT_MIN_GIB * GiB);
  const pvBytes = PV_DATA_OFFSET_BYTES + extents * EXTENT_BYTES;
  return LVM_START_MIB * MiB + pvBytes + GPT_BACKUP_SECTORS * SECTOR_BYTES;
}

export function minimumOsDiskBytes(needs: DiskNeeds): number {
  return Math.max(layoutMinimumBytes(needs.containersGiB), needs.installDiskBytes ?? 0);
}

function isSolidState(disk: Disk): boolean {
  return disk.type === "ssd" || disk.type === "nvme";
}

function bySizeThenName(a: Disk, b: Disk): number {
  return a.sizeBytes - b.sizeBytes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

export type NodeDisks = Pick<Node, "id" | "hostname" | "osDisk"> & {
  hardware: Pick<Node["hardware"], "disks">;
};

export type OsDiskChoiceCode = keyof typeof DISK_CHOICE_TEXT;

/**
 * Picks the OS disk, or says why none fits. The choice comes back as a code and params (no text),
 * so that rules can run it for thousands of nodes cheaply; `chooseOsDisk` adds the explanation.
 */
export function pickOsDisk(
  node: NodeDisks,
  minimumBytes: number,
):
  | { ok: true; disk: Disk; code: OsDiskChoiceCode; minimumBytes: number }
  | { ok: false; problems: DiskProblem[] } {
  const disks = node.hardware.disks;
  if (node.osDisk) {
    const named = disks.find((d) => d.name === node.osDisk);
    if (named && !named.removable && named.sizeBytes >= minimumBytes)
      return { ok: true, disk: named, code: "explicit", minimumBytes };
  } else {
    let best: Disk | undefined;
    let bestSolid: Disk | undefined;
    for (const d of disks) {
      if (d.removable || d.sizeBytes < minimumBytes) continue;
      if (!best || bySizeThenName(d, best) < 0) best = d;
      if (isSolidState(d) && (!bestSolid || bySizeThenName(d, bestSolid) < 0)) bestSolid = d;
    }
    if (bestSolid)
      return {
        ok: true,
        disk: bestSolid,
        code: "smallest-solid-state",
        minimumBytes,
      };
    if (best) return { ok: true, disk: best, code: "smallest", minimumBytes };
  }
  return { ok: false, problems: [osDiskProblem(node, minimumBytes)] };
}

function osDiskProblem(node: NodeDisks, minimumBytes: number): DiskProblem {
  const disks = node.hardware.disks;
  const base = {
    node: node.hostname || node.id,
    minimum: formatDiskSize(minimumBytes),
    minimumBytes,
  };
  const names = disks.map((d) => d.name).join(", ");
  if (node.osDisk) {
    const named = disks.find((d) => d.name === node.osDisk);
    if (!named)
      return problem("os-disk-missing", {
        ...base,
        disk: node.osDisk,
        disks: names,
      });
    const detail = {
      ...base,
      disk: named.name,
      size: formatDiskSize(named.sizeBytes),
      sizeBytes: named.sizeBytes,
    };
    return problem(named.removable ? "os-disk-removable" : "os-disk-too-small", detail);
  }
  const fixed = disks.filter((d) => !d.removable).sort(bySizeThenName);
  const largest = fixed[fixed.length - 1];
  if (!largest) return problem("only-removable-disks", { ...base, disks: names });
  return problem("no-install-disk", {
    ...base,
    disk: largest.name,
    size: formatDiskSize(largest.sizeBytes),
    sizeBytes: largest.sizeBytes,
  });
}

/** Picks the OS disk and explains the choice in both languages. */
export function chooseOsDisk(
  node: NodeDisks,
  minimumBytes: number,
): { ok: true; disk: Disk; choice: PlanText } | { ok: false; problems: DiskProblem[] } {
  const picked = pickOsDisk(node, minimumBytes);
  if (!picked.ok) return picked;
  const params = {
    node: node.hostname || node.id,
    disk: picked.disk.name,
    size: formatDiskSize(picked.disk.sizeBytes),
    sizeBytes: picked.disk.sizeBytes,
    minimum: formatDiskSize(minimumBytes),
    minimumBytes,
  };
  return {
    ok: true,
    disk: picked.disk,
    choice: text(DISK_CHOICE_TEXT, picked.code, params),
  };
}

/** How many disks Ceph could take whole: fixed, not the OS disk, at least `minBytes`. */
export function countOsdCandidates(
  node: NodeDisks,
  osDisk: Disk | undefined,
  minBytes: number,
): number {
  let count = 0;
  for (const d of node.hardware.disks)
    if (d !== osDisk && !d.removable && d.sizeBytes >= minBytes) count++;
  return count;
}

/**
 * Lays out the OS disk. The caller guarantees `disk.sizeBytes ≥ minimumOsDiskBytes(needs)`; a
 * smaller disk still gets a correct partition table, with `root.extents` below the minimum.
 */
export function layoutOsDisk(disk: Disk, needs: DiskNeeds, choice: PlanText): OsDiskPlan {
  const totalSectors = Math.floor(disk.sizeBytes / SECTOR_BYTES);
  const lastUsableSector = totalSectors - GPT_BACKUP_SECTORS - 1;
  const partitions: PartitionPlan[] = [];
  let start = RESERVED_HEAD_MIB * SECTORS_PER_MIB;
  const push = (
    p: FixedPartition | (Omit<FixedPartition, "sizeMiB"> & { sizeMiB?: number }),
    sizeSectors: number,
  ) => {
    const number = partitions.length + 1;
    partitions.push({
      number,
      purpose: p.purpose,
      name: p.name,
      device: partitionDevice(disk.name, number),
      typeGuid: p.typeGuid,
      startSector: start,
      sizeSectors,
      startBytes: start * SECTOR_BYTES,
      sizeBytes: sizeSectors * SECTOR_BYTES,
      ...(p.filesystem ? { filesystem: p.filesystem } : {}),
      ...(p.mountpoint ? { mountpoint: p.mountpoint } : {}),
    });
    start += sizeSectors;
  };
  for (const p of FIXED_PARTITIONS) push(p, p.sizeMiB * SECTORS_PER_MIB);
  // The PV runs to the last whole MiB before the backup GPT: aligned, and nothing left unused beyond that.
  const pvSectors = Math.max(
    0,
    Math.floor((lastUsableSector + 1 - start) / ALIGNMENT_SECTORS) * ALIGNMENT_SECTORS,
  );
  push({ purpose: "lvm", name: VOLUME_GROUP, typeGuid: PARTITION_TYPES.linuxLvm }, pvSectors);
  const pv = partitions[partitions.length - 1] as PartitionPlan;
  const vgExtents = Math.max(0, Math.floor((pv.sizeBytes - PV_DATA_OFFSET_BYTES) / EXTENT_BYTES));
  const swap = extentsFor(SWAP_GIB * GiB);
  const containers = extentsFor(needs.containersGiB * GiB);
  const root = Math.max(0, vgExtents - swap - containers);
  return {
    disk: disk.name,
    device: deviceOf(disk.name),
    sizeBytes: disk.sizeBytes,
    sectorBytes: SECTOR_BYTES,
    totalSectors,
    label: "gpt",
    lastUsableSector,
    partitions,
    volumeGroup: {
      name: VOLUME_GROUP,
      physicalVolume: pv.device,
      extentBytes: EXTENT_BYTES,
      extents: vgExtents,
      sizeBytes: vgExtents * EXTENT_BYTES,
    },
    logicalVolumes: [
      {
        name: "swap",
        extents: swap,
        sizeBytes: swap * EXTENT_BYTES,
        fillsFree: false,
        filesystem: "swap",
      },
      {
        name: "containers",
        extents: containers,
        sizeBytes: containers * EXTENT_BYTES,
        fillsFree: false,
        filesystem: "xfs",
        mountpoint: "/var/lib/containers",
      },
      {
        name: "root",
        extents: root,
        sizeBytes: root * EXTENT_BYTES,
        fillsFree: true,
        filesystem: "xfs",
        mountpoint: "/",
      },
    ],
    choice,
  };
}

/** Plans every disk of a node: the OS disk and, for Ceph OSD nodes, the whole data disks. */
export function planDisks(node: NodeDisks, needs: DiskNeeds): DiskPlanResult {
  const minimum = minimumOsDiskBytes(needs);
  const chosen = chooseOsDisk(node, minimum);
  if (!chosen.ok) return chosen;
  const os = layoutOsDisk(chosen.disk, needs, chosen.choice);
  const osdDisks: DataDiskPlan[] = [];
  const unused: IgnoredDisk[] = [];
  const others = node.hardware.disks.filter((d) => d !== chosen.disk).sort(bySizeThenName);
  for (const disk of others) {
    const params = { disk: disk.name, size: formatDiskSize(disk.sizeBytes) };
    if (disk.removable) {
      unused.push({
        name: disk.name,
        sizeBytes: disk.sizeBytes,
        reason: text(UNUSED_DISK_TEXT, "removable", params),
      });
    } else if (!needs.osd) {
      unused.push({
        name: disk.name,
        sizeBytes: disk.sizeBytes,
        reason: text(UNUSED_DISK_TEXT, "not-needed", params),
      });
    } else if (disk.sizeBytes < needs.osd.minBytes) {
      const reason = text(UNUSED_DISK_TEXT, "too-small-for-osd", {
        ...params,
        minimum: formatDiskSize(needs.osd.minBytes),
      });
      unused.push({ name: disk.name, sizeBytes: disk.sizeBytes, reason });
    } else {
      osdDisks.push({
        name: disk.name,
        device: deviceOf(disk.name),
        sizeBytes: disk.sizeBytes,
      });
    }
  }
  osdDisks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    ok: true,
    plan: {
      nodeId: node.id,
      os,
      osdDisks,
      ...(needs.osd
        ? {
            osd: {
              needed: needs.osd.count,
              minBytes: needs.osd.minBytes,
              found: osdDisks.length,
            },
          }
        : {}),
      unused,
      minimumOsDiskBytes: minimum,
    },
  };
}

/** What the catalog asks of a node's disks (see roles/catalog `nodeRequirements`). */
export function diskNeedsFrom(
  requirements: {
    containersGiB: number;
    installDiskGB: number;
    dataDisks: number;
    dataDiskGB: number;
  },
  services: ReadonlySet<string>,
): DiskNeeds {
  return {
    containersGiB:
      requirements.containersGiB > 0 ? requirements.containersGiB : DEFAULT_CONTAINERS_GIB,
    ...(requirements.installDiskGB > 0
      ? { installDiskBytes: requirements.installDiskGB * GB }
      : {}),
    ...(services.has("ceph-osd")
      ? {
          osd: {
            count: Math.max(1, requirements.dataDisks),
            minBytes:
              requirements.dataDiskGB > 0 ? requirements.dataDiskGB * GB : DEFAULT_OSD_MIN_BYTES,
          },
        }
      : {}),
  };
}

/**
 * The sfdisk input that creates the OS disk's partition table, in sectors. Partitions are listed
 * without device names, so sfdisk numbers them in order whatever the disk is called.
 */
export function sfdiskScript(plan: DiskPlan | OsDiskPlan): string {
  const os = "os" in plan ? plan.os : plan;
  const lines = [
    "label: gpt",
    "unit: sectors",
    `first-lba: ${ALIGNMENT_SECTORS}`,
    `last-lba: ${os.lastUsableSector}`,
    "",
  ];
  for (const p of os.partitions) {
    lines.push(
      `start=${p.startSector}, size=${p.sizeSectors}, type=${p.typeGuid}, name="${p.name}"`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The LVM commands that build VG `cairn` on the OS disk's last partition; root takes what is left. */
export function lvmCommands(plan: DiskPlan | OsDiskPlan): string[] {
  const os = "os" in plan ? plan.os : plan;
  const vg = os.volumeGroup;
  const commands = [
    `pvcreate --yes --dataalignment 1m ${vg.physicalVolume}`,
    `vgcreate --yes --physicalextentsize ${vg.extentBytes / MiB}m ${vg.name} ${vg.physicalVolume}`,
  ];
  for (const lv of os.logicalVolumes) {
    const size = lv.fillsFree ? "100%FREE" : String(lv.extents);
    commands.push(`lvcreate --yes --name ${lv.name} --extents ${size} ${vg.name}`);
  }
  return commands;
}
