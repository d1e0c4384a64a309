import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { dutiesOf, roleNames } from "./duties";
import { kernelSettings, modulesLoadConf, sysctlConf } from "./sysctl";

const ROLES = roleNames();

/** key → value of a sysctl.d file, as systemd-sysctl reads it. */
function parse(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-z0-9_.-]+) = (\S+)$/.exec(line);
    expect(m, `line "${line}"`).not.toBeNull();
    expect(out.has(m![1]!), `${m![1]} given twice`).toBe(false);
    out.set(m![1]!, m![2]!);
  }
  return out;
}

describe("sysctlConf", () => {
  it("gives a split compute node the Kubernetes and hypervisor settings, each key once", () => {
    expect(sysctlConf("lab-0004", ["compute"]))
      .toBe(`# Managed by Cairn: local changes are overwritten on the next deploy.
# Kernel settings of lab-0004 for its roles (compute).
# Override a value in a file that sorts later, e.g. /etc/sysctl.d/90-local.conf.

## Every node
# Galera, Ceph and the kubelet stall when their memory is swapped out; the small swap of the disk
# plan is a last resort, not working space (10 is tuned's throughput-performance value).
vm.swappiness = 10

## Kubernetes (kubelet, container networking)
# Pod traffic is routed through the host; kubeadm's preflight check refuses a node without it.
net.ipv4.ip_forward = 1
# The same for IPv6 pod and service networks.
net.ipv6.conf.all.forwarding = 1
# Service traffic between pods on one bridge must pass kube-proxy's iptables rules.
net.bridge.bridge-nf-call-iptables = 1
# The same for IPv6.
net.bridge.bridge-nf-call-ip6tables = 1
# Log followers and config watchers of every pod take inotify instances; the default of 128 per
# user runs out on a busy node.
fs.inotify.max_user_instances = 8192
# Watches for mounted ConfigMaps and Secrets and for container logs.
fs.inotify.max_user_watches = 524288
`);
  });

  it("sets per role what that role needs and nothing it does not", () => {
    const keys = (roles: string[]) => [...parse(sysctlConf("n", roles)).keys()];
    expect(keys(["storage"])).toEqual(["vm.swappiness", "kernel.pid_max", "fs.aio-max-nr"]);
    expect(keys(["controller"])).toContain("net.core.somaxconn");
    expect(keys(["controller"])).toContain("net.ipv4.ip_nonlocal_bind");
    expect(keys(["hci"])).not.toContain("net.core.somaxconn");
    expect(keys(["hci"])).toEqual(
      expect.arrayContaining(["net.ipv4.ip_forward", "kernel.pid_max"]),
    );
    expect(keys(["network"])).toEqual(["vm.swappiness"]);
    expect(keys([])).toEqual(["vm.swappiness"]);
  });

  it("parses as sysctl.d for every built-in role, and everything together", () => {
    for (const role of ROLES) parse(sysctlConf("n", [role]));
    parse(sysctlConf("n", ROLES));
  });

  it.skipIf(!existsSync("/proc/sys/kernel"))(
    "names only keys this kernel knows (net.bridge.* appear once br_netfilter is loaded)",
    () => {
      const all = kernelSettings(dutiesOf(["controller-hci"])).flatMap((g) => g.settings);
      const unknown = all
        .map((s) => s.key)
        .filter((k) => !k.startsWith("net.bridge."))
        .filter((k) => !existsSync(`/proc/sys/${k.replaceAll(".", "/")}`));
      expect(unknown).toEqual([]);
    },
  );
});

describe("modulesLoadConf", () => {
  it("loads br_netfilter wherever a net.bridge key is set, and nothing on storage nodes", () => {
    for (const role of ROLES) {
      const bridged = sysctlConf("n", [role]).includes("net.bridge.");
      const modules = modulesLoadConf([role]) ?? "";
      expect(modules.includes("\nbr_netfilter\n"), role).toBe(bridged);
    }
    expect(modulesLoadConf(["storage"])).toBeNull();
    expect(modulesLoadConf(["compute"]))
      .toBe(`# Managed by Cairn: local changes are overwritten on the next deploy.
# Kernel modules loaded at boot for this node's roles.

# containerd's overlayfs snapshotter stores container images.
overlay

# Provides the net.bridge.bridge-nf-call-* keys of 60-cairn.conf in sysctl.d.
br_netfilter
`);
  });
});
