/**
 * The provisioning network of a cluster, as dnsmasq serves it on the region's provisioning node:
 * DHCP (the cluster's range for machines booting into discovery, a fixed address per known node),
 * PXE through dnsmasq's own TFTP server, and DNS names for the nodes' provisioning addresses.
 *
 * Layout, and why:
 * - `etc/dnsmasq.d/cairn-<cluster>.conf` holds the settings *and* one `dhcp-host=<mac>,<ip>,<name>`
 *   per node. Reservations live in the configuration file (not in a `dhcp-hostsfile`) because
 *   `dnsmasq --test` checks the configuration file only: this way every reservation is validated by
 *   the real parser before it is written, and there is one source of truth for them.
 * - `etc/cairn/dnsmasq/<cluster>/ethers` is the same reservations in ethers(5) form (MAC → address)
 *   for the tools that read that format. dnsmasq does not read it: `read-ethers` only reads
 *   `/etc/ethers`, which belongs to the operator, and two sources of reservations could disagree.
 * - `etc/cairn/dnsmasq/<cluster>/hosts` holds `address fqdn short` per node and is named by
 *   `addn-hosts=`, so nodes resolve by name on the provisioning network.
 * - Everything is per cluster (file names, the DHCP tag, the domain scoped to the subnet): one
 *   provisioning node serves every cluster of its region, and regenerating one cluster's files
 *   never touches another's.
 *
 * Removing a node is regenerating without it: its `dhcp-host`, ethers and hosts lines go and no
 * other line changes; its leases are dropped from dnsmasq's lease file by MAC
 * (`removeNodesFromLeases`). Pure: no file system, no clock.
 */
import {
  compareNodeIds,
  formatIp,
  isUsableHost,
  parseCidr,
  parseIp,
  type Cidr,
} from "../../network/ipam";
import { checkDnsName } from "../../network/dns-names";
import { MAC_PATTERN, RFC1123_LABEL, type Network, type Settings } from "../../model";
import type { Peer, StepContract } from "../contract";
import { HostConfigError, joinLines, managedHeader } from "../host/managed";

/** dnsmasq's lease file on Debian and Ubuntu (the packaged default `dhcp-leasefile`). */
export const DNSMASQ_LEASES_PATH = "var/lib/misc/dnsmasq.leases";
/** Where dnsmasq's TFTP server finds the boot loaders (populated with the discovery image). */
export const TFTP_ROOT = "/var/lib/cairn/tftp";
/** Lease time of the dynamic range and of reservations: short enough that a removed node's lease ends soon. */
export const LEASE_TIME = "12h";

/** iPXE binaries per firmware, relative to the TFTP root; iPXE then loads `boot.ipxe` from the same server. */
export const BOOT_FILES = {
  bios: "x86_64/undionly.kpxe",
  efiX86_64: "x86_64/ipxe.efi",
  efiAarch64: "aarch64/ipxe.efi",
  ipxeScript: "boot.ipxe",
} as const;

/**
 * A cluster name as it appears in file names and dnsmasq tags: lowercase letters, digits and
 * hyphens ("Lab West 2" → "lab-west-2"). Two clusters of a region whose names differ only in
 * case or punctuation would share files, which the region's unique-name rule prevents.
 */
export function clusterSlug(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
  return slug || "cluster";
}

export interface ProvisioningPaths {
  /** Relative to the root, as the step writes them. */
  conf: string;
  ethers: string;
  hosts: string;
}

export function provisioningPaths(clusterName: string): ProvisioningPaths {
  const slug = clusterSlug(clusterName);
  return {
    conf: `etc/dnsmasq.d/cairn-${slug}.conf`,
    ethers: `etc/cairn/dnsmasq/${slug}/ethers`,
    hosts: `etc/cairn/dnsmasq/${slug}/hosts`,
  };
}

export interface ProvisioningServer {
  hostname: string;
  /** The provisioning node's own address on the provisioning network. */
  address: string;
  /** The interface dnsmasq listens on (`enp1s0`, or `enp1s0.100` on a tagged network). */
  interface: string;
}

/** What the provisioning network needs to know of a node. */
export type ProvisioningPeer = Pick<Peer, "id" | "hostname" | "addresses" | "provisioningMac">;

export interface ProvisioningInput {
  cluster: { id: string; name: string; releaseId: string };
  settings: Pick<Settings, "dhcp" | "dns">;
  /** The cluster's provisioning network. */
  network: Network;
  server: ProvisioningServer;
  /** Every node of the cluster after the operation. */
  nodes: readonly ProvisioningPeer[];
  /** Nodes this operation removes: left out even if still listed in `nodes`. */
  removed?: readonly Pick<Peer, "id">[];
}

