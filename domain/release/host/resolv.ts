/**
 * `/etc/resolv.conf` from the DNS settings: the cluster's domain as the search domain and its
 * nameservers.
 *
 * On Ubuntu `/etc/resolv.conf` is a link to systemd-resolved's stub file; the step replaces the link
 * with this file (a write renames over the path, never through the link), so the nodes ask the
 * cluster's DNS servers directly instead of the stub at 127.0.0.53: inside a container or a pod that
 * address is the container itself (CoreDNS, forwarding to it, would loop).
 */
import type { Settings } from "../../model";
import { checkDnsName } from "../../network/dns-names";
import { parseIp } from "../../network/ipam";
import { HostConfigError, joinLines, managedHeader } from "./managed";

export const RESOLV_CONF_PATH = "etc/resolv.conf";
/** glibc reads at most three nameservers (MAXNS in resolv.h); a fourth line is ignored. */
export const RESOLV_MAX_NAMESERVERS = 3;

export function resolvConf(dns: Settings["dns"]): string {
  const domain = dns.domain.trim().toLowerCase();
  if (domain !== "") {
    const problem = checkDnsName(domain);
    if (problem)
      throw new HostConfigError(
        "settings.dns.domain",
        `"${dns.domain}" is not a valid DNS domain (${problem.code}): use labels of letters, digits and hyphens separated by dots (cloud.example.com)`,
      );
  }
  const servers: string[] = [];
  dns.servers.forEach((server, i) => {
    const ip = parseIp(server);
    if (!ip)
      throw new HostConfigError(
        `settings.dns.servers[${i}]`,
        `"${server}" is not an IP address: a resolver needs nameserver addresses (10.0.0.2, fd00::53), not names`,
      );
    if (!servers.includes(ip.text)) servers.push(ip.text);
  });
  const used = servers.slice(0, RESOLV_MAX_NAMESERVERS);
  const dropped = servers.slice(RESOLV_MAX_NAMESERVERS);
  const lines = [
    managedHeader([
      "Resolver of this node: the cluster's DNS domain and nameservers (settings.dns).",
    ]),
    "",
  ];
  if (domain !== "") lines.push(`search ${domain}`);
  if (used.length === 0)
    lines.push(
      "# No DNS server is set (settings.dns.servers): only the names in /etc/hosts resolve.",
    );
  for (const s of used) lines.push(`nameserver ${s}`);
  if (dropped.length > 0)
    lines.push(
      `# Not listed: ${dropped.join(", ")}. The resolver reads only the first ${RESOLV_MAX_NAMESERVERS} nameservers;`,
      `# keep at most ${RESOLV_MAX_NAMESERVERS} in the cluster's DNS settings.`,
    );
  return joinLines(lines);
}
