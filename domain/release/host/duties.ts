/**
 * What a node's roles make it do on the host level. Host files depend on the *services* a node
 * carries (nova-compute, kube-worker, …), not on role names, so that a role renamed or added in the
 * catalog keeps its host configuration as long as it carries the same services. Roles resolve
 * through the built-in release's catalog (`domain/roles/builtin.ts`, kept equal to its roles.yaml);
 * an unknown role — an operator's custom role, which the step input does not describe — contributes
 * nothing.
 */
import { builtinCatalog } from "../../roles/builtin";
import { servicesOfRoles } from "../../roles/catalog";
import type { RoleCatalog } from "../../roles/schema";

/** Services kolla-ansible deploys (OpenStack and its databases). */
export const KOLLA_SERVICES = [
  "openstack-control",
  "mariadb-galera",
  "rabbitmq",
  "neutron-l3",
  "nova-compute",
  "cinder-volume-lvm",
] as const;
/** Services cephadm deploys. */
export const CEPHADM_SERVICES = ["ceph-mon", "ceph-mgr", "ceph-osd"] as const;
/** Services kubeadm deploys (kubelet talks to containerd's CRI). */
export const KUBE_SERVICES = ["kube-control-plane", "kube-worker"] as const;

export interface HostDuties {
  /** Carries the control plane (controller, controller-hci): serves NTP to the cluster. */
  ntpServer: boolean;
  /** OpenStack APIs behind HAProxy and keepalived. */
  apiFrontend: boolean;
  kubernetes: boolean;
  novaCompute: boolean;
  cephOsd: boolean;
  /** Runs containers deployed by kolla-ansible. */
  kolla: boolean;
  /** Runs containers deployed by cephadm. */
  cephadm: boolean;
}

/** Role names of a catalog (the built-in release's by default). */
export function roleNames(catalog: RoleCatalog = builtinCatalog): string[] {
  return catalog.roles.map((r) => r.name);
}

export function dutiesOf(
  roles: readonly string[],
  catalog: RoleCatalog = builtinCatalog,
): HostDuties {
  const services = servicesOfRoles(catalog, roles);
  const any = (list: readonly string[]) => list.some((s) => services.has(s));
  return {
    ntpServer: services.has("openstack-control"),
    apiFrontend: services.has("openstack-control"),
    kubernetes: any(KUBE_SERVICES),
    novaCompute: services.has("nova-compute"),
    cephOsd: services.has("ceph-osd"),
    kolla: any(KOLLA_SERVICES),
    cephadm: any(CEPHADM_SERVICES),
  };
}