/** One node's reservation and name, as written to the three files. */
export interface ProvisioningEntry {
  id: string;
  hostname: string;
  fqdn: string;
  mac?: string;
  address?: string;
}

export interface ProvisioningFiles {
  slug: string;
  /** The dnsmasq tag set on this cluster's DHCP range and used by its options. */
  tag: string;
  paths: ProvisioningPaths;
  conf: string;
  ethers: string;
  hosts: string;
  entries: ProvisioningEntry[];
  /** Nodes that got no reservation or no name, and why (the step logs them). */
  skipped: { hostname: string; reason: string }[];
}

function netmask(cidr: Cidr): string {
  const bits = cidr.family === 4 ? 32 : 128;
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - cidr.prefixLength)) - 1n);
  return formatIp(mask, cidr.family);
}

function parseProvisioningCidr(network: Network): Cidr {
  const parsed = parseCidr(network.cidr);
  if (!parsed.ok)
    throw new HostConfigError(
      "cluster.networks[provisioning].cidr",
      `${parsed.problem.message.en} Correct the provisioning network's CIDR.`,
    );
  return parsed.cidr;
}

function checkRange(settings: ProvisioningInput["settings"], cidr: Cidr) {
  const start = parseIp(settings.dhcp.start);
  const end = parseIp(settings.dhcp.end);
  const inside = (ip: ReturnType<typeof parseIp>) => !!ip && isUsableHost(cidr, ip);
  if (!inside(start))
    throw new HostConfigError(
      "settings.dhcp.start",
      `"${settings.dhcp.start}" is not an address inside the provisioning network ${cidr.text}: set the DHCP range in the cluster's settings`,
    );
  if (!inside(end))
    throw new HostConfigError(
      "settings.dhcp.end",
      `"${settings.dhcp.end}" is not an address inside the provisioning network ${cidr.text}: set the DHCP range in the cluster's settings`,
    );
  if (!start || !end || start.value > end.value)
    throw new HostConfigError(
      "settings.dhcp",
      `the DHCP range starts at ${settings.dhcp.start}, after its end ${settings.dhcp.end}: swap them`,
    );
  return { start: start.text, end: end.text };
}

function checkDomain(domain: string): void {
  const problem = checkDnsName(domain);
  if (problem)
    throw new HostConfigError(
      "settings.dns.domain",
      `"${domain}" is not a valid DNS domain (${problem.code}): use labels of letters, digits and hyphens separated by dots (cloud.example.com)`,
    );
}

/** An address as dnsmasq writes it in `dhcp-host`: IPv6 in brackets. */
function dhcpHostAddress(address: string, family: 4 | 6): string {
  return family === 6 ? `[${address}]` : address;
}

/** Reservations and names for the cluster's nodes, sorted by host name; problems name the node's field. */
export function provisioningEntries(
  input: Pick<ProvisioningInput, "nodes" | "removed" | "settings">,
  cidr: Cidr,
): { entries: ProvisioningEntry[]; skipped: ProvisioningFiles["skipped"] } {
  const removed = new Set((input.removed ?? []).map((n) => n.id));
  const nodes = input.nodes
    .filter((n) => !removed.has(n.id))
    .sort((a, b) => compareNodeIds(a.hostname, b.hostname));
  const entries: ProvisioningEntry[] = [];
  const skipped: ProvisioningFiles["skipped"] = [];
  const macs = new Map<string, string>();
  const addresses = new Map<string, string>();
  const names = new Set<string>();
  for (const node of nodes) {
    const field = `nodes[${node.hostname}]`;
    if (!RFC1123_LABEL.test(node.hostname))
      throw new HostConfigError(
        `${field}.hostname`,
        `"${node.hostname}" is not a valid host name: use 1 to 63 lowercase letters, digits and inner hyphens (lab-0001)`,
      );
    if (names.has(node.hostname))
      throw new HostConfigError(
        `${field}.hostname`,
        `two nodes are named ${node.hostname}: give each node its own host name`,
      );
    names.add(node.hostname);
    const entry: ProvisioningEntry = {
      id: node.id,
      hostname: node.hostname,
      fqdn: `${node.hostname}.${input.settings.dns.domain}`,
    };
    if (node.provisioningMac !== undefined) {
      const mac = node.provisioningMac.toLowerCase();
      if (!MAC_PATTERN.test(mac))
        throw new HostConfigError(
          `${field}.provisioningMac`,
          `"${node.provisioningMac}" is not a MAC address like 52:54:00:12:34:56`,
        );
      const owner = macs.get(mac);
      if (owner)
        throw new HostConfigError(
          `${field}.provisioningMac`,
          `${mac} is also the provisioning MAC of ${owner}: each node boots from its own NIC`,
        );
      macs.set(mac, node.hostname);
      entry.mac = mac;
    }
    const text = node.addresses.provisioning;
    if (text !== undefined) {
      const ip = parseIp(text);
      if (!ip || !isUsableHost(cidr, ip))
        throw new HostConfigError(
          `${field}.addresses.provisioning`,
          `"${text}" is not an address inside the provisioning network ${cidr.text}: assign the node one`,
        );
      const owner = addresses.get(ip.text);
      if (owner)
        throw new HostConfigError(
          `${field}.addresses.provisioning`,
          `${ip.text} is also the provisioning address of ${owner}: give each node its own`,
        );
      addresses.set(ip.text, node.hostname);
      entry.address = ip.text;
    }
    if (entry.mac === undefined)
      skipped.push({
        hostname: node.hostname,
        reason: "no provisioning MAC: no DHCP reservation or ethers line",
      });
    else if (entry.address === undefined)
      skipped.push({
        hostname: node.hostname,
        reason: "no provisioning address: no DHCP reservation, ethers or hosts line",
      });
    entries.push(entry);
  }
  return { entries, skipped };
}

