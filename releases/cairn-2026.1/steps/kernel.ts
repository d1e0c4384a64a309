/**
 * Step `kernel`: kernel settings (`/etc/sysctl.d/60-cairn.conf`), the modules they need
 * (`/etc/modules-load.d/60-cairn.conf`) and the container runtimes' configuration
 * (`/etc/containerd/config.toml` for Kubernetes, a podman drop-in for kolla-ansible's containers),
 * per the node's roles. A file the node's roles no longer need is removed if Cairn wrote it, and
 * left alone (with a log line) if something else did — a packaged containerd config, say.
 * Debian/Ubuntu layout.
 */
import { isManagedByCairn } from "../../../domain/release/host/managed";
import { CONTAINERD_CONFIG_PATH, runtimeFiles } from "../../../domain/release/host/runtime";
import {
  kernelModules,
  MODULES_LOAD_PATH,
  modulesLoadConf,
  SYSCTL_PATH,
  sysctlConf,
} from "../../../domain/release/host/sysctl";
import { dutiesOf } from "../../../domain/release/host/duties";
import type { Change, StepContext } from "../../sdk/step";

export default async function kernelStep(ctx: StepContext): Promise<void> {
  const { hostname, roles } = ctx.input.node;
  const files = [
    { path: SYSCTL_PATH, content: sysctlConf(hostname, roles) },
    { path: MODULES_LOAD_PATH, content: modulesLoadConf(roles) },
    ...runtimeFiles(hostname, roles),
  ];
  const changed = new Map<string, Change>();
  for (const file of files) {
    if (file.content !== null) {
      changed.set(file.path, await ctx.writeFile(file.path, file.content));
      continue;
    }
    const current = await ctx.readFile(file.path);
    if (current === null || isManagedByCairn(current))
      changed.set(file.path, await ctx.removeFile(file.path));
    else ctx.log(`left /${file.path} in place: Cairn did not write it`);
  }
  // On a real node the running kernel and containerd take the new settings now; a lab root has
  // neither. Modules first: the net.bridge keys exist only once br_netfilter is loaded.
  if (ctx.mode !== "apply" || ctx.root !== "/") return;
  const touched = (p: string) => {
    const c = changed.get(p);
    return c !== undefined && c !== "unchanged" && c !== "absent";
  };
  if (touched(MODULES_LOAD_PATH) || touched(SYSCTL_PATH)) {
    for (const m of kernelModules(dutiesOf(roles))) ctx.run("modprobe", [m.name]);
    ctx.run("sysctl", ["--system"]);
  }
  if (touched(CONTAINERD_CONFIG_PATH) && ctx.has("systemctl"))
    ctx.run("systemctl", ["try-restart", "containerd.service"]);
}
