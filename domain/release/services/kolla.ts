/**
 * kolla-ansible's inputs: `globals.yml` (what to deploy and where the VIPs and interfaces are) and
 * a multinode inventory (which hosts are in which group). The five host groups come from the
 * nodes' services; the service groups below them are kolla-ansible's own layout, which its
 * playbooks expect to exist whether or not a service is enabled.
 *
 * kolla-ansible reads `<configdir>/globals.yml` and `<configdir>/passwords.yml`; Cairn writes the
 * first and never the second (`kolla-genpwd` creates it on the node, and the secrets stay there).
 * Pure; `kollaGlobalsSchema` and `kollaInventorySchema` check what we generate.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { RFC1123_LABEL, type Network } from "../../model";
import type { StepContract } from "../contract";
import { HostConfigError, joinLines, managedHeader } from "../host/managed";
import { NOVA_OVERCOMMIT_PATH } from "../host/nova";
import {
  DEPLOY_DIR,
  addressOf,
  externalInterface,
  interfaceOn,
  stableNumber,
  vipOf,
  type ServiceNode,
  type ServiceTopology,
} from "./topology";

export const KOLLA_DIR = `${DEPLOY_DIR}/kolla`;
export const KOLLA_GLOBALS_PATH = `${KOLLA_DIR}/globals.yml`;
export const KOLLA_INVENTORY_PATH = `${KOLLA_DIR}/multinode`;
export const KOLLA_PASSWORDS_PATH = `${KOLLA_DIR}/passwords.yml`;
/** kolla's per-service configuration overrides (nova.conf snippets and the like) stay at its default place. */
export const KOLLA_CUSTOM_CONFIG = "/etc/kolla/config";

const yesNo = z.enum(["yes", "no"]);
const interfaceName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,15}$/, "an interface name like eno1 or eno1.101");
const ip = z.string().regex(/^[0-9a-fA-F:.]+$/, "an IP address");

/** The fields of globals.yml Cairn sets (strict: anything else is a mistake in the generator). */
export const kollaGlobalsSchema = z.strictObject({
  kolla_base_distro: z.enum(["ubuntu", "debian", "rocky"]),
  /** The kernel step configures podman for kolla hosts (Docker's kolla role disables containerd's CRI). */
  kolla_container_engine: z.literal("podman"),
  kolla_internal_vip_address: ip,
  kolla_external_vip_address: ip.optional(),
  keepalived_virtual_router_id: z.number().int().min(1).max(255),
  network_interface: interfaceName,
  tunnel_interface: interfaceName.optional(),
  neutron_external_interface: interfaceName.optional(),
  neutron_plugin_agent: z.enum(["openvswitch", "ovn"]),
  enable_haproxy: yesNo,
  enable_keepalived: yesNo,
  enable_neutron_provider_networks: yesNo,
  enable_cinder: yesNo,
  enable_cinder_backend_lvm: yesNo,
  cinder_volume_group: z.string().optional(),
  glance_backend_ceph: yesNo,
  cinder_backend_ceph: yesNo,
  nova_backend_ceph: yesNo,
  nova_compute_virt_type: z.enum(["kvm", "qemu"]),
  /** The overcommit step's snippet on the host, seen by nova inside its container. */
  nova_compute_extra_volumes: z.array(z.string().regex(/^\/[^:]+:\/[^:]+:ro$/)),
  node_custom_config: z.string().startsWith("/"),
});
export type KollaGlobals = z.infer<typeof kollaGlobalsSchema>;

/** The interfaces of the node kolla-ansible runs for, by the network they carry. */
export interface KollaInterfaces {
  network: string;
  tunnel?: string;
  external?: string;
}

export interface KollaInput {
  cluster: { id: string; name: string };
  networks: readonly Network[];
  topology: ServiceTopology;
  interfaces: KollaInterfaces;
}

/** Where the overcommit step writes nova's snippet on the host (host/nova.ts); nova reads it there. */
const NOVA_SNIPPET_DIR = `/${NOVA_OVERCOMMIT_PATH.split("/").slice(0, -1).join("/")}`;

/** The VIP names looked for on the management and public networks, in order of preference. */
export const INTERNAL_VIP_NAMES = ["internal", "openstack", "api"] as const;
export const EXTERNAL_VIP_NAMES = ["public", "external", "openstack"] as const;

