import { describe, expect, it } from "vitest";
import { roleNames } from "./duties";
import { isManagedByCairn } from "./managed";
import { containerdConfig, podmanConfig, runtimeFiles } from "./runtime";

const ROLES = roleNames();

describe("containerdConfig", () => {
  it("is written for the roles with Kubernetes services only", () => {
    const withContainerd = ROLES.filter((r) => containerdConfig("n", [r]) !== null).sort();
    expect(withContainerd).toEqual(["compute", "controller", "controller-hci", "hci"]);
  });

  it("keeps the CRI plugin on and uses the systemd cgroup driver", () => {
    const text = containerdConfig("lab-0004", ["hci"]) ?? "";
    const settings = text.split("\n").filter((l) => l !== "" && !/^\s*#/.test(l));
    expect(settings).toEqual([
      "version = 2",
      '[plugins."io.containerd.grpc.v1.cri"]',
      '  sandbox_image = "registry.k8s.io/pause:3.10"',
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
      '  runtime_type = "io.containerd.runc.v2"',
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
      "  SystemdCgroup = true",
    ]);
    expect(text).not.toMatch(/^disabled_plugins/m);
    expect(isManagedByCairn(text)).toBe(true);
  });
});

describe("podmanConfig", () => {
  it("lifts podman's per-container process limit on every node running kolla's containers", () => {
    const withPodman = ROLES.filter((r) => podmanConfig("n", [r]) !== null).sort();
    expect(withPodman).toEqual([
      "compute",
      "controller",
      "controller-hci",
      "hci",
      "network",
      "storage-lvm",
    ]);
    const text = podmanConfig("lab-0001", ["controller"]) ?? "";
    expect(text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))).toEqual([
      "[containers]",
      "pids_limit = 0",
    ]);
  });
});

describe("runtimeFiles", () => {
  it("names both files for every node, with null where the roles need none", () => {
    expect(runtimeFiles("lab-0006", ["storage"])).toEqual([
      { path: "etc/containerd/config.toml", content: null },
      { path: "etc/containers/containers.conf.d/60-cairn.conf", content: null },
    ]);
  });
});
