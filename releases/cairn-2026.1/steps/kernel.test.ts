import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { containerdConfig, podmanConfig } from "../../../domain/release/host/runtime";
import { modulesLoadConf, sysctlConf } from "../../../domain/release/host/sysctl";
import kernelStep from "./kernel";
import { listTree, readUnder, runStepIn, sampleInput, tempRoot } from "./testing";

const SYSCTL = "/etc/sysctl.d/60-cairn.conf";
const MODULES = "/etc/modules-load.d/60-cairn.conf";
const CONTAINERD = "/etc/containerd/config.toml";
const PODMAN = "/etc/containers/containers.conf.d/60-cairn.conf";

let root: string;
let dispose: () => Promise<void>;
beforeEach(async () => ({ root, dispose } = await tempRoot()));
afterEach(() => dispose());

describe("step kernel", () => {
  it("apply on an HCI node writes sysctl, modules, containerd and podman files; again changes nothing", async () => {
    const input = sampleInput({ node: 3 });
    const first = await runStepIn(kernelStep, input, root);
    expect(first.ctx.changes).toEqual([
      { path: SYSCTL, change: "created" },
      { path: MODULES, change: "created" },
      { path: CONTAINERD, change: "created" },
      { path: PODMAN, change: "created" },
    ]);
    expect(await readUnder(root, SYSCTL)).toBe(sysctlConf("lab-0004", ["hci"]));
    expect(await readUnder(root, MODULES)).toBe(modulesLoadConf(["hci"]));
    expect(await readUnder(root, CONTAINERD)).toBe(containerdConfig("lab-0004", ["hci"]));
    expect(await readUnder(root, PODMAN)).toBe(podmanConfig("lab-0004", ["hci"]));
    expect(await readUnder(root, SYSCTL)).toContain("kernel.pid_max = 4194304\n");

    const second = await runStepIn(kernelStep, input, root);
    expect(second.ctx.changes.map((c) => c.change)).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
  });

  it("a split storage node gets kernel settings only", async () => {
    const { ctx } = await runStepIn(kernelStep, sampleInput({ topology: "split", node: 5 }), root);
    expect(ctx.changes).toEqual([
      { path: SYSCTL, change: "created" },
      { path: MODULES, change: "absent" },
      { path: CONTAINERD, change: "absent" },
      { path: PODMAN, change: "absent" },
    ]);
    expect(await listTree(root)).toEqual(["etc/", "etc/sysctl.d/", "etc/sysctl.d/60-cairn.conf"]);
    const again = await runStepIn(kernelStep, sampleInput({ topology: "split", node: 5 }), root);
    expect(again.ctx.changes.every((c) => c.change === "unchanged" || c.change === "absent")).toBe(
      true,
    );
  });

  it("noop on a fresh root prints the diffs and writes nothing", async () => {
    const { lines } = await runStepIn(kernelStep, sampleInput({ node: 0, mode: "noop" }), root);
    for (const file of [SYSCTL, MODULES, CONTAINERD, PODMAN])
      expect(lines).toContain(`would create ${file}:`);
    expect(lines).toContain("+net.core.somaxconn = 4096");
    expect(lines).toContain("+  SystemdCgroup = true");
    expect(await listTree(root)).toEqual([]);
  });

  it("when a node stops being a compute node, removes Cairn's files and leaves a packaged one", async () => {
    const compute = sampleInput({ topology: "split", node: 3 });
    await runStepIn(kernelStep, compute, root);
    // containerd.io's own file takes the place of Cairn's, as after a package reinstall.
    const packaged = 'disabled_plugins = ["cri"]\n';
    await writeFile(path.join(root, CONTAINERD), packaged);

    const storage = sampleInput({
      topology: "split",
      node: 3,
      roles: [
        ["controller"],
        ["controller"],
        ["controller"],
        ["storage"],
        ["compute"],
        ["storage"],
      ],
    });
    const preview = await runStepIn(
      kernelStep,
      { ...storage, task: { ...storage.task, mode: "noop" } },
      root,
    );
    expect(preview.lines).toContain(`would remove ${MODULES}`);
    expect(preview.lines).toContain(`would remove ${PODMAN}`);

    const { ctx, lines } = await runStepIn(kernelStep, storage, root);
    expect(ctx.changes).toEqual([
      { path: SYSCTL, change: "changed" },
      { path: MODULES, change: "removed" },
      { path: PODMAN, change: "removed" },
    ]);
    expect(lines).toContain(`left ${CONTAINERD} in place: Cairn did not write it`);
    expect(await readUnder(root, CONTAINERD)).toBe(packaged);
    expect(await readUnder(root, SYSCTL)).not.toContain("net.ipv4.ip_forward");
  });

  it("on a Kubernetes node takes over a packaged containerd config that disables the CRI plugin", async () => {
    // Where the roles need the file Cairn owns it; the noop diff shows the CRI plugin coming back.
    await mkdir(path.join(root, "etc/containerd"), { recursive: true });
    await writeFile(path.join(root, CONTAINERD), 'disabled_plugins = ["cri"]\n');
    const { lines } = await runStepIn(kernelStep, sampleInput({ node: 0, mode: "noop" }), root);
    expect(lines).toContain(`would change ${CONTAINERD}:`);
    expect(lines).toContain('-disabled_plugins = ["cri"]');
  });
});
