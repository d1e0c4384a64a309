/**
 * `chrony.conf` from the NTP settings. Ceph monitors, Galera and etcd stop agreeing once clocks
 * drift apart, so what matters most is that the nodes agree with each other; agreeing with real
 * time comes second.
 *
 * - Nodes with the NTP-server duty (the control plane: controller, controller-hci) sync from the
 *   external servers, list each other as sources with `local stratum 10 orphan` (when the external
 *   sources are unreachable, the controllers keep one time among themselves — chrony's orphan
 *   mode), and serve time to the management network.
 * - Other nodes sync from the controllers' management addresses, or from the external servers when
 *   `settings.ntp.clients` is `external`.
 *
 * Layout: Debian/Ubuntu (`/etc/chrony/chrony.conf`, state in `/var/lib/chrony`), the layout of every
 * file the built-in release writes.
 */
import type { Network, Settings } from "../../model";
import { checkDnsName } from "../../network/dns-names";
import { compareNodeIds, parseCidr, parseIp } from "../../network/ipam";
import type { Peer } from "../contract";
import { dutiesOf } from "./duties";
import { comment, HostConfigError, joinLines, managedHeader } from "./managed";

export const CHRONY_CONF_PATH = "etc/chrony/chrony.conf";
export const CHRONY_DRIFT_FILE = "/var/lib/chrony/chrony.drift";
/** Below any real server's stratum (1–4 in practice), so a synchronised source always wins. */
export const ORPHAN_STRATUM = 10;

type ChronyPeer = Pick<Peer, "hostname" | "roles" | "addresses">;

export interface ChronyInput {
  ntp: Settings["ntp"];
  /** This node (found among `nodes` by host name for the addresses of the others). */
  node: Pick<Peer, "hostname" | "roles">;
  /** Every node of the cluster after the operation. */
  nodes: readonly ChronyPeer[];
  networks: readonly Pick<Network, "name" | "cidr">[];
}

export interface ChronyPlan {
  /** This node serves time to the cluster (NTP-server duty). */
  serves: boolean;
  /** External sources (settings.ntp.servers) this node uses. */
  external: string[];
  /** Controllers' management addresses this node uses as sources. */
  controllers: string[];
  /** Networks or addresses allowed to query this node (serving nodes only). */
  allow: string[];
  /** Why the sources differ from the usual ones, as comment lines. */
  notes: string[];
}

/** The external servers, checked: each an IP address (written canonically) or an RFC 1123 name. */
export function ntpServers(servers: readonly string[]): string[] {
  const out: string[] = [];
  servers.forEach((server, i) => {
    const ip = parseIp(server);
    if (ip === null && checkDnsName(server) !== null)
      throw new HostConfigError(
        `settings.ntp.servers[${i}]`,
        `"${server}" is neither an IP address nor a host name: enter an address (10.0.0.2, fd00::2) or a name of letters, digits, hyphens and dots (ntp1.example.com) in the cluster's NTP settings`,
      );
    const text = ip?.text ?? server.toLowerCase();
    if (!out.includes(text)) out.push(text);
  });
  return out;
}

function managementAddress(node: ChronyPeer): string | null {
  const address = node.addresses.management;
  if (address === undefined) return null;
  const ip = parseIp(address);
  if (!ip)
    throw new HostConfigError(
      `nodes[${node.hostname}].addresses.management`,
      `"${address}" is not an IP address: assign the node an address in the management network`,
    );
  return ip.text;
}

function managementCidrs(networks: ChronyInput["networks"]): string[] {
  const out: string[] = [];
  networks.forEach((network, i) => {
    if (network.name !== "management") return;
    const parsed = parseCidr(network.cidr);
    if (!parsed.ok) throw new HostConfigError(`networks[${i}].cidr`, parsed.problem.message.en);
    if (!out.includes(parsed.cidr.text)) out.push(parsed.cidr.text);
  });
  return out;
}

