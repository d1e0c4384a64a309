/**
 * Container runtime configuration per role.
 *
 * The choice: Kubernetes (kubeadm) runs on containerd through its CRI plugin; OpenStack
 * (kolla-ansible, with `kolla_container_engine: podman`) and Ceph (cephadm) run on podman.
 * Podman has no daemon and never touches containerd's configuration. Kolla's default engine,
 * Docker, would clash: with Docker 29 or later, kolla-ansible's bootstrap rewrites
 * `/etc/containerd/config.toml` with `disabled_plugins = ["cri"]`, which stops the kubelet on every
 * node that carries both OpenStack and Kubernetes services (controllers, computes, HCI nodes).
 * Docker's `daemon.json` is therefore not written; kolla's own podman role writes registries and
 * storage under `/etc/containers/*.d`, and Cairn adds one drop-in beside them.
 */
import { dutiesOf } from "./duties";
import { comment, joinLines, managedHeader } from "./managed";

export const CONTAINERD_CONFIG_PATH = "etc/containerd/config.toml";
export const PODMAN_CONF_PATH = "etc/containers/containers.conf.d/60-cairn.conf";
/** The sandbox ("pause") image of the Kubernetes versions kubeadm deploys for this release. */
export const PAUSE_IMAGE = "registry.k8s.io/pause:3.10";

/**
 * `/etc/containerd/config.toml` for nodes with Kubernetes services; null for the others. Version 2
 * of the format: containerd 1.6 and 1.7 (Debian 12, Ubuntu 24.04) read it, and 2.x migrates it.
 */
export function containerdConfig(hostname: string, roles: readonly string[]): string | null {
  if (!dutiesOf(roles).kubernetes) return null;
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  return joinLines([
    managedHeader([
      `containerd on ${hostname}, for the kubelet. OpenStack and Ceph containers run on podman and do not`,
      "use this file: kolla-ansible with Docker would rewrite it with the CRI plugin disabled.",
      "No disabled_plugins line: the CRI plugin that the kubelet talks to stays on (the packaged",
      "config.toml of containerd.io disables it).",
    ]),
    "",
    "version = 2",
    "",
    `[${cri}]`,
    ...comment([
      "The sandbox image kubeadm pulls for this Kubernetes version; another one makes kubeadm warn",
      "and pulls a second image on every node.",
    ]).map((l) => `  ${l}`),
    `  sandbox_image = "${PAUSE_IMAGE}"`,
    "",
    `[${cri}.containerd.runtimes.runc]`,
    `  runtime_type = "io.containerd.runc.v2"`,
    "",
    `[${cri}.containerd.runtimes.runc.options]`,
    ...comment([
      "The kubelet (kubeadm's default since Kubernetes 1.22) and containerd must use the same cgroup",
      "driver; with systemd as init that is systemd. Two cgroup managers give two views of the",
      "host's resources, and nodes become unstable under pressure (Kubernetes' runtime guide).",
    ]).map((l) => `  ${l}`),
    "  SystemdCgroup = true",
  ]);
}

/** Podman drop-in for nodes running kolla-ansible's containers; null for the others. */
export function podmanConfig(hostname: string, roles: readonly string[]): string | null {
  const duties = dutiesOf(roles);
  if (!duties.kolla) return null;
  return joinLines([
    managedHeader([
      `Podman on ${hostname}, for the OpenStack containers kolla-ansible runs here`,
      "(kolla_container_engine: podman). Read after /etc/containers/containers.conf.",
    ]),
    "",
    "[containers]",
    ...comment([
      "No per-container process limit. nova_libvirt runs every instance's QEMU (dozens of threads",
      "each) and MariaDB a thread per connection, each inside one container: podman's default of",
      "2048 would cap instances and connections. Docker, which kolla was built on, sets no limit.",
    ]),
    "pids_limit = 0",
  ]);
}

export interface RuntimeFile {
  /** Relative to the root. */
  path: string;
  /** null: the node's roles need no such file (a Cairn-written one is removed). */
  content: string | null;
}

/** Every runtime file the kernel step manages, with its content for this node. */
export function runtimeFiles(hostname: string, roles: readonly string[]): RuntimeFile[] {
  return [
    { path: CONTAINERD_CONFIG_PATH, content: containerdConfig(hostname, roles) },
    { path: PODMAN_CONF_PATH, content: podmanConfig(hostname, roles) },
  ];
}
