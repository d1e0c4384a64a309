/**
 * What the disk-layout step needs around the domain's disk planner (domain/disk/plan.ts): the OS
 * disk plan for the node of a step input, the disk to act on (a lab node's image file, or the block
 * device), the sfdisk invocation, and the comparison of what `sfdisk --json` reads back with the
 * plan. Pure: the step runs the tools and hands their output here.
 *
 * The rule that keeps data safe: a disk is partitioned only when it is blank (no partition table
 * and no signature of any kind, or an empty table). A disk whose table matches the plan is left
 * alone (the step is idempotent); any other disk is refused with what differs, never overwritten.
 */
import { z } from "zod";
import {
  formatDiskSize,
  planDisks,
  diskNeedsFrom,
  MiB,
  SECTOR_BYTES,
  type DiskNeeds,
  type OsDiskPlan,
} from "../../disk/plan";
import { builtinCatalog } from "../../roles/builtin";
import { nodeRequirements, servicesOfRoles } from "../../roles/catalog";
import type { RoleCatalog } from "../../roles/schema";
import type { StepContract } from "../contract";
import { HostConfigError } from "../host/managed";

/** Where a lab node's disk images live, relative to its root (agent/lab.ts writes them; a test keeps the two equal). */
export const LAB_DISK_DIR = "var/lib/cairn-lab/disks";

/** The image file that stands for `disk` on a lab node, relative to its root. */
export function labDiskImage(disk: string): string {
  return `${LAB_DISK_DIR}/${disk.replace(/^\/dev\//, "")}.img`;
}

/** What the node's roles ask of its disks, from the release's catalog (unknown roles add nothing). */
export function diskNeedsOf(
  roles: readonly string[],
  catalog: RoleCatalog = builtinCatalog,
): DiskNeeds {
  return diskNeedsFrom(nodeRequirements(catalog, roles), servicesOfRoles(catalog, roles));
}

/** The OS disk plan of the step's node; a node no disk fits is an error naming the field. */
export function osDiskPlanOf(
  node: StepContract["node"],
  catalog: RoleCatalog = builtinCatalog,
): OsDiskPlan {
  const result = planDisks(
    { id: node.id, hostname: node.hostname, osDisk: node.osDisk, hardware: node.hardware },
    diskNeedsOf(node.roles, catalog),
  );
  if (!result.ok)
    throw new HostConfigError(
      node.osDisk !== undefined ? "node.osDisk" : "node.hardware.disks",
      result.problems.map((p) => p.message.en).join(" "),
    );
  return result.plan.os;
}

/** `sfdisk --json` of a disk, the fields compared with the plan. */
export const sfdiskJsonSchema = z.object({
  partitiontable: z.object({
    label: z.string(),
    id: z.string().optional(),
    device: z.string(),
    unit: z.string(),
    firstlba: z.number().int().optional(),
    lastlba: z.number().int().optional(),
    sectorsize: z.number().int().optional(),
    partitions: z
      .array(
        z.object({
          node: z.string(),
          start: z.number().int(),
          size: z.number().int(),
          type: z.string(),
          uuid: z.string().optional(),
          name: z.string().optional(),
        }),
      )
      .default([]),
  }),
});
export type PartitionTable = z.infer<typeof sfdiskJsonSchema>["partitiontable"];

export function parseSfdiskJson(text: string): PartitionTable {
  return sfdiskJsonSchema.parse(JSON.parse(text)).partitiontable;
}

/** `wipefs --json` (without --all: it only reads): the signatures found on a disk. */
export const wipefsJsonSchema = z.object({
  signatures: z
    .array(z.object({ device: z.string(), offset: z.string(), type: z.string() }))
    .default([]),
});
export type Signature = z.infer<typeof wipefsJsonSchema>["signatures"][number];

export function parseWipefsJson(text: string): Signature[] {
  return wipefsJsonSchema.parse(JSON.parse(text)).signatures;
}

/** sfdisk's message when a disk carries no partition table it knows. */
export const NO_TABLE_PATTERN = /does not contain a recognized partition table/;

export type TableComparison =
  | { status: "matches" }
  /** Nothing on the disk: no table (or one without partitions) and no other signature. */
  | { status: "blank" }
  | { status: "differs"; differences: string[] };

function span(start: number, size: number): string {
  return `sectors ${start}–${start + size - 1} (${formatDiskSize(size * SECTOR_BYTES)})`;
}

/**
 * The disk as read (`table`: null when sfdisk finds no partition table; `signatures` from wipefs)
 * against the plan. Partitions compare on start, size, type and name; the table on its label,
 * sector size and last usable sector.
 */
