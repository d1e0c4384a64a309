/**
 * Step `monitoring-agent` (deploy, update-settings): `/etc/collectd/collectd.conf` from the pack's
 * settings. Where collectd is installed the candidate is checked first with `collectd -T` (parse
 * the file, load and configure every plugin, read once, exit; `-t` does not check anything in
 * collectd 5.12), in noop as well, so a file collectd would refuse is never written. A
 * collectd.conf without Cairn's marker (an administrator's, or the `collectd` package's) is never
 * replaced: the step fails and says so.
 */
import { isManagedByCairn } from "../../../../domain/release/host/managed";
import type { PackStepContext } from "../../../sdk/pack";
import { checkCandidate, StepError } from "../../../sdk/step";
import { COLLECTD_CONF_PATH, collectdConf, type MonitoringSettings } from "./collectd-conf";

export default async function monitoringAgentStep(ctx: PackStepContext): Promise<void> {
  const content = collectdConf({
    hostname: ctx.input.node.hostname,
    settings: ctx.pack.settings as unknown as MonitoringSettings,
    pack: ctx.pack,
  });
  const current = await ctx.readFile(COLLECTD_CONF_PATH);
  if (current !== null && !isManagedByCairn(current))
    throw new StepError(
      `/${COLLECTD_CONF_PATH} exists and is not Cairn's (no "# Managed by Cairn" first line), so it was left as it is: move it away (or remove the collectd package's configuration) and run the step again`,
    );
  const real = ctx.root === "/";
  if (ctx.has("collectd"))
    await checkCandidate(ctx, COLLECTD_CONF_PATH, content, {
      tool: "collectd",
      args: (file) => ["-T", "-B", "-C", file],
      refused: (reason) =>
        `collectd rejected the collectd.conf generated from the pack's settings, so nothing was written: ${reason}. Check settings.packs.monitoring-agent.`,
    });
  else if (real && ctx.mode === "apply")
    throw new StepError(
      "collectd is not installed on this node: install Debian's collectd-core package (apt-get install collectd-core) and run the step again",
    );
  else
    ctx.log("collectd is not installed on this machine: collectd.conf is written without a check");
  const change = await ctx.writeFile(COLLECTD_CONF_PATH, content);
  if (ctx.mode === "apply" && real && change !== "unchanged" && ctx.has("systemctl")) {
    ctx.run("systemctl", ["enable", "collectd.service"]);
    ctx.run("systemctl", ["restart", "collectd.service"]);
  }
}
