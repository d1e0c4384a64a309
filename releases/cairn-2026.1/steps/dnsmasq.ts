/**
 * provisioning-network (graphs provision, remove-node, update-settings; selector
 * `provisioningNode`): the cluster's DHCP range, one fixed address per node, PXE boot and the
 * nodes' names, served by dnsmasq on the region's provisioning node (the host running Cairn, or a
 * lab node chosen for it). The files come from domain/release/provisioning/dnsmasq.ts, which
 * explains their layout.
 *
 * - The configuration is checked with `dnsmasq --test` *before* anything is written (in noop too:
 *   the check changes nothing), so an invalid configuration never reaches the node.
 * - Removed nodes (`changes.removedNodes`) lose their dhcp-host, ethers and hosts lines because the
 *   files are regenerated without them, and their leases are cut from dnsmasq's lease file by MAC.
 * - On a real node (CAIRN_ROOT is /) dnsmasq is restarted when something changed — stopped before
 *   its lease file is edited, since a running dnsmasq rewrites that file from memory. On a lab node
 *   nothing is started or stopped: the step says what it would run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  DNSMASQ_LEASES_PATH,
  TFTP_ROOT,
  provisioningFiles,
  provisioningInputFrom,
  removeNodesFromLeases,
  type ProvisioningFiles,
} from "../../../domain/release/provisioning/dnsmasq";
import { StepError, type Change, type StepContext } from "../../sdk/step";

/**
 * Runs `dnsmasq --test` on the configuration text (from a scratch file: nothing under the root
 * is touched). Throws a StepError quoting dnsmasq when the configuration is invalid.
 */
export function checkDnsmasqConfig(dnsmasq: string, conf: string, confPath: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cairn-dnsmasq-"));
  try {
    const file = path.join(dir, path.basename(confPath));
    writeFileSync(file, conf);
    const r = spawnSync(dnsmasq, ["--test", `--conf-file=${file}`], { encoding: "utf8" });
    if (r.error) throw new StepError(`${dnsmasq}: ${r.error.message}`);
    const said = `${r.stderr}${r.stdout}`.trim().replace(new RegExp(file, "g"), `/${confPath}`);
    if (r.status !== 0)
      throw new StepError(
        `the generated dnsmasq configuration /${confPath} is not valid, so nothing was written: ${said}`,
      );
    return said;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function restartCommands(leasesChange: boolean): string[][] {
  return leasesChange
    ? [
        ["systemctl", "stop", "dnsmasq"],
        ["systemctl", "start", "dnsmasq"],
      ]
    : [["systemctl", "restart", "dnsmasq"]];
}

export default async function provisioningNetwork(ctx: StepContext): Promise<void> {
  if (!ctx.input.node.provisioningNode)
    throw new StepError(
      `${ctx.input.node.hostname} is not the region's provisioning node: this step runs only there (graph selector provisioningNode)`,
    );
  const files: ProvisioningFiles = provisioningFiles(provisioningInputFrom(ctx.input));
  const realNode = ctx.root === "/";
  const entries = files.entries.filter((e) => e.mac && e.address).length;
  ctx.log(
    `cluster ${ctx.input.cluster.name}: ${entries} fixed address(es) on ${ctx.input.node.hostname}, DHCP range ${ctx.input.cluster.settings.dhcp.start}–${ctx.input.cluster.settings.dhcp.end}`,
  );
  for (const s of files.skipped) ctx.log(`note: ${s.hostname}: ${s.reason}`);

  const dnsmasq = ctx.which("dnsmasq");
  if (dnsmasq)
    ctx.log(`dnsmasq --test: ${checkDnsmasqConfig(dnsmasq, files.conf, files.paths.conf)}`);
  else if (realNode)
    throw new StepError(
      "dnsmasq is not installed on the provisioning node: install it (apt-get install dnsmasq), then retry this step",
    );
  else
    ctx.log("dnsmasq is not installed here: the configuration was not checked with dnsmasq --test");

  // The lease file is dnsmasq's: only removed nodes' lines go, and only when the file exists.
  const removedMacs = ctx.input.changes.removedNodes
    .map((n) => n.provisioningMac)
    .filter((m): m is string => m !== undefined);
  const leases = await ctx.readFile(DNSMASQ_LEASES_PATH);
  const cut = leases !== null ? removeNodesFromLeases(leases, removedMacs) : null;
  const leasesChange = cut !== null && cut.removed.length > 0;

  // A running dnsmasq rewrites its lease file from memory: stop it around the edit, start it after.
  const stopped = realNode && leasesChange && ctx.mode === "apply" && ctx.has("systemctl");
  if (stopped) ctx.run("systemctl", ["stop", "dnsmasq"]);
  let changes: Change[];
  try {
    if (leasesChange && cut) {
      for (const line of cut.removed) ctx.log(`lease of a removed node: ${line}`);
      await ctx.writeFile(DNSMASQ_LEASES_PATH, cut.text);
    }
    changes = [
      await ctx.writeFile(files.paths.conf, files.conf),
      await ctx.writeFile(files.paths.ethers, files.ethers),
      await ctx.writeFile(files.paths.hosts, files.hosts),
    ];
    const tftp = ctx.path(TFTP_ROOT);
    if (!existsSync(tftp)) {
      // dnsmasq refuses to start without its TFTP root; the boot loaders come with the discovery image.
      if (ctx.mode === "noop") ctx.log(`would create ${TFTP_ROOT}/`);
      else {
        await mkdir(tftp, { recursive: true });
        ctx.log(`created ${TFTP_ROOT}/`);
      }
    }
  } finally {
    if (stopped) ctx.run("systemctl", ["start", "dnsmasq"]);
  }

  const changed = leasesChange || changes.some((c) => c !== "unchanged");
  if (!changed || stopped) return;
  if (!realNode) {
    for (const c of restartCommands(leasesChange))
      ctx.log(`lab node: dnsmasq is not managed here; a real node would run: ${c.join(" ")}`);
    return;
  }
  if (!ctx.has("systemctl")) {
    ctx.log("systemctl is not available: restart dnsmasq to apply the new configuration");
    return;
  }
  for (const [command, ...args] of restartCommands(leasesChange)) ctx.run(command as string, args);
}
