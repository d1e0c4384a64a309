/**
 * Step `overcommit`: nova's allocation ratios and host reservations
 * (`/etc/nova/nova.conf.d/50-cairn-overcommit.conf`) on nodes that run nova-compute. A node that no
 * longer runs it loses the snippet (only if Cairn wrote it). nova-compute reads the snippet when it
 * restarts, which the service deployment (kolla-ansible reconfigure) does.
 */
import { isManagedByCairn } from "../../../domain/release/host/managed";
import { NOVA_OVERCOMMIT_PATH, novaOvercommitConf } from "../../../domain/release/host/nova";
import type { StepContext } from "../../sdk/step";

export default async function overcommitStep(ctx: StepContext): Promise<void> {
  const { cluster, node } = ctx.input;
  const content = novaOvercommitConf({
    hostname: node.hostname,
    roles: node.roles,
    overcommit: cluster.settings.overcommit,
    hardware: node.hardware,
  });
  if (content !== null) {
    await ctx.writeFile(NOVA_OVERCOMMIT_PATH, content);
    return;
  }
  const current = await ctx.readFile(NOVA_OVERCOMMIT_PATH);
  if (current === null || isManagedByCairn(current)) await ctx.removeFile(NOVA_OVERCOMMIT_PATH);
  else ctx.log(`left /${NOVA_OVERCOMMIT_PATH} in place: Cairn did not write it`);
}