/** The values of globals.yml; problems name the field of the step input to fix. */
export function kollaGlobals(input: KollaInput): KollaGlobals {
  const { topology, networks } = input;
  const first = topology.control[0];
  if (!first)
    throw new HostConfigError(
      "nodes",
      "no node carries openstack-control: give at least one node the controller role",
    );
  const ha = topology.control.length > 1;
  const vip = vipOf(networks, "management", INTERNAL_VIP_NAMES);
  if (ha && vip === undefined)
    throw new HostConfigError(
      "cluster.networks[management].vips",
      `${topology.control.length} controllers share the OpenStack APIs through a virtual IP: add one to the management network`,
    );
  const internal = vip ?? addressOf(first, "management", "the OpenStack APIs");
  const external = vipOf(networks, "public", EXTERNAL_VIP_NAMES);
  const ceph = topology.cephOsd.length > 0;
  const lvm = topology.cinderLvm.length > 0;
  const balanced = ha || vip !== undefined;
  return {
    kolla_base_distro: "ubuntu",
    kolla_container_engine: "podman",
    kolla_internal_vip_address: internal,
    ...(external !== undefined ? { kolla_external_vip_address: external } : {}),
    // VRRP ids must differ between clusters sharing a network segment: derive one from the cluster id.
    keepalived_virtual_router_id: stableNumber(input.cluster.id, 254) + 1,
    network_interface: input.interfaces.network,
    ...(input.interfaces.tunnel !== undefined ? { tunnel_interface: input.interfaces.tunnel } : {}),
    ...(input.interfaces.external !== undefined
      ? { neutron_external_interface: input.interfaces.external }
      : {}),
    neutron_plugin_agent: "openvswitch",
    enable_haproxy: balanced ? "yes" : "no",
    enable_keepalived: balanced ? "yes" : "no",
    enable_neutron_provider_networks: input.interfaces.external !== undefined ? "yes" : "no",
    enable_cinder: ceph || lvm ? "yes" : "no",
    enable_cinder_backend_lvm: lvm ? "yes" : "no",
    ...(lvm ? { cinder_volume_group: "cinder-volumes" } : {}),
    glance_backend_ceph: ceph ? "yes" : "no",
    cinder_backend_ceph: ceph ? "yes" : "no",
    nova_backend_ceph: ceph ? "yes" : "no",
    nova_compute_virt_type: "kvm",
    nova_compute_extra_volumes: [`${NOVA_SNIPPET_DIR}:${NOVA_SNIPPET_DIR}:ro`],
    node_custom_config: KOLLA_CUSTOM_CONFIG,
  };
}

/** globals.yml text: one `key: "value"` per line (strings quoted, as kolla's examples do). */
export function kollaGlobalsFile(input: KollaInput): string {
  const globals = kollaGlobalsSchema.parse(kollaGlobals(input));
  const lines = [
    "---",
    managedHeader([
      `kolla-ansible globals of cluster ${input.cluster.name} (${input.cluster.id}).`,
      "openstack_release is left to the installed kolla-ansible, so images always match its playbooks.",
    ]),
  ];
  for (const [key, value] of Object.entries(globals))
    lines.push(`${key}: ${typeof value === "number" ? value : JSON.stringify(value)}`);
  return joinLines(lines);
}

/** The interfaces for kolla on the step's own node (the node kolla-ansible runs for). */
export function kollaInterfacesOf(input: StepContract): KollaInterfaces {
  const networks = input.cluster.networks;
  const network = interfaceOn(input.node, networks, "management");
  if (network === undefined)
    throw new HostConfigError(
      "cluster.networks",
      "the cluster has no management network: OpenStack's APIs and services need one",
    );
  const tunnel = interfaceOn(input.node, networks, "tenant");
  const external = networks.some((n) => n.name === "public")
    ? externalInterface(input.node, networks)
    : undefined;
  return {
    network,
    ...(tunnel !== undefined ? { tunnel } : {}),
    ...(external !== undefined ? { external } : {}),
  };
}

/**
 * kolla-ansible's service groups and the groups they take their hosts from, in its multinode
 * layout: the playbooks address every group, enabled or not.
 */