/** The three files of a cluster's provisioning network. Throws HostConfigError naming the field at fault. */
export function provisioningFiles(input: ProvisioningInput): ProvisioningFiles {
  const cidr = parseProvisioningCidr(input.network);
  const range = checkRange(input.settings, cidr);
  checkDomain(input.settings.dns.domain);
  const server = parseIp(input.server.address);
  if (!server || !isUsableHost(cidr, server))
    throw new HostConfigError(
      "node.addresses.provisioning",
      `the provisioning node ${input.server.hostname} has no address inside ${cidr.text} ("${input.server.address}"): it cannot serve DHCP there`,
    );
  const slug = clusterSlug(input.cluster.name);
  const tag = `cairn-${slug}`;
  const paths = provisioningPaths(input.cluster.name);
  const { entries, skipped } = provisioningEntries(input, cidr);
  const reserved = entries.filter(
    (e): e is ProvisioningEntry & { mac: string; address: string } =>
      e.mac !== undefined && e.address !== undefined,
  );
  const named = entries.filter((e) => e.address !== undefined);
  const domain = input.settings.dns.domain;
  const header = managedHeader([
    `Provisioning network of cluster ${input.cluster.name} (${input.cluster.id}), release ${input.cluster.releaseId}.`,
  ]);

  const rangeLine =
    cidr.family === 4
      ? `dhcp-range=set:${tag},${range.start},${range.end},${netmask(cidr)},${LEASE_TIME}`
      : `dhcp-range=set:${tag},${range.start},${range.end},${cidr.prefixLength},${LEASE_TIME}`;
  const conf: string[] = [
    header,
    `# Served by ${input.server.hostname} (${server.text}) on ${input.server.interface}.`,
    "",
    `interface=${input.server.interface}`,
    // Binds to the addresses of the named interface only, and follows them if they come later.
    "bind-dynamic",
    // The only DHCP server on this network: answer at once, including clients with unknown leases.
    "dhcp-authoritative",
    `domain=${domain},${cidr.text}`,
    rangeLine,
  ];
  if (cidr.family === 4)
    conf.push(
      // Without a gateway the option is sent empty: a provisioning network routes nowhere.
      input.network.gateway
        ? `dhcp-option=tag:${tag},option:router,${input.network.gateway}`
        : `dhcp-option=tag:${tag},option:router`,
      "",
      `# PXE: the firmware loads iPXE over TFTP, and iPXE loads ${BOOT_FILES.ipxeScript} (the discovery image).`,
      "enable-tftp",
      `tftp-root=${TFTP_ROOT}`,
      "dhcp-match=set:cairn-efi-x86_64,option:client-arch,7",
      "dhcp-match=set:cairn-efi-x86_64,option:client-arch,9",
      "dhcp-match=set:cairn-efi-aarch64,option:client-arch,11",
      "dhcp-userclass=set:cairn-ipxe,iPXE",
      `dhcp-boot=tag:${tag},tag:cairn-ipxe,${BOOT_FILES.ipxeScript}`,
      `dhcp-boot=tag:${tag},tag:!cairn-ipxe,tag:cairn-efi-x86_64,${BOOT_FILES.efiX86_64}`,
      `dhcp-boot=tag:${tag},tag:!cairn-ipxe,tag:cairn-efi-aarch64,${BOOT_FILES.efiAarch64}`,
      `dhcp-boot=tag:${tag},tag:!cairn-ipxe,tag:!cairn-efi-x86_64,tag:!cairn-efi-aarch64,${BOOT_FILES.bios}`,
    );
  else
    conf.push(
      "",
      "# PXE over IPv6 needs an HTTP boot URL per firmware; this network gets addresses and names only.",
    );
  conf.push(
    "",
    // No count here: removing a node must change its own lines and nothing else.
    "# Fixed addresses: one per node (MAC, address, host name).",
    ...reserved.map(
      (e) => `dhcp-host=${e.mac},${dhcpHostAddress(e.address, cidr.family)},${e.hostname}`,
    ),
    "",
    `addn-hosts=/${paths.hosts}`,
  );

  const ethers = [
    managedHeader([
      `Provisioning MACs of cluster ${input.cluster.name}: MAC address, then IP address.`,
    ]),
    ...reserved.map((e) => `${e.mac} ${e.address}`),
  ];
  const hosts = [
    managedHeader([`Names of cluster ${input.cluster.name} on its provisioning network.`]),
    ...named.map((e) => `${e.address} ${e.fqdn} ${e.hostname}`),
  ];
  return {
    slug,
    tag,
    paths,
    conf: joinLines(conf),
    ethers: joinLines(ethers),
    hosts: joinLines(hosts),
    entries,
    skipped,
  };
}

