/**
 * decommission (remove-node, on the removed node itself): removes the configuration files Cairn's
 * steps wrote on it — and only those, and only while they still carry Cairn's marker (a file an
 * administrator took over is left alone) — so a reused machine starts clean. Hostname, hosts,
 * resolv.conf and chrony.conf stay: a machine cannot work without them. Disks and workloads are
 * left alone.
 */
import { isManagedByCairn } from "../../../domain/release/host/managed";
import type { StepContext } from "../../sdk/step";

/** Files Cairn's built-in steps own on a node (keep in step with the steps). */
export const CAIRN_FILES = [
  "etc/cairn/maintenance",
  "etc/sysctl.d/60-cairn.conf",
  "etc/modules-load.d/60-cairn.conf",
  "etc/containers/containers.conf.d/60-cairn.conf",
  "etc/containerd/config.toml",
  "etc/nova/nova.conf.d/50-cairn-overcommit.conf",
] as const;

export default async function decommission(ctx: StepContext): Promise<void> {
  for (const file of CAIRN_FILES) {
    const content = await ctx.readFile(file);
    if (content === null) continue;
    if (file === "etc/cairn/maintenance" || isManagedByCairn(content)) await ctx.removeFile(file);
    else ctx.log(`left /${file} in place: it is not Cairn's (no marker)`);
  }
}
