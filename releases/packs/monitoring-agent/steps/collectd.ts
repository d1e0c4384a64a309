/**
 * Step `monitoring-agent` (deploy, update-settings): `/etc/collectd/collectd.conf` from the pack's
 * settings. Where collectd is installed the candidate is checked first with `collectd -T` (parse
 * the file, load and configure every plugin, read once, exit; `-t` does not check anything in
 * collectd 5.12), in noop as well, so a file collectd would refuse is never written. A
 * collectd.conf without Cairn's marker (an administrator's, or the `collectd` package's) is never
 * replaced: the step fails and says so.
 */
import { mkdir, mkdtemp, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { isManagedByCairn } from "../../../../domain/release/host/managed";
import type { PackStepContext } from "../../../sdk/pack";
import { StepError } from "../../../sdk/step";
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
  if (ctx.has("collectd")) await validate(ctx, content);
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

/** Checks the candidate with `collectd -T -B` (no base directory created); throws on refusal. */
async function validate(ctx: PackStepContext, content: string): Promise<void> {
  let file: string;
  let cleanup: (passed: boolean) => Promise<void>;
  if (ctx.mode === "apply") {
    // Next to its destination (the folder the file goes to anyway), removed again with the
    // folders created for it when collectd refuses the file.
    const target = ctx.path(COLLECTD_CONF_PATH);
    const parent = path.dirname(target);
    const firstCreated = await mkdir(parent, { recursive: true });
    file = `${target}.cairn-check-${process.pid}`;
    cleanup = async (passed) => {
      await rm(file, { force: true });
      if (passed || firstCreated === undefined) return;
      for (let dir = parent; ; dir = path.dirname(dir)) {
        const removed = await rmdir(dir).then(
          () => true,
          () => false,
        );
        if (!removed || dir === firstCreated) break;
      }
    };
  } else {
    // noop leaves the root untouched: the candidate goes to the system's temporary directory.
    const dir = await mkdtemp(path.join(tmpdir(), "cairn-collectd-"));
    file = path.join(dir, "collectd.conf");
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
  await writeFile(file, content, { mode: 0o644 });
  let passed = false;
  try {
    ctx.run("collectd", ["-T", "-B", "-C", file], { inNoop: true });
    passed = true;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new StepError(
      `collectd rejected the collectd.conf generated from the pack's settings, so nothing was written: ${reason}. Check settings.packs.monitoring-agent.`,
    );
  } finally {
    await cleanup(passed);
  }
}