/**
 * The interface the provisioning node serves DHCP on: the NIC holding its provisioning address,
 * else the NIC it boots from (its provisioning MAC, else the PXE-flagged NIC), else its first NIC;
 * a tagged provisioning network adds the VLAN (`enp1s0.100`).
 */
export function provisioningInterface(node: StepContract["node"], network: Network): string {
  const nics = node.hardware.nics;
  const address = node.addresses.provisioning;
  const nic =
    (address !== undefined
      ? nics.find((n) => n.addresses.some((a) => a.split("/")[0] === address))
      : undefined) ??
    nics.find(
      (n) => node.provisioningMac !== undefined && n.mac === node.provisioningMac.toLowerCase(),
    ) ??
    nics.find((n) => n.pxe === true) ??
    nics[0];
  const name = nic?.name ?? "eth0";
  return network.vlan !== null ? `${name}.${network.vlan}` : name;
}

/** Everything `provisioningFiles` needs, read from a step's input; problems name the field. */
export function provisioningInputFrom(input: StepContract): ProvisioningInput {
  const network = input.cluster.networks.find((n) => n.name === "provisioning");
  if (!network)
    throw new HostConfigError(
      "cluster.networks",
      "the cluster has no provisioning network: add one (its CIDR holds the DHCP range) before provisioning",
    );
  const address = input.node.addresses.provisioning;
  if (address === undefined)
    throw new HostConfigError(
      "node.addresses.provisioning",
      `${input.node.hostname} has no address on the provisioning network: the provisioning node needs one to serve DHCP`,
    );
  return {
    cluster: {
      id: input.cluster.id,
      name: input.cluster.name,
      releaseId: input.cluster.releaseId,
    },
    settings: input.cluster.settings,
    network,
    server: {
      hostname: input.node.hostname,
      address,
      interface: provisioningInterface(input.node, network),
    },
    nodes: input.nodes,
    removed: input.changes.removedNodes,
  };
}

/** One line of dnsmasq's lease file: `expiry mac address hostname client-id` (IPv4 and IPv6 lines). */
export interface Lease {
  expiry: string;
  mac: string;
  address: string;
  hostname: string;
  line: string;
}

/** The lease lines of a lease file; the `duid …` line and anything unreadable are not leases. */
export function parseLeases(text: string): Lease[] {
  const leases: Lease[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[0] === "duid") continue;
    leases.push({
      expiry: fields[0] as string,
      mac: (fields[1] as string).toLowerCase(),
      address: fields[2] as string,
      hostname: fields[3] as string,
      line,
    });
  }
  return leases;
}

/**
 * The lease file without the leases of the given MACs (compared case-insensitively); every other
 * line is kept byte for byte, in order. `removed` lists the lines that went.
 */
export function removeNodesFromLeases(
  leasesText: string,
  macs: Iterable<string>,
): { text: string; removed: string[] } {
  const drop = new Set([...macs].map((m) => m.toLowerCase()));
  const kept: string[] = [];
  const removed: string[] = [];
  const lines = leasesText.split("\n");
  const trailingNewline = lines[lines.length - 1] === "";
  if (trailingNewline) lines.pop();
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    const isLease = fields.length >= 4 && fields[0] !== "duid";
    if (isLease && drop.has((fields[1] as string).toLowerCase())) removed.push(line);
    else kept.push(line);
  }
  const text = kept.join("\n") + (trailingNewline && kept.length > 0 ? "\n" : "");
  return { text, removed };
}

/** The lease file without the leases of one MAC. */
export function removeNodeFromLeases(leasesText: string, mac: string): string {
  return removeNodesFromLeases(leasesText, [mac]).text;
}
