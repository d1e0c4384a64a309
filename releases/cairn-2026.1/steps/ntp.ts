/**
 * Step `ntp`: `/etc/chrony/chrony.conf` (Debian/Ubuntu layout) from the NTP settings. Where chrony
 * is installed, the generated file is checked with `chronyd -p -f FILE` before it replaces the
 * current one, in noop as well: a file chrony cannot read would leave the node without time sync
 * after the next restart of chrony, so a rejected file fails the step and nothing is written.
 */
import { CHRONY_CONF_PATH, chronyConf } from "../../../domain/release/host/chrony";
import { clusterNodes } from "../../../domain/release/host/peers";
import { checkCandidate, type StepContext } from "../../sdk/step";

export default async function ntpStep(ctx: StepContext): Promise<void> {
  const { cluster, node } = ctx.input;
  const content = chronyConf({
    ntp: cluster.settings.ntp,
    node,
    nodes: clusterNodes(ctx.input),
    networks: cluster.networks,
  });
  if (ctx.has("chronyd"))
    await checkCandidate(ctx, CHRONY_CONF_PATH, content, {
      tool: "chronyd",
      args: (file) => ["-p", "-f", file],
      refused: (reason) =>
        `chronyd rejected the chrony.conf generated from the NTP settings, so nothing was written: ${reason}. Check settings.ntp.servers.`,
    });
  else ctx.log("chronyd is not installed on this machine: chrony.conf is written without a check");
  const change = await ctx.writeFile(CHRONY_CONF_PATH, content);
  if (ctx.mode === "apply" && ctx.root === "/" && change !== "unchanged" && ctx.has("systemctl"))
    ctx.run("systemctl", ["try-restart", "chrony.service"]);
}
