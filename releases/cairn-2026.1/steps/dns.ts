/**
 * Step `dns`: `/etc/resolv.conf` from the cluster's DNS servers and domain (settings.dns).
 * Debian/Ubuntu layout; on Ubuntu the systemd-resolved stub link is replaced by this file.
 */
import { RESOLV_CONF_PATH, resolvConf } from "../../../domain/release/host/resolv";
import type { StepContext } from "../../sdk/step";

export default async function dnsStep(ctx: StepContext): Promise<void> {
  await ctx.writeFile(RESOLV_CONF_PATH, resolvConf(ctx.input.cluster.settings.dns));
}
