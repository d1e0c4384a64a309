/**
 * Step `ntp`: `/etc/chrony/chrony.conf` (Debian/Ubuntu layout) from the NTP settings. Where chrony
 * is installed, the generated file is checked with `chronyd -p -f FILE` before it replaces the
 * current one, in noop as well: a file chrony cannot read would leave the node without time sync
 * after the next restart of chrony, so a rejected file fails the step and nothing is written.
 */
import { mkdir, mkdtemp, rm, rmdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CHRONY_CONF_PATH, chronyConf } from "../../../domain/release/host/chrony";
import { clusterNodes } from "../../../domain/release/host/peers";
import { StepError, type StepContext } from "../../sdk/step";

export default async function ntpStep(ctx: StepContext): Promise<void> {
  const { cluster, node } = ctx.input;
  const content = chronyConf({
    ntp: cluster.settings.ntp,
    node,
    nodes: clusterNodes(ctx.input),
    networks: cluster.networks,
  });
  if (ctx.has("chronyd")) await validate(ctx, content);
  else ctx.log("chronyd is not installed on this machine: chrony.conf is written without a check");
  const change = await ctx.writeFile(CHRONY_CONF_PATH, content);
  if (ctx.mode === "apply" && ctx.root === "/" && change !== "unchanged" && ctx.has("systemctl"))
    ctx.run("systemctl", ["try-restart", "chrony.service"]);
}

/**
 * In apply the candidate goes next to its destination under the root (the directory the package
 * would create anyway; removed again if it was created only for a file that failed); in noop to the
 * system's temporary directory, so that noop leaves the root untouched.
 */
async function validate(ctx: StepContext, content: string): Promise<void> {
  let file: string;
  let cleanup: (passed: boolean) => Promise<void>;
  if (ctx.mode === "apply") {
    const target = ctx.path(CHRONY_CONF_PATH);
    const parent = path.dirname(target);
    const firstCreated = await mkdir(parent, { recursive: true });
    file = `${target}.cairn-check-${process.pid}`;
    cleanup = async (passed) => {
      await rm(file, { force: true });
      if (passed || firstCreated === undefined) return;
      // Best effort: a folder something else wrote into meanwhile stays, with its parents.
      for (let dir = parent; ; dir = path.dirname(dir)) {
        const removed = await rmdir(dir).then(
          () => true,
          () => false,
        );
        if (!removed || dir === firstCreated) break;
      }
    };
  } else {
    const dir = await mkdtemp(path.join(tmpdir(), "cairn-chrony-"));
    file = path.join(dir, "chrony.conf");
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
  await writeFile(file, content, { mode: 0o644 });
  let passed = false;
  try {
    ctx.run("chronyd", ["-p", "-f", file], { inNoop: true });
    passed = true;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new StepError(
      `chronyd rejected the chrony.conf generated from the NTP settings, so nothing was written: ${reason}. Check settings.ntp.servers.`,
    );
  } finally {
    await cleanup(passed);
  }
}