/** Which sources this node uses and whom it serves; throws when it would have no source at all. */
export function chronyPlan(input: ChronyInput): ChronyPlan {
  const external = ntpServers(input.ntp.servers);
  const serves = dutiesOf(input.node.roles).ntpServer;
  const controllers = input.nodes
    .filter((n) => n.hostname !== input.node.hostname && dutiesOf(n.roles).ntpServer)
    .sort((a, b) => compareNodeIds(a.hostname, b.hostname));
  const controllerAddresses: string[] = [];
  const notes: string[] = [];
  for (const c of controllers) {
    const address = managementAddress(c);
    if (address === null) notes.push(`Controller ${c.hostname} has no management address yet.`);
    else controllerAddresses.push(address);
  }

  if (serves) {
    let allow = managementCidrs(input.networks);
    if (allow.length === 0) {
      allow = input.nodes
        .filter((n) => n.hostname !== input.node.hostname)
        .sort((a, b) => compareNodeIds(a.hostname, b.hostname))
        .map(managementAddress)
        .filter((a): a is string => a !== null);
      notes.push("No management network is defined: each node's address is allowed on its own.");
    }
    if (external.length === 0)
      notes.push(
        "No external NTP server is set (settings.ntp.servers): the controllers keep one time among",
        "themselves, and the whole cluster drifts away from real time together.",
      );
    return { serves, external, controllers: controllerAddresses, allow, notes };
  }

  const wanted = input.ntp.clients;
  if (wanted === "controllers" && controllerAddresses.length > 0)
    return { serves, external: [], controllers: controllerAddresses, allow: [], notes };
  if (wanted === "external" && external.length > 0)
    return { serves, external, controllers: [], allow: [], notes };
  if (wanted === "controllers" && external.length > 0) {
    notes.push("No controller has a management address yet: syncing from the external servers.");
    return { serves, external, controllers: [], allow: [], notes };
  }
  if (wanted === "external" && controllerAddresses.length > 0) {
    notes.push(
      "No external NTP server is set (settings.ntp.servers): syncing from the controllers.",
    );
    return { serves, external: [], controllers: controllerAddresses, allow: [], notes };
  }
  throw new HostConfigError(
    "settings.ntp.servers",
    `${input.node.hostname} would have no time source: no external NTP server is set and no controller has a management address; add 1 to 3 NTP servers, or assign the controllers their addresses`,
  );
}

/** The whole `chrony.conf` for one node. */
export function chronyConf(input: ChronyInput): string {
  const plan = chronyPlan(input);
  const what = plan.serves
    ? "time server for the cluster (it carries the control plane)"
    : `client of the ${plan.controllers.length > 0 ? "controllers" : "external NTP servers"} (settings.ntp.clients = ${input.ntp.clients})`;
  const lines = [
    managedHeader([
      `chrony on ${input.node.hostname}: ${what}.`,
      "Debian/Ubuntu layout: this file is /etc/chrony/chrony.conf; chrony keeps its state in /var/lib/chrony.",
    ]),
    "",
  ];
  if (plan.notes.length > 0) lines.push(...comment(plan.notes), "");
  if (plan.external.length > 0) {
    lines.push("# External time sources (settings.ntp.servers).");
    for (const s of plan.external) lines.push(`server ${s} iburst`);
    lines.push("");
  }
  if (plan.serves) {
    lines.push(
      ...comment(
        plan.controllers.length > 0
          ? [
              "The other controllers. When the external sources are unreachable the controllers keep one",
              "time among themselves (orphan mode: the one with the lowest reference id leads), so Ceph",
              "monitors, Galera and etcd keep agreeing, and the other nodes follow.",
            ]
          : [
              "The only controller: when the external sources are unreachable it serves its own clock",
              "(orphan mode), so the other nodes keep agreeing with it.",
            ],
      ),
    );
    for (const a of plan.controllers) lines.push(`server ${a} iburst`);
    lines.push(`local stratum ${ORPHAN_STRATUM} orphan`, "");
    lines.push("# Serve time to the cluster over the management network.");
    for (const a of plan.allow) lines.push(`allow ${a}`);
    lines.push("");
  } else if (plan.controllers.length > 0) {
    lines.push("# The controllers, which serve time to the cluster.");
    for (const a of plan.controllers) lines.push(`server ${a} iburst`);
    lines.push("");
  }
  lines.push(
    `driftfile ${CHRONY_DRIFT_FILE}`,
    ...comment([
      "Step the clock during the first three updates if it is off by more than a second (a node that",
      "booted with a wrong hardware clock); slew it afterwards, so services never see time go back.",
    ]),
    "makestep 1 3",
    "# Copy the system time to the hardware clock (every 11 minutes, by the kernel).",
    "rtcsync",
  );
  return joinLines(lines);
}