export function compareTable(
  plan: OsDiskPlan,
  table: PartitionTable | null,
  signatures: readonly Signature[] = [],
): TableComparison {
  if (table === null || table.partitions.length === 0) {
    const foreign = signatures.filter((s) => table === null || !isTableSignature(s.type));
    if (foreign.length === 0) return { status: "blank" };
    return {
      status: "differs",
      differences: [
        `the disk has no partitions but carries ${foreign
          .map((s) => `a ${s.type} signature at offset ${s.offset}`)
          .join(", ")}`,
      ],
    };
  }
  const differences: string[] = [];
  if (table.label !== plan.label)
    differences.push(`the partition table is ${table.label}; the plan is ${plan.label}`);
  if (table.sectorsize !== undefined && table.sectorsize !== plan.sectorBytes)
    differences.push(
      `the disk has ${table.sectorsize}-byte sectors; the plan is made for ${plan.sectorBytes}-byte sectors`,
    );
  if (
    table.label === plan.label &&
    table.lastlba !== undefined &&
    table.lastlba !== plan.lastUsableSector
  )
    differences.push(
      `the last usable sector is ${table.lastlba}; the plan expects ${plan.lastUsableSector} (a disk of another size)`,
    );
  if (table.partitions.length !== plan.partitions.length)
    differences.push(
      `the disk has ${table.partitions.length} partition(s); the plan has ${plan.partitions.length}`,
    );
  const count = Math.min(table.partitions.length, plan.partitions.length);
  for (let i = 0; i < count; i++) {
    const found = table.partitions[i]!;
    const wanted = plan.partitions[i]!;
    const what: string[] = [];
    if (found.start !== wanted.startSector || found.size !== wanted.sizeSectors)
      what.push(
        `covers ${span(found.start, found.size)} instead of ${span(wanted.startSector, wanted.sizeSectors)}`,
      );
    if (found.type.toUpperCase() !== wanted.typeGuid)
      what.push(`has type ${found.type} instead of ${wanted.typeGuid} (${wanted.purpose})`);
    if ((found.name ?? "") !== wanted.name)
      what.push(`is named "${found.name ?? ""}" instead of "${wanted.name}"`);
    if (what.length) differences.push(`partition ${i + 1} ${what.join(", ")}`);
  }
  return differences.length ? { status: "differs", differences } : { status: "matches" };
}

/** Signatures that are the partition table itself (a GPT with its protective MBR, or a DOS table). */
function isTableSignature(type: string): boolean {
  return ["gpt", "PMBR", "dos"].includes(type);
}

/** The planned table in words, one line per partition, for logs and noop output. */
export function describePlan(plan: OsDiskPlan): string[] {
  return [
    `${plan.label} table on ${plan.disk} (${formatDiskSize(plan.sizeBytes)}, ${plan.totalSectors} sectors of ${plan.sectorBytes} bytes):`,
    ...plan.partitions.map(
      (p) =>
        `  ${p.number} ${p.name.padEnd(9)} start=${p.startSector} size=${p.sizeSectors} (${sizeText(p.sizeBytes)}) type=${p.typeGuid}${p.mountpoint ? ` → ${p.mountpoint}` : ""}`,
    ),
  ];
}

/** The table found on a disk, one line per partition. */
export function describeTable(table: PartitionTable): string[] {
  return [
    `${table.label} table on ${table.device}:`,
    ...table.partitions.map(
      (p, i) =>
        `  ${i + 1} ${(p.name ?? "").padEnd(9)} start=${p.start} size=${p.size} type=${p.type}`,
    ),
  ];
}

function sizeText(bytes: number): string {
  return bytes % MiB === 0 && bytes < 1024 * MiB ? `${bytes / MiB} MiB` : formatDiskSize(bytes);
}

/**
 * Arguments for `sfdisk` writing the plan's script (given on stdin) to `target`. An image file is
 * not a block device: the kernel is not asked to re-read it.
 */
export function sfdiskApplyArgs(target: string, image: boolean): string[] {
  return image ? ["--no-reread", "--no-tell-kernel", target] : [target];
}

/** Why a disk is left alone, what differs, and how an operator can go on. */
export function refusalMessage(
  hostname: string,
  plan: OsDiskPlan,
  target: string,
  image: boolean,
  differences: readonly string[],
): string {
  const how = image
    ? `To start this lab disk over, wipe it (wipefs --all ${target}) or delete the image and restart the lab node`
    : `To reuse the disk, wipe it on the node first (wipefs --all ${target}), then retry this step`;
  return [
    `${hostname}: ${target} already holds something other than the planned ${plan.label} table, and Cairn does not overwrite a disk that may hold data:`,
    ...differences.map((d) => `  - ${d}`),
    `${how}; or choose another OS disk for ${hostname} in its disk settings.`,
  ].join("\n");
}