export const KOLLA_SERVICE_GROUPS: readonly (readonly [string, readonly string[]])[] = [
  ["tls-backend", ["control", "network"]],
  ["common", ["control", "network", "compute", "storage", "monitoring"]],
  ["collectd", ["compute"]],
  ["grafana", ["monitoring"]],
  ["etcd", ["control"]],
  ["influxdb", ["monitoring"]],
  ["prometheus", ["monitoring"]],
  ["telegraf", ["compute", "control", "monitoring", "network", "storage"]],
  ["hacluster", ["control"]],
  ["hacluster-remote", ["compute"]],
  ["loadbalancer", ["network"]],
  ["mariadb", ["control"]],
  ["rabbitmq", ["control"]],
  ["keystone", ["control"]],
  ["glance", ["control"]],
  ["nova", ["control"]],
  ["neutron", ["network"]],
  ["openvswitch", ["network", "compute", "manila-share"]],
  ["cinder", ["control"]],
  ["cloudkitty", ["control"]],
  ["memcached", ["control"]],
  ["horizon", ["control"]],
  ["barbican", ["control"]],
  ["heat", ["control"]],
  ["ironic", ["control"]],
  ["magnum", ["control"]],
  ["mistral", ["control"]],
  ["manila", ["control"]],
  ["ceilometer", ["control"]],
  ["aodh", ["control"]],
  ["cyborg", ["control", "compute"]],
  ["gnocchi", ["control"]],
  ["tacker", ["control"]],
  ["trove", ["control"]],
  ["watcher", ["control"]],
  ["octavia", ["control"]],
  ["designate", ["control"]],
  ["placement", ["control"]],
  ["bifrost", ["deployment"]],
  ["zun", ["control"]],
  ["skyline", ["control"]],
  ["valkey", ["control"]],
  ["blazar", ["control"]],
  ["letsencrypt", ["loadbalancer"]],
  ["cron", ["common"]],
  ["fluentd", ["common"]],
  ["kolla-logs", ["common"]],
  ["kolla-toolbox", ["common"]],
  ["opensearch", ["control"]],
  ["opensearch-dashboards", ["opensearch"]],
  ["glance-api", ["glance"]],
  ["nova-api", ["nova"]],
  ["nova-conductor", ["nova"]],
  ["nova-metadata", ["nova"]],
  ["nova-super-conductor", ["nova"]],
  ["nova-novncproxy", ["nova"]],
  ["nova-scheduler", ["nova"]],
  ["nova-spicehtml5proxy", ["nova"]],
  ["nova-compute-ironic", ["nova"]],
  ["nova-serialproxy", ["nova"]],
  ["ironic-neutron-agent", ["neutron"]],
  ["neutron-bgp-dragent", ["neutron"]],
  ["neutron-dhcp-agent", ["neutron"]],
  ["neutron-infoblox-ipam-agent", ["neutron"]],
  ["neutron-l3-agent", ["neutron"]],
  ["neutron-metadata-agent", ["neutron"]],
  ["neutron-metering-agent", ["neutron"]],
  ["neutron-periodic-worker", ["control"]],
  ["neutron-rpc-server", ["control"]],
  ["neutron-server", ["control"]],
  ["neutron-ovn-agent", ["compute", "network"]],
  ["neutron-ovn-maintenance-worker", ["control"]],
  ["neutron-ovn-metadata-agent", ["compute", "network"]],
  ["cinder-api", ["cinder"]],
  ["cinder-backup", ["storage"]],
  ["cinder-scheduler", ["cinder"]],
  ["cinder-volume", ["storage"]],
  ["cloudkitty-api", ["cloudkitty"]],
  ["cloudkitty-processor", ["cloudkitty"]],
  ["iscsid", ["compute", "storage", "ironic"]],
  ["tgtd", ["storage"]],
  ["manila-api", ["manila"]],
  ["manila-scheduler", ["manila"]],
  ["manila-share", ["network"]],
  ["manila-data", ["manila"]],
  ["barbican-api", ["barbican"]],
  ["barbican-keystone-listener", ["barbican"]],
  ["barbican-worker", ["barbican"]],
  ["heat-api", ["heat"]],
  ["heat-api-cfn", ["heat"]],
  ["heat-engine", ["heat"]],
  ["ironic-api", ["ironic"]],
  ["ironic-conductor", ["ironic"]],
  ["ironic-dnsmasq", ["ironic"]],
  ["ironic-tftp", ["ironic"]],
  ["ironic-http", ["ironic"]],
  ["magnum-api", ["magnum"]],
  ["magnum-conductor", ["magnum"]],
  ["mistral-api", ["mistral"]],
  ["mistral-executor", ["mistral"]],
  ["mistral-engine", ["mistral"]],
  ["mistral-event-engine", ["mistral"]],
  ["ceilometer-central", ["ceilometer"]],
  ["ceilometer-notification", ["ceilometer"]],
  ["ceilometer-compute", ["compute"]],
  ["ceilometer-ipmi", ["compute"]],
  ["aodh-api", ["aodh"]],
  ["aodh-evaluator", ["aodh"]],
  ["aodh-listener", ["aodh"]],
  ["aodh-notifier", ["aodh"]],
  ["cyborg-api", ["cyborg"]],
  ["cyborg-agent", ["compute"]],
  ["cyborg-conductor", ["cyborg"]],
  ["gnocchi-api", ["gnocchi"]],
  ["gnocchi-statsd", ["gnocchi"]],
  ["gnocchi-metricd", ["gnocchi"]],
  ["trove-api", ["trove"]],
  ["trove-conductor", ["trove"]],
  ["trove-taskmanager", ["trove"]],
  ["multipathd", ["compute", "storage"]],
  ["watcher-api", ["watcher"]],
  ["watcher-engine", ["watcher"]],
  ["watcher-applier", ["watcher"]],
  ["octavia-api", ["octavia"]],
  ["octavia-driver-agent", ["octavia"]],
  ["octavia-health-manager", ["octavia"]],
  ["octavia-housekeeping", ["octavia"]],
  ["octavia-worker", ["octavia"]],
  ["designate-api", ["designate"]],
  ["designate-central", ["designate"]],
  ["designate-producer", ["designate"]],
  ["designate-mdns", ["network"]],
  ["designate-worker", ["designate"]],
  ["designate-sink", ["designate"]],
  ["designate-backend-bind9", ["designate"]],
  ["placement-api", ["placement"]],
  ["zun-api", ["zun"]],
  ["zun-wsproxy", ["zun"]],
  ["zun-compute", ["compute"]],
  ["zun-cni-daemon", ["compute"]],
  ["skyline-apiserver", ["skyline"]],
  ["skyline-console", ["skyline"]],
  ["tacker-server", ["tacker"]],
  ["tacker-conductor", ["tacker"]],
  ["blazar-api", ["blazar"]],
  ["blazar-manager", ["blazar"]],
  ["prometheus-node-exporter", ["monitoring", "control", "compute", "network", "storage"]],
  ["prometheus-mysqld-exporter", ["mariadb"]],
  ["prometheus-memcached-exporter", ["memcached"]],
  ["prometheus-cadvisor", ["monitoring", "control", "compute", "network", "storage"]],
  ["prometheus-alertmanager", ["monitoring"]],
  ["prometheus-openstack-exporter", ["monitoring"]],
  ["prometheus-elasticsearch-exporter", ["opensearch"]],
  ["prometheus-blackbox-exporter", ["monitoring"]],
  ["prometheus-libvirt-exporter", ["compute"]],
  ["masakari-api", ["control"]],
  ["masakari-engine", ["control"]],
  ["masakari-hostmonitor", ["control"]],
  ["masakari-instancemonitor", ["compute"]],
  ["ovn-controller", ["ovn-controller-compute", "ovn-controller-network"]],
  ["ovn-controller-compute", ["compute"]],
  ["ovn-controller-network", ["network"]],
  ["ovn-database", ["control"]],
  ["ovn-northd", ["ovn-database"]],
  ["ovn-nb-db", ["ovn-database"]],
  ["ovn-sb-db", ["ovn-database"]],
  ["ovn-sb-db-relay", ["ovn-database"]],
  ["letsencrypt-webserver", ["letsencrypt"]],
  ["letsencrypt-lego", ["letsencrypt"]],
];

