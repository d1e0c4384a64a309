/**
 * Kernel settings per role: `/etc/sysctl.d/60-cairn.conf`, and the modules they need in
 * `/etc/modules-load.d/60-cairn.conf` (systemd loads modules before it applies sysctl.d at boot,
 * and a `net.bridge.*` key does not exist until `br_netfilter` is loaded). Operators override a
 * value in a file that sorts later (`90-local.conf`); kolla-ansible sets some of the same keys
 * to the same values, which is harmless.
 */
import { dutiesOf, type HostDuties } from "./duties";
import { comment, joinLines, managedHeader } from "./managed";

export const SYSCTL_PATH = "etc/sysctl.d/60-cairn.conf";
export const MODULES_LOAD_PATH = "etc/modules-load.d/60-cairn.conf";

export interface KernelSetting {
  key: string;
  value: string;
  why: string;
}

interface Group {
  title: string;
  applies: (d: HostDuties) => boolean;
  settings: KernelSetting[];
}

const GROUPS: readonly Group[] = [
  {
    title: "Every node",
    applies: () => true,
    settings: [
      {
        key: "vm.swappiness",
        value: "10",
        why: "Galera, Ceph and the kubelet stall when their memory is swapped out; the small swap of the disk plan is a last resort, not working space (10 is tuned's throughput-performance value).",
      },
    ],
  },
  {
    title: "OpenStack API front end (HAProxy and keepalived)",
    applies: (d) => d.apiFrontend,
    settings: [
      {
        key: "net.core.somaxconn",
        value: "4096",
        why: "HAProxy and the API services queue connections in bursts (a whole cluster's agents reconnecting after a restart); kernels before 5.4 default to 128.",
      },
      {
        key: "net.ipv4.ip_nonlocal_bind",
        value: "1",
        why: "HAProxy binds the virtual IP on every controller, also where keepalived has not placed it.",
      },
      {
        key: "net.ipv6.ip_nonlocal_bind",
        value: "1",
        why: "The same for an IPv6 virtual IP.",
      },
    ],
  },
  {
    title: "Kubernetes (kubelet, container networking)",
    applies: (d) => d.kubernetes,
    settings: [
      {
        key: "net.ipv4.ip_forward",
        value: "1",
        why: "Pod traffic is routed through the host; kubeadm's preflight check refuses a node without it.",
      },
      {
        key: "net.ipv6.conf.all.forwarding",
        value: "1",
        why: "The same for IPv6 pod and service networks.",
      },
      {
        key: "net.bridge.bridge-nf-call-iptables",
        value: "1",
        why: "Service traffic between pods on one bridge must pass kube-proxy's iptables rules.",
      },
      {
        key: "net.bridge.bridge-nf-call-ip6tables",
        value: "1",
        why: "The same for IPv6.",
      },
      {
        key: "fs.inotify.max_user_instances",
        value: "8192",
        why: "Log followers and config watchers of every pod take inotify instances; the default of 128 per user runs out on a busy node.",
      },
      {
        key: "fs.inotify.max_user_watches",
        value: "524288",
        why: "Watches for mounted ConfigMaps and Secrets and for container logs.",
      },
    ],
  },
  {
    title: "Hypervisor (nova-compute)",
    applies: (d) => d.novaCompute,
    settings: [
      {
        key: "net.ipv4.ip_forward",
        value: "1",
        why: "Instance traffic is forwarded between the host's bridges and the tenant network.",
      },
      {
        key: "net.bridge.bridge-nf-call-iptables",
        value: "1",
        why: "Security groups filter bridged instance traffic with iptables (iptables_hybrid firewall).",
      },
      {
        key: "net.bridge.bridge-nf-call-ip6tables",
        value: "1",
        why: "The same for IPv6.",
      },
    ],
  },
  {
    title: "Ceph OSDs",
    applies: (d) => d.cephOsd,
    settings: [
      {
        key: "kernel.pid_max",
        value: "4194304",
        why: "Each OSD runs hundreds of threads; Ceph recommends raising the limit on OSD hosts (ceph-ansible's value).",
      },
      {
        key: "fs.aio-max-nr",
        value: "1048576",
        why: "BlueStore submits disk I/O through Linux AIO; the default of 65536 requests limits the OSDs a host can run (ceph-ansible's value).",
      },
    ],
  },
];

/**
 * The settings for a node's duties, each key once (a key wanted by several groups appears in the
 * first with the same value, e.g. ip_forward for Kubernetes and nova-compute).
 */
export function kernelSettings(duties: HostDuties): { title: string; settings: KernelSetting[] }[] {
  const seen = new Map<string, string>();
  const out: { title: string; settings: KernelSetting[] }[] = [];
  for (const group of GROUPS) {
    if (!group.applies(duties)) continue;
    const settings = group.settings.filter((s) => {
      const before = seen.get(s.key);
      if (before !== undefined && before !== s.value)
        throw new Error(`kernel setting ${s.key} is given two values (${before}, ${s.value})`);
      seen.set(s.key, s.value);
      return before === undefined;
    });
    if (settings.length > 0) out.push({ title: group.title, settings });
  }
  return out;
}

/** Kernel modules the settings or the runtimes need, with why; empty when none is needed. */
export function kernelModules(duties: HostDuties): { name: string; why: string }[] {
  const out: { name: string; why: string }[] = [];
  if (duties.kubernetes)
    out.push({
      name: "overlay",
      why: "containerd's overlayfs snapshotter stores container images.",
    });
  if (duties.kubernetes || duties.novaCompute)
    out.push({
      name: "br_netfilter",
      why: "Provides the net.bridge.bridge-nf-call-* keys of 60-cairn.conf in sysctl.d.",
    });
  return out;
}

/** `/etc/sysctl.d/60-cairn.conf` for a node with these roles. */
export function sysctlConf(hostname: string, roles: readonly string[]): string {
  const lines = [
    managedHeader([
      `Kernel settings of ${hostname} for its roles (${roles.length > 0 ? roles.join(", ") : "none yet"}).`,
      "Override a value in a file that sorts later, e.g. /etc/sysctl.d/90-local.conf.",
    ]),
  ];
  for (const group of kernelSettings(dutiesOf(roles))) {
    lines.push("", `## ${group.title}`);
    for (const s of group.settings) lines.push(...comment(wrap(s.why)), `${s.key} = ${s.value}`);
  }
  return joinLines(lines);
}

/** `/etc/modules-load.d/60-cairn.conf`, or null when the node's roles need no module. */
export function modulesLoadConf(roles: readonly string[]): string | null {
  const modules = kernelModules(dutiesOf(roles));
  if (modules.length === 0) return null;
  const lines = [managedHeader(["Kernel modules loaded at boot for this node's roles."])];
  for (const m of modules) lines.push("", ...comment(wrap(m.why)), m.name);
  return joinLines(lines);
}

/** Comment text wrapped at about 96 columns, on word boundaries. */
export function wrap(text: string, width = 96): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") out.push(line);
  return out;
}
