/**
 * decommission (remove-node, on the removed node itself): removes the files Cairn wrote on it —
 * and only those — so a reused machine starts clean. Disks and workloads are left alone.
 */
import type { StepContext } from "../../sdk/step";

/** Every file Cairn's built-in steps write on a node (keep in step with the steps). */
export const CAIRN_FILES = [
  "etc/cairn/maintenance",
  "etc/sysctl.d/60-cairn.conf",
  "etc/nova/nova.conf.d/50-cairn-overcommit.conf",
] as const;

export default async function decommission(ctx: StepContext): Promise<void> {
  for (const file of CAIRN_FILES) await ctx.removeFile(file);
}