/** The host groups Cairn fills, in the inventory's order. */
export const KOLLA_HOST_GROUPS = [
  "control",
  "network",
  "compute",
  "monitoring",
  "storage",
] as const;

export interface KollaInventoryInput {
  cluster: { id: string; name: string };
  topology: ServiceTopology;
  /** Per-host variables (e.g. interfaces of a node cabled differently), by host name. */
  hostVars?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

function hostLine(node: ServiceNode, vars: Readonly<Record<string, string>> = {}): string {
  const all = {
    ansible_host: addressOf(node, "management", "kolla-ansible (its SSH address)"),
    ...vars,
  };
  return [node.hostname, ...Object.entries(all).map(([k, v]) => `${k}=${v}`)].join(" ");
}

/**
 * The multinode inventory. Hosts are reached over SSH at their management address. No node
 * carries a monitoring role, so the control nodes fill `monitoring` (kolla's Prometheus and
 * Grafana run there when enabled).
 */
export function kollaInventoryFile(input: KollaInventoryInput): string {
  const { topology } = input;
  const members: Record<(typeof KOLLA_HOST_GROUPS)[number], ServiceNode[]> = {
    control: topology.control,
    network: topology.network,
    compute: topology.compute,
    monitoring: topology.control,
    storage: topology.storage,
  };
  const lines = [
    managedHeader([
      `kolla-ansible inventory of cluster ${input.cluster.name} (${input.cluster.id}).`,
      "Host groups come from the nodes' roles; the service groups below them are kolla-ansible's layout.",
    ]),
  ];
  for (const group of KOLLA_HOST_GROUPS) {
    lines.push("", `[${group}]`);
    for (const node of members[group]) lines.push(hostLine(node, input.hostVars?.[node.hostname]));
  }
  lines.push("", "[deployment]", "localhost ansible_connection=local");
  lines.push("", "[baremetal:children]", "control", "network", "compute", "storage", "monitoring");
  for (const [group, children] of KOLLA_SERVICE_GROUPS)
    lines.push("", `[${group}:children]`, ...children);
  return joinLines(lines);
}

export interface InventoryGroup {
  hosts: Record<string, Record<string, string>>;
  children: string[];
}

/** Reads an Ansible INI inventory: groups with their hosts (and host variables) and children. */
export function parseInventory(text: string): Record<string, InventoryGroup> {
  const groups: Record<string, InventoryGroup> = {};
  let current: { name: string; children: boolean } | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[([^\]:]+)(:children)?\]$/.exec(line);
    if (header) {
      const name = header[1] as string;
      groups[name] ??= { hosts: {}, children: [] };
      current = { name, children: header[2] !== undefined };
      continue;
    }
    if (!current) throw new Error(`inventory line outside a group: ${line}`);
    const group = groups[current.name] as InventoryGroup;
    if (current.children) group.children.push(line);
    else {
      const [host, ...pairs] = line.split(/\s+/);
      group.hosts[host as string] = Object.fromEntries(
        pairs.map((p) => {
          const at = p.indexOf("=");
          return [p.slice(0, at), p.slice(at + 1)];
        }),
      );
    }
  }
  return groups;
}

