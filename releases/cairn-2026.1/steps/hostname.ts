/**
 * Step `hostname`: the node's name (`/etc/hostname`) and every cluster node by its management
 * address (`/etc/hosts`). Runs on every node whenever the cluster's nodes or addresses change, so
 * a removed node's line leaves every `/etc/hosts` with it. Debian/Ubuntu layout.
 */
import {
  HOSTNAME_PATH,
  HOSTS_PATH,
  hostnameFile,
  hostsFile,
} from "../../../domain/release/host/hosts";
import { clusterNodes } from "../../../domain/release/host/peers";
import type { StepContext } from "../../sdk/step";

export default async function hostnameStep(ctx: StepContext): Promise<void> {
  const { cluster, node } = ctx.input;
  // Both files are computed before either is written: a bad input changes nothing.
  const name = hostnameFile(node.hostname);
  const hosts = hostsFile({ domain: cluster.settings.dns.domain, nodes: clusterNodes(ctx.input) });
  const renamed = await ctx.writeFile(HOSTNAME_PATH, name);
  await ctx.writeFile(HOSTS_PATH, hosts);
  // On a real node the running kernel takes the new name too; a lab root has no kernel of its own.
  if (ctx.mode === "apply" && ctx.root === "/" && renamed !== "unchanged") {
    if (ctx.has("hostnamectl")) ctx.run("hostnamectl", ["set-hostname", node.hostname]);
    else ctx.run("hostname", [node.hostname]);
  }
}
