/**
 * The cluster as the service deployers see it: which nodes carry which services (from the
 * release's role catalog), which node runs the cluster-wide tools, and the addresses they use.
 * kolla-ansible and cephadm run once per cluster from one node; kubeadm joins each worker from the
 * worker itself. Pure.
 */
import { compareNodeIds } from "../../network/ipam";
import type { Network, NetworkName } from "../../model";
import { builtinCatalog } from "../../roles/builtin";
import { servicesOfRoles } from "../../roles/catalog";
import type { RoleCatalog } from "../../roles/schema";
import type { Peer, StepContract } from "../contract";
import { HostConfigError } from "../host/managed";

/** Where the service deployers' inputs go on a node, relative to the root. */
export const DEPLOY_DIR = "etc/cairn/deploy";

export interface ServiceNode {
  id: string;
  hostname: string;
  roles: string[];
  services: ReadonlySet<string>;
  addresses: Peer["addresses"];
}

export interface ServiceTopology {
  /** Every node, ordered by id as operators read them (node-2 before node-10). */
  nodes: ServiceNode[];
  /** OpenStack APIs, databases and queues (kolla's `control` group). */
  control: ServiceNode[];
  /** Neutron L3/DHCP/metadata agents (kolla's `network` group). */
  network: ServiceNode[];
  compute: ServiceNode[];
  /** Ceph OSD and LVM block-storage nodes (kolla's `storage` group: cinder-volume and friends). */
  storage: ServiceNode[];
  cephMon: ServiceNode[];
  cephMgr: ServiceNode[];
  cephOsd: ServiceNode[];
  cinderLvm: ServiceNode[];
  kubeControlPlane: ServiceNode[];
  /** kube-worker nodes that are not control-plane nodes: they join with kubeadm. */
  kubeWorkers: ServiceNode[];
  /** Runs kolla-ansible for the cluster: the first control node. */
  kollaNode: ServiceNode | null;
  /** Runs cephadm for the cluster: the first Ceph monitor. */
  cephadmNode: ServiceNode | null;
}

function having(nodes: ServiceNode[], ...services: string[]): ServiceNode[] {
  return nodes.filter((n) => services.some((s) => n.services.has(s)));
}

/** The topology of the nodes left after the operation (`removed` ids are left out). */
export function serviceTopology(
  peers: readonly Pick<Peer, "id" | "hostname" | "roles" | "addresses">[],
  removed: readonly Pick<Peer, "id">[] = [],
  catalog: RoleCatalog = builtinCatalog,
): ServiceTopology {
  const gone = new Set(removed.map((n) => n.id));
  const nodes = peers
    .filter((p) => !gone.has(p.id))
    .map((p) => ({
      id: p.id,
      hostname: p.hostname,
      roles: [...p.roles],
      services: servicesOfRoles(catalog, p.roles),
      addresses: p.addresses,
    }))
    .sort((a, b) => compareNodeIds(a.id, b.id));
  const control = having(nodes, "openstack-control");
  const cephMon = having(nodes, "ceph-mon");
  const kubeControlPlane = having(nodes, "kube-control-plane");
  return {
    nodes,
    control,
    network: having(nodes, "neutron-l3"),
    compute: having(nodes, "nova-compute"),
    storage: having(nodes, "ceph-osd", "cinder-volume-lvm"),
    cephMon,
    cephMgr: having(nodes, "ceph-mgr"),
    cephOsd: having(nodes, "ceph-osd"),
    cinderLvm: having(nodes, "cinder-volume-lvm"),
    kubeControlPlane,
    kubeWorkers: having(nodes, "kube-worker").filter((n) => !n.services.has("kube-control-plane")),
    kollaNode: control[0] ?? null,
    cephadmNode: cephMon[0] ?? null,
  };
}

export function topologyOf(input: StepContract, catalog?: RoleCatalog): ServiceTopology {
  return serviceTopology(input.nodes, input.changes.removedNodes, catalog);
}

/**
 * A network's virtual IP: the first whose name is one of `names` (in that order of preference),
 * else the network's first VIP; undefined when the network has none.
 */
export function vipOf(
  networks: readonly Network[],
  network: NetworkName,
  names: readonly string[],
): string | undefined {
  const vips = networks.find((n) => n.name === network)?.vips ?? [];
  for (const name of names) {
    const vip = vips.find((v) => v.name === name);
    if (vip) return vip.address;
  }
  return vips[0]?.address;
}

/** A node's address on a network, or an error that names the field and what to do. */
export function addressOf(node: ServiceNode, network: NetworkName, what: string): string {
  const address = node.addresses[network];
  if (address === undefined)
    throw new HostConfigError(
      `nodes[${node.hostname}].addresses.${network}`,
      `${node.hostname} has no ${network} address, which ${what} needs: assign one`,
    );
  return address;
}

/** `host:port`, with IPv6 addresses in brackets. */
export function endpoint(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The interface of the step's own node on a network: the NIC holding its address on that network,
 * else the NIC it boots from (provisioning MAC, else PXE-flagged, else the first), plus the VLAN
 * of a tagged network (`eno1.101`). Undefined when the cluster does not define the network.
 */
export function interfaceOn(
  node: StepContract["node"],
  networks: readonly Network[],
  name: NetworkName,
): string | undefined {
  const network = networks.find((n) => n.name === name);
  if (!network) return undefined;
  const nics = node.hardware.nics;
  const address = node.addresses[name];
  const nic =
    (address !== undefined
      ? nics.find((n) => n.addresses.some((a) => a.split("/")[0] === address))
      : undefined) ?? bootNic(node);
  const base = nic?.name ?? "eth0";
  return network.vlan !== null ? `${base}.${network.vlan}` : base;
}

function bootNic(node: StepContract["node"]) {
  const nics = node.hardware.nics;
  const mac = node.provisioningMac?.toLowerCase();
  return (
    nics.find((n) => mac !== undefined && n.mac === mac) ??
    nics.find((n) => n.pxe === true) ??
    nics[0]
  );
}

/**
 * The interface Neutron bridges provider (external) networks onto: it must carry no address, so
 * it is the first NIC other than the boot NIC without addresses; on a node with a single NIC, the
 * public network's VLAN on the boot NIC. Undefined when neither exists.
 */
export function externalInterface(
  node: StepContract["node"],
  networks: readonly Network[],
): string | undefined {
  const boot = bootNic(node);
  const free = node.hardware.nics.find((n) => n !== boot && n.addresses.length === 0);
  if (free) return free.name;
  const vlan = networks.find((n) => n.name === "public")?.vlan;
  return boot && vlan != null ? `${boot.name}.${vlan}` : undefined;
}

/** A small stable number for a cluster (FNV-1a of its id), e.g. keepalived's virtual router id. */
export function stableNumber(text: string, modulo: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % modulo;
}