const hostName = z.union([z.string().regex(RFC1123_LABEL), z.literal("localhost")]);

/** An inventory kolla-ansible can run: its host groups exist, hosts are named well, children exist. */
export const kollaInventorySchema = z
  .record(
    z.string().regex(/^[a-z][a-z0-9-]*$/),
    z.object({
      hosts: z.record(hostName, z.record(z.string().regex(/^[a-z_]+$/), z.string().min(1))),
      children: z.array(z.string()),
    }),
  )
  .superRefine((groups, ctx) => {
    for (const required of [...KOLLA_HOST_GROUPS, "deployment", "baremetal"])
      if (!groups[required])
        ctx.addIssue({ code: "custom", path: [required], message: `group ${required} is missing` });
    for (const [name, group] of Object.entries(groups))
      for (const child of group.children)
        if (!groups[child])
          ctx.addIssue({
            code: "custom",
            path: [name, "children"],
            message: `${name} names the group ${child}, which does not exist`,
          });
    for (const name of KOLLA_HOST_GROUPS)
      for (const [host, vars] of Object.entries(groups[name]?.hosts ?? {}))
        if (!vars.ansible_host)
          ctx.addIssue({
            code: "custom",
            path: [name, host],
            message: `${host} has no ansible_host`,
          });
  });

/** Parses a generated globals.yml with a YAML 1.1 reader's eyes (as Ansible reads it) and checks it. */
export function readKollaGlobals(text: string): KollaGlobals {
  return kollaGlobalsSchema.parse(parseYaml(text, { version: "1.1" }));
}

/** The command lines that deploy OpenStack with these inputs (absolute paths, as on the node). */
export function kollaCommands(): string[][] {
  const common = ["-i", `/${KOLLA_INVENTORY_PATH}`, "--configdir", `/${KOLLA_DIR}`];
  return [
    ["kolla-ansible", "bootstrap-servers", ...common],
    ["kolla-ansible", "prechecks", ...common],
    ["kolla-ansible", "deploy", ...common],
  ];
}
