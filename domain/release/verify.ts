/**
 * What `verify-network` checks on every node before a change: the addresses the plan gives the
 * cluster's nodes are inside their networks, usable, unique, and the provisioning MACs are real
 * NICs of their machines. Pure; the step prints the problems and fails when there are any.
 */
import { fill, type Localized } from "../i18n";
import { contains, isUsableHost, parseCidr } from "../network/ipam";
import type { StepContract } from "./contract";

export interface AddressProblem {
  node: string;
  network: string;
  message: Localized;
}

const TEXT = {
  outside: {
    en: "{node}: {address} is not inside the {network} network {cidr}.",
    "zh-CN": "{node}：{address} 不在 {network} 网络 {cidr} 内。",
  },
  unusable: {
    en: "{node}: {address} is the network or broadcast address of {network} {cidr}.",
    "zh-CN": "{node}：{address} 是 {network} 网络 {cidr} 的网络地址或广播地址。",
  },
  duplicate: {
    en: "{node}: {address} on {network} is also given to {other}.",
    "zh-CN": "{node}：{network} 上的 {address} 同时分配给了 {other}。",
  },
  unknownNetwork: {
    en: "{node}: has an address on {network}, which the cluster does not define.",
    "zh-CN": "{node}：在 {network} 上有地址，但集群未定义该网络。",
  },
  noManagement: {
    en: "{node}: has no management address.",
    "zh-CN": "{node}：没有管理网络地址。",
  },
  foreignMac: {
    en: "{node}: boots from {mac}, which is not one of its NICs ({macs}).",
    "zh-CN": "{node}：从 {mac} 引导，但该 MAC 不属于其网卡（{macs}）。",
  },
} as const satisfies Record<string, Localized>;

function problem(
  key: keyof typeof TEXT,
  node: string,
  network: string,
  params: Record<string, string>,
): AddressProblem {
  const all = { node, network, ...params };
  return {
    node,
    network,
    message: { en: fill(TEXT[key].en, all), "zh-CN": fill(TEXT[key]["zh-CN"], all) },
  };
}

export function verifyAddresses(input: StepContract): AddressProblem[] {
  const problems: AddressProblem[] = [];
  const networks = new Map(input.cluster.networks.map((n) => [n.name, n]));
  const owners = new Map<string, string>();
  for (const node of input.nodes) {
    if (!node.addresses.management && networks.has("management"))
      problems.push(problem("noManagement", node.hostname, "management", {}));
    for (const [name, address] of Object.entries(node.addresses)) {
      if (!address) continue;
      const network = networks.get(name as never);
      if (!network) {
        problems.push(problem("unknownNetwork", node.hostname, name, { address }));
        continue;
      }
      const cidr = parseCidr(network.cidr);
      if (!cidr.ok) continue; // the cluster's own checks report a bad CIDR
      if (!contains(cidr.cidr, address))
        problems.push(problem("outside", node.hostname, name, { address, cidr: network.cidr }));
      else if (!isUsableHost(cidr.cidr, address))
        problems.push(problem("unusable", node.hostname, name, { address, cidr: network.cidr }));
      const key = `${name}/${address}`;
      const other = owners.get(key);
      if (other) problems.push(problem("duplicate", node.hostname, name, { address, other }));
      else owners.set(key, node.hostname);
    }
  }
  const self = input.node;
  if (self.provisioningMac) {
    const macs = self.hardware.nics.map((n) => n.mac);
    if (!macs.includes(self.provisioningMac.toLowerCase()))
      problems.push(
        problem("foreignMac", self.hostname, "provisioning", {
          mac: self.provisioningMac,
          macs: macs.join(", "),
        }),
      );
  }
  return problems;
}
