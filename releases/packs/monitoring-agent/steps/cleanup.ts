/**
 * The pack's cleanup (run on every node that ran the pack's step when the pack is removed, and on
 * removed nodes by the remove-node graph): removes `/etc/collectd/collectd.conf` — only while it
 * still carries Cairn's marker, so a file an administrator took over stays — and on a real node
 * stops collectd first. collectd itself (the package) stays installed: Cairn did not install it.
 */
import { isManagedByCairn } from "../../../../domain/release/host/managed";
import type { StepContext } from "../../../sdk/step";
import { COLLECTD_CONF_PATH } from "./collectd-conf";

export default async function monitoringAgentCleanup(ctx: StepContext): Promise<void> {
  const content = await ctx.readFile(COLLECTD_CONF_PATH);
  if (content === null) {
    ctx.log(`/${COLLECTD_CONF_PATH} is absent: nothing to clean`);
    return;
  }
  if (!isManagedByCairn(content)) {
    ctx.log(`left /${COLLECTD_CONF_PATH} in place: it is not Cairn's (no marker)`);
    return;
  }
  if (ctx.mode === "apply" && ctx.root === "/" && ctx.has("systemctl") && ctx.has("collectd"))
    ctx.run("systemctl", ["disable", "--now", "collectd.service"]);
  await ctx.removeFile(COLLECTD_CONF_PATH);
}
