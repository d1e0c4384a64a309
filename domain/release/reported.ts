/**
 * What nodes reported about their own networking, used until a cluster plans its addresses (the
 * wizard's networks): a node's management address is the IPv4 address on its boot NIC — the one
 * the agent is reached on — and the management network is the subnet they all share.
 */
import type { Hardware, Network } from "../model";
import { parseCidr } from "../network/ipam";

/** The IPv4 interface address (`10.0.0.5/16`) of the boot NIC, else of the first NIC with one. */
export function reportedInterfaceAddress(hw: Hardware | undefined): string | null {
  if (!hw) return null;
  const nics = [...hw.nics].sort((a, b) => Number(Boolean(b.pxe)) - Number(Boolean(a.pxe)));
  return nics.flatMap((n) => n.addresses).find((a) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(a)) ?? null;
}

export function reportedAddresses(hw: Hardware | undefined): { management?: string } {
  const cidr = reportedInterfaceAddress(hw);
  return cidr ? { management: cidr.split("/")[0]! } : {};
}

/** The management network the nodes' addresses share, or none when they disagree. */
export function reportedNetworks(hws: readonly Hardware[]): Pick<Network, "name" | "cidr">[] {
  const subnets = new Set<string>();
  for (const hw of hws) {
    const cidr = reportedInterfaceAddress(hw);
    if (!cidr) continue;
    const parsed = parseCidr(cidr);
    // An interface address has host bits set; the problem names its subnet.
    if (parsed.ok) subnets.add(cidr);
    else if (parsed.problem.code === "host-bits-set")
      subnets.add(String(parsed.problem.params.suggestion));
  }
  return subnets.size === 1 ? [{ name: "management", cidr: [...subnets][0]! }] : [];
}
