/**
 * disk-layout (graph provision, on added nodes): gives the node's OS disk the partition table of
 * the domain's disk plan (domain/disk/plan.ts), with sfdisk, and reads it back with sfdisk to check.
 *
 * - Which disk: on a lab node (CAIRN_ROOT is not /) the disk's sparse image file
 *   `var/lib/cairn-lab/disks/<disk>.img` under the root — never a device of the host; on a real
 *   node the block device /dev/<disk>.
 * - Idempotent: a disk whose table already matches the plan is left untouched.
 * - Safe: only a blank disk (no partition table, no signature of any kind) is partitioned. Any
 *   other disk is refused with what differs and how to go on; nothing is overwritten. (Forcing
 *   would be a per-node "wipe the OS disk" flag in the step input; the contract has none yet.)
 * - noop: prints the planned table and what would happen to the disk; reads, never writes.
 *
 * The LVM volumes of the plan (swap, containers, root) are created by the OS installation that
 * runs on these partitions, not here.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { sfdiskScript, type OsDiskPlan } from "../../../domain/disk/plan";
import {
  NO_TABLE_PATTERN,
  compareTable,
  describePlan,
  describeTable,
  labDiskImage,
  osDiskPlanOf,
  parseSfdiskJson,
  parseWipefsJson,
  refusalMessage,
  sfdiskApplyArgs,
  type PartitionTable,
  type Signature,
} from "../../../domain/release/disk/apply";
import { StepError, type StepContext } from "../../sdk/step";

export interface DiskTarget {
  /** What sfdisk acts on: the image file or the block device. */
  path: string;
  /** How it shows in logs and in the step's change list. */
  display: string;
  image: boolean;
}

/** The OS disk as this node sees it; a lab root never reaches for /dev. */
export function diskTarget(ctx: StepContext, plan: OsDiskPlan): DiskTarget {
  const rel = labDiskImage(plan.disk);
  if (ctx.root !== "/") {
    const file = ctx.path(rel);
    if (!existsSync(file))
      throw new StepError(
        `${ctx.input.node.hostname}: the lab disk image /${rel} does not exist under ${ctx.root}; lab nodes get one sparse image per disk when the lab starts them. Refusing to touch ${plan.device} of this machine from a lab node.`,
      );
    return { path: file, display: `/${rel}`, image: true };
  }
  return { path: plan.device, display: plan.device, image: false };
}

function sizeOf(target: DiskTarget, ctx: StepContext, tool: (n: string) => string): number {
  if (target.image) return statSync(target.path).size;
  return Number(ctx.run(tool("blockdev"), ["--getsize64", target.path], { inNoop: true }).trim());
}

/** Reads the disk's partition table (null when it has none) and its signatures; changes nothing. */
export function readDisk(
  target: DiskTarget,
  sfdisk: string,
  wipefs: string | null,
): { table: PartitionTable | null; signatures: Signature[] } {
  const r = spawnSync(sfdisk, ["--json", target.path], { encoding: "utf8" });
  if (r.error) throw new StepError(`${sfdisk}: ${r.error.message}`);
  let table: PartitionTable | null = null;
  if (r.status === 0) table = parseSfdiskJson(r.stdout);
  else if (!NO_TABLE_PATTERN.test(r.stderr))
    throw new StepError(`sfdisk --json ${target.display} failed: ${r.stderr.trim()}`);
  let signatures: Signature[] = [];
  if (wipefs) {
    const w = spawnSync(wipefs, ["--json", target.path], { encoding: "utf8" });
    if (w.status !== 0)
      throw new StepError(
        `wipefs --json ${target.display} failed: ${(w.stderr || w.stdout).trim()}`,
      );
    signatures = w.stdout.trim() === "" ? [] : parseWipefsJson(w.stdout);
  }
  return { table, signatures };
}

export default async function diskLayout(ctx: StepContext): Promise<void> {
  const plan = osDiskPlanOf(ctx.input.node);
  const tool = (name: string) => {
    const found = ctx.which(name);
    if (!found)
      throw new StepError(
        `${name} is not installed on ${ctx.input.node.hostname}: install util-linux and fdisk (apt-get install fdisk), then retry`,
      );
    return found;
  };
  const sfdisk = tool("sfdisk");
  const target = diskTarget(ctx, plan);
  for (const line of describePlan(plan)) ctx.log(line);
  ctx.log(`why this disk: ${plan.choice.message.en}`);

  const size = sizeOf(target, ctx, tool);
  if (size !== plan.sizeBytes)
    throw new StepError(
      `${ctx.input.node.hostname}: ${target.display} has ${size} bytes, but the plan was made for ${plan.sizeBytes} bytes (the disk the agent reported): rediscover the node's hardware before partitioning`,
    );

  const before = readDisk(target, sfdisk, tool("wipefs"));
  const comparison = compareTable(plan, before.table, before.signatures);
  if (comparison.status === "differs") {
    if (before.table) for (const line of describeTable(before.table)) ctx.log(`found: ${line}`);
    throw new StepError(
      refusalMessage(
        ctx.input.node.hostname,
        plan,
        target.display,
        target.image,
        comparison.differences,
      ),
    );
  }
  if (comparison.status === "matches") {
    ctx.changes.push({ path: target.display, change: "unchanged" });
    ctx.log(`${target.display} already has the planned partition table: nothing to do`);
    return;
  }

  const script = sfdiskScript(plan);
  const args = sfdiskApplyArgs(target.path, target.image);
  const shown = `sfdisk ${sfdiskApplyArgs(target.display, target.image).join(" ")}`;
  ctx.changes.push({ path: target.display, change: "created" });
  if (ctx.mode === "noop") {
    ctx.log(`${target.display} is blank: would write this partition table with ${shown}:`);
    for (const line of script.trimEnd().split("\n")) ctx.log(`+${line ? ` ${line}` : ""}`);
    return;
  }
  ctx.log(`$ ${shown} < (the planned table above)`);
  const r = spawnSync(sfdisk, args, { input: script, encoding: "utf8" });
  if (r.error) throw new StepError(`${sfdisk}: ${r.error.message}`);
  if (r.status !== 0)
    throw new StepError(
      `sfdisk could not write the partition table of ${target.display}: ${(r.stderr || r.stdout).trim()}`,
    );

  const after = readDisk(target, sfdisk, null);
  const check = compareTable(plan, after.table);
  if (check.status !== "matches")
    throw new StepError(
      `${target.display} was partitioned, but sfdisk reads back a different table: ${check.status === "differs" ? check.differences.join("; ") : "no table"}`,
    );
  const dump = spawnSync(sfdisk, ["--dump", target.path], { encoding: "utf8" });
  for (const line of dump.stdout.trimEnd().split("\n"))
    ctx.log(`sfdisk --dump: ${line.split(target.path).join(target.display)}`);
  ctx.log(
    `created the planned ${plan.partitions.length}-partition ${plan.label} table on ${target.display}`,
  );
}
