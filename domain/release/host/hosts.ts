/**
 * `/etc/hostname` and `/etc/hosts`. Every node resolves every other node by its management address
 * without DNS, so the cluster keeps working when the site's DNS servers do not know the nodes (or
 * are down). Cairn owns both files whole: a removed node's line disappears on every node the next
 * time the step runs, and nothing of an earlier layout lingers.
 */
import { RFC1123_LABEL } from "../../model";
import { checkDnsName } from "../../network/dns-names";
import { compareNodeIds, parseIp } from "../../network/ipam";
import type { Peer } from "../contract";
import { HostConfigError, joinLines, managedHeader } from "./managed";

export const HOSTNAME_PATH = "etc/hostname";
export const HOSTS_PATH = "etc/hosts";

/** The loopback lines Debian and Ubuntu ship, kept so that `localhost` and the IPv6 names resolve. */
const LOOPBACK_LINES = [
  "127.0.0.1\tlocalhost",
  "::1\tlocalhost ip6-localhost ip6-loopback",
  "ff02::1\tip6-allnodes",
  "ff02::2\tip6-allrouters",
];

function checkHostname(hostname: string, field: string): void {
  if (!RFC1123_LABEL.test(hostname))
    throw new HostConfigError(
      field,
      `"${hostname}" is not a valid host name: use 1 to 63 lowercase letters, digits and inner hyphens (lab-0001), without the domain`,
    );
}

function checkDomain(domain: string): void {
  if (domain === "") return;
  const problem = checkDnsName(domain);
  if (problem)
    throw new HostConfigError(
      "settings.dns.domain",
      `"${domain}" is not a valid DNS domain (${problem.code}): use labels of letters, digits and hyphens separated by dots (cloud.example.com)`,
    );
}

/** `/etc/hostname`: the short name only; the FQDN comes from `/etc/hosts`, as Debian expects. */
export function hostnameFile(hostname: string): string {
  checkHostname(hostname, "node.hostname");
  return `${hostname}\n`;
}

export interface HostsInput {
  /** The cluster's DNS domain (settings.dns.domain); empty: short names only. */
  domain: string;
  /** Every node of the cluster after the operation. */
  nodes: readonly Pick<Peer, "hostname" | "addresses">[];
}

/**
 * `/etc/hosts`: loopback lines, then one line per node, `address  fqdn  short`, ordered by host
 * name (node-2 before node-10). A node without a management address yet gets a comment instead.
 */
export function hostsFile(input: HostsInput): string {
  checkDomain(input.domain);
  const byName = new Map<string, Pick<Peer, "hostname" | "addresses">>();
  const byAddress = new Map<string, string>();
  for (const node of input.nodes) {
    const field = `nodes[${node.hostname}]`;
    checkHostname(node.hostname, `${field}.hostname`);
    if (byName.has(node.hostname))
      throw new HostConfigError(
        `${field}.hostname`,
        `two nodes are named ${node.hostname}: give each node its own host name`,
      );
    byName.set(node.hostname, node);
    const address = node.addresses.management;
    if (address === undefined) continue;
    const ip = parseIp(address);
    if (!ip)
      throw new HostConfigError(
        `${field}.addresses.management`,
        `"${address}" is not an IP address: assign the node an address in the management network`,
      );
    const other = byAddress.get(ip.text);
    if (other !== undefined)
      throw new HostConfigError(
        `${field}.addresses.management`,
        `${ip.text} is also the management address of ${other}: give each node its own address`,
      );
    byAddress.set(ip.text, node.hostname);
  }
  const lines: string[] = [];
  for (const hostname of [...byName.keys()].sort(compareNodeIds)) {
    const address = byName.get(hostname)?.addresses.management;
    if (address === undefined) {
      lines.push(`# ${hostname}: no management address yet`);
      continue;
    }
    const names = input.domain === "" ? hostname : `${hostname}.${input.domain} ${hostname}`;
    lines.push(`${parseIp(address)?.text ?? address}\t${names}`);
  }
  return joinLines([
    managedHeader([
      "Every cluster node by its management address: FQDN, then the short name. A node's own name",
      "maps to its management address, never to 127.0.1.1: RabbitMQ, Galera and etcd advertise the",
      "address their host name resolves to.",
    ]),
    "",
    ...LOOPBACK_LINES,
    "",
    ...lines,
  ]);
}
