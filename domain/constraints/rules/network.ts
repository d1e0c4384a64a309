/**
 * Networks, VIPs and node addresses. The address arithmetic lives in network/ipam; these rules
 * only say what it finds, with the numbers. Everything is one pass over nodes per network, so a
 * 5,000-node cluster stays cheap (parsed addresses are cached by ipam).
 */
import type { ClusterState, Network, NetworkName, Node } from "../../model";
import {
  CIDR_PROBLEM_TEXT,
  addressNeed,
  contains,
  formatIp,
  isUsableHost,
  NODE_NETWORKS,
  parseCidr,
  parseIp,
  parseRange,
  rangeSize,
  reservedFor,
  usableInterval,
  type AllocationNeed,
  type Cidr,
  type CidrProblemCode,
} from "../../network/ipam";
import { CONTROL_SERVICE, nameList } from "../facts";
import type { Hit, Rule, RuleContext, RuleText } from "../types";

const NETWORK_OPS = ["validate", "deploy"] as const;
const NODE_ADDRESS_OPS = ["validate", "deploy", "add-nodes"] as const;

/** Networks whose subnets must be disjoint: a route to one must never capture another. */
export const DISJOINT_NETWORKS: readonly NetworkName[] = [
  "provisioning",
  "management",
  "storage",
  "public",
  "tenant",
  "pod",
  "service",
];

/** Networks that carry bulk traffic where an MTU mismatch silently drops large frames. */
const MTU_CRITICAL: readonly NetworkName[] = ["storage", "tenant"];

/** The service that runs virtual routers; its nodes need a public address like controllers do. */
const L3_SERVICE = "neutron-l3";

export function networkOf(state: ClusterState, name: NetworkName): Network | undefined {
  return state.networks.find((n) => n.name === name);
}

function cidrOf(network: Network): Cidr | null {
  const result = parseCidr(network.cidr);
  return result.ok ? result.cidr : null;
}

const field = (network: Network, path: string) => `networks.${network.name}.${path}`;

const cidrVariants: Record<string, RuleText> = Object.fromEntries(
  (Object.keys(CIDR_PROBLEM_TEXT) as CidrProblemCode[]).map((code) => [
    code,
    {
      message: {
        en: "The {network} network: " + CIDR_PROBLEM_TEXT[code].en,
        "zh-CN": "{network} 网络：" + CIDR_PROBLEM_TEXT[code]["zh-CN"],
      },
      hint:
        code === "host-bits-set"
          ? {
              en: "Use {suggestion} as the CIDR.",
              "zh-CN": "请将 CIDR 改为 {suggestion}。",
            }
          : {
              en: "Enter the subnet as address/prefix, for example 10.0.0.0/24 or fd00:10::/64.",
              "zh-CN": "请按“地址/前缀”填写子网，例如 10.0.0.0/24 或 fd00:10::/64。",
            },
    },
  ]),
);

const networkCidrValid: Rule = {
  id: "network-cidr-valid",
  category: "network",
  severity: "block",
  operations: NETWORK_OPS,
  steps: ["networks"],
  override: "none",
  message: {
    en: "The {network} network's CIDR {cidr} is not valid.",
    "zh-CN": "{network} 网络的 CIDR {cidr} 无效。",
  },
  hint: {
    en: "Enter the subnet as address/prefix, for example 10.0.0.0/24.",
    "zh-CN": "请按“地址/前缀”填写子网，例如 10.0.0.0/24。",
  },
  variants: cidrVariants,
  check(ctx) {
    const hits: Hit[] = [];
    for (const network of ctx.state.networks) {
      const result = parseCidr(network.cidr);
      if (result.ok) continue;
      const fix =
        result.problem.code === "host-bits-set"
          ? {
              fix: {
                action: "set-network",
                params: {
                  network: network.name,
                  field: "cidr",
                  value: result.problem.params.suggestion,
                },
                label: {
                  en: `Use ${String(result.problem.params.suggestion)}`,
                  "zh-CN": `改为 ${String(result.problem.params.suggestion)}`,
                },
              },
            }
          : {};
      hits.push({
        params: {
          network: network.name,
          cidr: network.cidr,
          ...result.problem.params,
        },
        variant: result.problem.code,
        subjects: { fields: [field(network, "cidr")] },
        ...fix,
      });
    }
    return hits;
  },
};

const networksNoOverlap: Rule = {
  id: "networks-no-overlap",
  category: "network",
  severity: "block",
  operations: NETWORK_OPS,
  steps: ["networks"],
  override: "none",
  message: {
    en: "The {a} network ({aCidr}) overlaps the {b} network ({bCidr}); traffic for one would be routed into the other.",
    "zh-CN":
      "{a} 网络（{aCidr}）与 {b} 网络（{bCidr}）地址重叠；发往其中一个网络的流量会被路由到另一个网络。",
  },
  hint: {
    en: "Give the {a} and {b} networks subnets that share no address.",
    "zh-CN": "请为 {a} 和 {b} 网络分配互不重叠的子网。",
  },
  check(ctx) {
    const parsed: { network: Network; cidr: Cidr }[] = [];
    for (const name of DISJOINT_NETWORKS) {
      const network = networkOf(ctx.state, name);
      const cidr = network && cidrOf(network);
      if (network && cidr) parsed.push({ network, cidr });
    }
    const hits: Hit[] = [];
    for (let i = 0; i < parsed.length; i++) {
      for (let j = i + 1; j < parsed.length; j++) {
        const x = parsed[i] as (typeof parsed)[number];
        const y = parsed[j] as (typeof parsed)[number];
        if (
          x.cidr.family !== y.cidr.family ||
          x.cidr.first > y.cidr.last ||
          y.cidr.first > x.cidr.last
        )
          continue;
        hits.push({
          params: {
            a: x.network.name,
            aCidr: x.cidr.text,
            b: y.network.name,
            bCidr: y.cidr.text,
          },
          subjects: {
            fields: [field(x.network, "cidr"), field(y.network, "cidr")],
          },
        });
      }
    }
    return hits;
  },
};

/** DHCP ranges of a network: its own "dhcp" ranges, and settings.dhcp on the provisioning network. */
export function dhcpRangesOf(
  state: ClusterState,
  network: Network,
): { start: string; end: string }[] {
  const ranges = network.ranges
    .filter((r) => r.purpose === "dhcp")
    .map((r) => ({ start: r.start, end: r.end }));
  if (network.name === "provisioning") ranges.push(state.settings.dhcp);
  return ranges;
}

function inAnyRange(
  ranges: readonly { start: string; end: string }[],
  address: string,
): { start: string; end: string } | undefined {
  const ip = parseIp(address);
  if (!ip) return undefined;
  return ranges.find((range) => {
    const r = parseRange(range);
    return (
      r !== null &&
      r.family === ip.family &&
      ip.value >= r.interval.start &&
      ip.value <= r.interval.end
    );
  });
}

const vipInSubnet: Rule = {
  id: "vip-in-subnet",
  category: "network",
  severity: "block",
  operations: NETWORK_OPS,
  steps: ["networks"],
  override: "none",
  message: {
    en: "The {vip} VIP {address} is outside the {network} network {cidr}.",
    "zh-CN": "虚拟 IP {vip}（{address}）不在 {network} 网络 {cidr} 内。",
  },
  hint: {
    en: "Choose a free address inside {cidr} for the {vip} VIP.",
    "zh-CN": "请为虚拟 IP {vip} 选择 {cidr} 内的空闲地址。",
  },
  variants: {
    "not-ip": {
      message: {
        en: 'The {vip} VIP "{address}" of the {network} network is not an IP address.',
        "zh-CN": "{network} 网络的虚拟 IP {vip}（“{address}”）不是有效的 IP 地址。",
      },
      hint: {
        en: "Enter an address inside {cidr}.",
        "zh-CN": "请填写 {cidr} 内的地址。",
      },
    },
    reserved: {
      message: {
        en: "The {vip} VIP {address} is the network or broadcast address of {cidr}; hosts cannot use it.",
        "zh-CN": "虚拟 IP {vip}（{address}）是 {cidr} 的网络地址或广播地址，主机无法使用。",
      },
      hint: {
        en: "Choose an address between {first} and {last}.",
        "zh-CN": "请选择 {first} 到 {last} 之间的地址。",
      },
    },
    gateway: {
      message: {
        en: "The {vip} VIP {address} is the {network} network's gateway.",
        "zh-CN": "虚拟 IP {vip}（{address}）与 {network} 网络的网关地址相同。",
      },
      hint: {
        en: "Give the VIP its own address; the gateway belongs to the router.",
        "zh-CN": "请为虚拟 IP 使用独立地址；网关地址属于路由器。",
      },
    },
    "in-dhcp": {
      message: {
        en: "The {vip} VIP {address} lies inside the DHCP range {rangeStart}–{rangeEnd}; the DHCP server could lease it to a node.",
        "zh-CN":
          "虚拟 IP {vip}（{address}）位于 DHCP 地址池 {rangeStart}–{rangeEnd} 内，DHCP 服务器可能会把它分配给其他节点。",
      },
      hint: {
        en: "Move the VIP out of the DHCP range, or shrink the range so that it excludes {address}.",
        "zh-CN": "请将虚拟 IP 移出 DHCP 地址池，或缩小地址池以排除 {address}。",
      },
    },
  },
  check(ctx) {
    const hits: Hit[] = [];
    for (const network of ctx.state.networks) {
      const cidr = cidrOf(network);
      if (!cidr) continue; // network-cidr-valid reports it
      const usable = usableInterval(cidr);
      const ranges = dhcpRangesOf(ctx.state, network);
      network.vips.forEach((vip, index) => {
        const base = {
          vip: vip.name,
          address: vip.address,
          network: network.name,
          cidr: cidr.text,
        };
        const subjects = { fields: [field(network, `vips[${index}].address`)] };
        const ip = parseIp(vip.address);
        const range = ip && inAnyRange(ranges, vip.address);
        if (!ip) hits.push({ params: base, variant: "not-ip", subjects });
        else if (!contains(cidr, ip)) hits.push({ params: base, subjects });
        else if (!isUsableHost(cidr, ip) && usable) {
          const bounds = {
            first: formatIp(usable.start, cidr.family),
            last: formatIp(usable.end, cidr.family),
          };
          hits.push({
            params: { ...base, ...bounds },
            variant: "reserved",
            subjects,
          });
        } else if (network.gateway && parseIp(network.gateway)?.value === ip.value) {
          hits.push({ params: base, variant: "gateway", subjects });
        } else if (range) {
          hits.push({
            params: { ...base, rangeStart: range.start, rangeEnd: range.end },
            variant: "in-dhcp",
            subjects,
          });
        }
      });
    }
    return hits;
  },
};

const networkGatewayInSubnet: Rule = {
  id: "network-gateway-in-subnet",
  category: "network",
  severity: "block",
  operations: NETWORK_OPS,
  steps: ["networks"],
  override: "none",
  message: {
    en: "The {network} network's gateway {gateway} is not a usable address of {cidr}.",
    "zh-CN": "{network} 网络的网关 {gateway} 不是 {cidr} 内的可用地址。",
  },
  hint: {
    en: "Enter the router's address inside {cidr} (not the network or broadcast address), or leave the gateway empty if the network is not routed.",
    "zh-CN":
      "请填写路由器在 {cidr} 内的地址（不能是网络地址或广播地址）；如果该网络不需要路由，可将网关留空。",
  },
  check(ctx) {
    const hits: Hit[] = [];
    for (const network of ctx.state.networks) {
      const cidr = cidrOf(network);
      if (!cidr || !network.gateway) continue;
      if (!isUsableHost(cidr, network.gateway)) {
        hits.push({
          params: {
            network: network.name,
            gateway: network.gateway,
            cidr: cidr.text,
          },
          subjects: { fields: [field(network, "gateway")] },
        });
      }
    }
    return hits;
  },
};

const networkRangeValid: Rule = {
  id: "network-range-valid",
  category: "network",
  severity: "block",
  operations: NETWORK_OPS,
  steps: ["networks"],
  override: "none",
  message: {
    en: "The {purpose} range {start}–{end} of the {network} network is not a valid range inside {cidr}.",
    "zh-CN": "{network} 网络的 {purpose} 地址段 {start}–{end} 不是 {cidr} 内的有效地址段。",
  },
  hint: {
    en: "Both ends must be usable addresses of {cidr}, and the start must not be above the end.",
    "zh-CN": "地址段两端都必须是 {cidr} 内的可用地址，且起始地址不能大于结束地址。",
  },
  variants: {
    overlap: {
      message: {
        en: "The {purpose} range {start}–{end} of the {network} network overlaps its {otherPurpose} range {otherStart}–{otherEnd}.",
        "zh-CN":
          "{network} 网络的 {purpose} 地址段 {start}–{end} 与 {otherPurpose} 地址段 {otherStart}–{otherEnd} 重叠。",
      },
      hint: {
        en: "Each address may belong to one range only: shorten one of them.",
        "zh-CN": "每个地址只能属于一个地址段：请缩短其中一个。",
      },
    },
  },
  check(ctx) {
    const hits: Hit[] = [];
    for (const network of ctx.state.networks) {
      const cidr = cidrOf(network);
      if (!cidr) continue;
      const valid: { index: number; start: bigint; end: bigint }[] = [];
      network.ranges.forEach((range, index) => {
        const params = {
          network: network.name,
          cidr: cidr.text,
          purpose: range.purpose,
          start: range.start,
          end: range.end,
        };
        const subjects = { fields: [field(network, `ranges[${index}]`)] };
        const parsed = parseRange(range);
        if (!parsed || !isUsableHost(cidr, range.start) || !isUsableHost(cidr, range.end)) {
          hits.push({ params, subjects });
          return;
        }
        for (const other of valid) {
          if (parsed.interval.start <= other.end && other.start <= parsed.interval.end) {
            const o = network.ranges[other.index] as (typeof network.ranges)[number];
            hits.push({
              params: {
                ...params,
                otherPurpose: o.purpose,
                otherStart: o.start,
                otherEnd: o.end,
              },
              variant: "overlap",
              subjects: {
                fields: [
                  field(network, `ranges[${other.index}]`),
                  field(network, `ranges[${index}]`),
                ],
              },
            });
          }
        }
        valid.push({ index, ...parsed.interval });
      });
    }
    return hits;
  },
};

interface AddressIssue {
  node: Node;
  network: Network;
  address: string;
  kind: "not-ip" | "outside" | "reserved" | "gateway" | "vip" | "duplicate";
  other?: string;
  /** For a duplicate: the node that holds the address first. */
  otherNode?: Node;
}

const addressIssueCache = new WeakMap<ClusterState, AddressIssue[]>();

/** Every node address that cannot stand, one pass per network (keys are canonical texts: cheap to hash). */
function addressIssues(state: ClusterState): AddressIssue[] {
  const cached = addressIssueCache.get(state);
  if (cached) return cached;
  const issues: AddressIssue[] = [];
  for (const network of state.networks) {
    const cidr = cidrOf(network);
    if (!cidr) continue;
    const usable = usableInterval(cidr) as { start: bigint; end: bigint };
    const gateway = network.gateway ? parseIp(network.gateway)?.text : undefined;
    const vips = new Map<string, string>();
    for (const vip of network.vips) {
      const ip = parseIp(vip.address);
      if (ip) vips.set(ip.text, vip.name);
    }
    const seen = new Map<string, Node>();
    const name = network.name;
    for (const node of state.nodes) {
      const address = node.addresses[name];
      if (!address) continue;
      const ip = parseIp(address);
      let kind: AddressIssue["kind"] | null = null;
      let other: string | undefined;
      let otherNode: Node | undefined;
      if (!ip) kind = "not-ip";
      else if (ip.family !== cidr.family || ip.value < cidr.first || ip.value > cidr.last)
        kind = "outside";
      else if (ip.value < usable.start || ip.value > usable.end) kind = "reserved";
      else if (ip.text === gateway) kind = "gateway";
      else if (vips.has(ip.text)) {
        kind = "vip";
        other = vips.get(ip.text);
      } else {
        otherNode = seen.get(ip.text);
        if (otherNode) {
          kind = "duplicate";
          other = otherNode.hostname || otherNode.id;
        } else seen.set(ip.text, node);
      }
      if (kind)
        issues.push({
          node,
          network,
          address,
          kind,
          ...(other !== undefined ? { other } : {}),
          ...(otherNode ? { otherNode } : {}),
        });
    }
  }
  addressIssueCache.set(state, issues);
  return issues;
}

const nodeAddressValid: Rule = {
  id: "node-address-valid",
  category: "network",
  severity: "block",
  operations: NODE_ADDRESS_OPS,
  steps: ["networks"],
  override: "none",
  message: {
    en: "{node}: its {network} address {address} is outside {cidr}.",
    "zh-CN": "{node}：其 {network} 网络地址 {address} 不在 {cidr} 内。",
  },
  hint: {
    en: "Correct the address, or clear it and Cairn assigns a free one from {cidr}.",
    "zh-CN": "请修正该地址，或将其清空，由 Cairn 从 {cidr} 中分配空闲地址。",
  },
  variants: {
    "not-ip": {
      message: {
        en: '{node}: its {network} address "{address}" is not an IP address.',
        "zh-CN": "{node}：其 {network} 网络地址“{address}”不是有效的 IP 地址。",
      },
      hint: {
        en: "Correct the address, or clear it and Cairn assigns a free one from {cidr}.",
        "zh-CN": "请修正该地址，或将其清空，由 Cairn 从 {cidr} 中分配空闲地址。",
      },
    },
    reserved: {
      message: {
        en: "{node}: its {network} address {address} is the network or broadcast address of {cidr}.",
        "zh-CN": "{node}：其 {network} 网络地址 {address} 是 {cidr} 的网络地址或广播地址。",
      },
      hint: {
        en: "Use a host address of {cidr}, or clear it and Cairn assigns one.",
        "zh-CN": "请使用 {cidr} 内的主机地址，或将其清空，由 Cairn 自动分配。",
      },
    },
    conflict: {
      message: {
        en: "{node}: its {network} address {address} is already used by {other}.",
        "zh-CN": "{node}：其 {network} 网络地址 {address} 已被 {other} 使用。",
      },
      hint: {
        en: "Give each node, gateway and VIP its own address; clear this one and Cairn assigns a free one.",
        "zh-CN":
          "节点、网关和虚拟 IP 必须各自使用不同的地址；将此地址清空后，Cairn 会自动分配空闲地址。",
      },
    },
  },
  check(ctx) {
    const scope = scopeOf(ctx);
    return (
      addressIssues(ctx.state)
        // A clash between an added node and an existing one is the added node's problem either way round.
        .filter(
          (issue) =>
            !scope ||
            scope.has(issue.node.id) ||
            (issue.otherNode && scope.has(issue.otherNode.id)),
        )
        .map((issue) => {
          const cidr = cidrOf(issue.network)?.text ?? issue.network.cidr;
          const params = {
            node: issue.node.hostname || issue.node.id,
            network: issue.network.name,
            address: issue.address,
            cidr,
          };
          const nodes = issue.otherNode ? [issue.otherNode.id, issue.node.id] : [issue.node.id];
          const subjects = {
            nodes,
            fields: [`nodes.${issue.node.id}.addresses.${issue.network.name}`],
          };
          switch (issue.kind) {
            case "not-ip":
            case "reserved":
              return { params, variant: issue.kind, subjects };
            case "outside":
              return { params, subjects };
            case "gateway":
              return {
                params: { ...params, other: `gateway (${issue.address})` },
                variant: "conflict",
                subjects,
              };
            case "vip":
              return {
                params: { ...params, other: `VIP ${issue.other ?? ""}` },
                variant: "conflict",
                subjects,
              };
            case "duplicate":
              return {
                params: { ...params, other: issue.other ?? "" },
                variant: "conflict",
                subjects,
              };
          }
        })
    );
  },
};

const needCache = new WeakMap<ClusterState, Map<string, AllocationNeed>>();

/** How many nodes still need an address on a network, and how many are free; once per state. */
function needOn(
  state: ClusterState,
  network: Network,
  nodes: readonly Node[],
  key: string,
): AllocationNeed {
  let perState = needCache.get(state);
  if (!perState) needCache.set(state, (perState = new Map()));
  let need = perState.get(key);
  if (!need) {
    need = addressNeed(
      network,
      nodes.map((n) => n.addresses[network.name]),
      reservedFor(network, state.settings.dhcp),
    );
    perState.set(key, need);
  }
  return need;
}

/** For add-nodes, per-node rules judge only the added nodes; other intents judge every node. */
function scopeOf(ctx: RuleContext): Set<string> | null {
  return ctx.intent.kind === "add-nodes" ? new Set(ctx.intent.nodeIds) : null;
}

function lacksUsableAddress(node: Node, network: Network, cidr: Cidr): boolean {
  const address = node.addresses[network.name];
  return !address || !isUsableHost(cidr, address);
}

const nodeHasManagementAddress: Rule = {
  id: "node-has-management-address",
  category: "network",
  severity: "block",
  operations: NODE_ADDRESS_OPS,
  steps: ["networks"],
  override: "none",
  message: {
    en: "{count} node(s) have no management address ({nodes}) and the management network {cidr} has only {available} free address(es) to give them.",
    "zh-CN":
      "有 {count} 个节点没有管理网络地址（{nodes}），而管理网络 {cidr} 只剩 {available} 个空闲地址可分配。",
  },
  hint: {
    en: "Enlarge the management network (a shorter prefix) or its static range, or free addresses; {count} are needed.",
    "zh-CN": "请扩大管理网络（缩短前缀长度）或其静态地址段，或释放地址；共需要 {count} 个地址。",
  },
  variants: {
    "no-network": {
      message: {
        en: "No management network is defined; the {count} node(s) need an address on it to talk to each other.",
        "zh-CN": "尚未定义管理网络；{count} 个节点需要在该网络上拥有地址才能相互通信。",
      },
      hint: {
        en: "Add the management network with its CIDR in the networks step.",
        "zh-CN": "请在“网络”步骤中添加管理网络并填写其 CIDR。",
      },
    },
  },
  check(ctx) {
    if (ctx.state.nodes.length === 0) return [];
    const network = networkOf(ctx.state, "management");
    if (!network) {
      return [
        {
          params: { count: ctx.state.nodes.length },
          variant: "no-network",
          subjects: { fields: ["networks.management"] },
        },
      ];
    }
    const cidr = cidrOf(network);
    if (!cidr) return []; // network-cidr-valid reports it
    const need = needOn(ctx.state, network, ctx.state.nodes, "management");
    if (!need.ok || need.available >= need.needed) return [];
    const lacking = ctx.state.nodes.filter((n) => lacksUsableAddress(n, network, cidr));
    return [
      {
        params: {
          count: need.needed,
          available: need.available,
          cidr: cidr.text,
          nodes: nameList(lacking.map((n) => n.hostname || n.id)),
        },
        subjects: {
          nodes: lacking.map((n) => n.id),
          fields: ["networks.management.cidr"],
        },
      },
    ];
  },
};

const networkPoolExhausted: Rule = {
  id: "network-pool-exhausted",
  category: "network",
  severity: "block",
  operations: NODE_ADDRESS_OPS,
  steps: ["networks"],
  override: "none",
  message: {
    en: "The {network} network {cidr} cannot address every node: {needed} node(s) still need an address and only {available} are free.",
    "zh-CN":
      "{network} 网络 {cidr} 无法为所有节点分配地址：还有 {needed} 个节点需要地址，但只剩 {available} 个空闲地址。",
  },
  hint: {
    en: "Enlarge the {network} network (a shorter prefix) or its static range, or move the DHCP range, gateway or VIPs out of the way.",
    "zh-CN":
      "请扩大 {network} 网络（缩短前缀长度）或其静态地址段，或调整 DHCP 地址池、网关和虚拟 IP 以腾出地址。",
  },
  check(ctx) {
    const hits: Hit[] = [];
    if (ctx.state.nodes.length === 0) return hits;
    // The management network has its own rule (node-has-management-address), with the node names.
    for (const name of NODE_NETWORKS.filter((n) => n !== "management")) {
      const network = networkOf(ctx.state, name);
      if (!network) continue;
      const need = needOn(ctx.state, network, ctx.state.nodes, name);
      if (!need.ok || need.available >= need.needed) continue;
      hits.push({
        params: {
          network: name,
          cidr: network.cidr,
          needed: need.needed,
          available: need.available,
        },
        subjects: { fields: [`networks.${name}.cidr`] },
      });
    }
    return hits;
  },
};

const publicPoolSize: Rule = {
  id: "public-pool-size",
  category: "network",
  severity: "block",
  operations: ["validate", "deploy", "add-nodes", "change-roles"],
  steps: ["networks"],
  override: "force",
  message: {
    en: "The public network {cidr} has {available} free address(es) outside the floating range; {nodes} controller/router node(s) and {vips} VIP(s) need {needed}.",
    "zh-CN":
      "公共网络 {cidr} 在浮动 IP 地址段之外只剩 {available} 个空闲地址；{nodes} 个控制/路由节点和 {vips} 个虚拟 IP 共需要 {needed} 个。",
  },
  hint: {
    en: "Enlarge the public network or its static range, or shrink the floating range so that {needed} addresses remain for hosts and VIPs.",
    "zh-CN":
      "请扩大公共网络或其静态地址段，或缩小浮动 IP 地址段，为主机和虚拟 IP 留出 {needed} 个地址。",
  },
  variants: {
    "no-floating": {
      message: {
        en: "The public network {cidr} has no floating range; virtual machines cannot get floating IP addresses.",
        "zh-CN": "公共网络 {cidr} 没有浮动 IP 地址段；虚拟机将无法获得浮动 IP。",
      },
      hint: {
        en: "Add a floating range inside {cidr} (for example its upper half) unless tenants never need public addresses.",
        "zh-CN":
          "除非租户从不需要公网地址，否则请在 {cidr} 内添加浮动 IP 地址段（例如其上半部分）。",
      },
    },
  },
  check(ctx) {
    const network = networkOf(ctx.state, "public");
    const cidr = network && cidrOf(network);
    if (!network || !cidr) return [];
    const publicNodes = ctx.state.nodes.filter((n) => {
      const services = ctx.servicesOf(n);
      return services.has(CONTROL_SERVICE) || services.has(L3_SERVICE);
    });
    const hits: Hit[] = [];
    // A VIP not declared yet must still come out of the pool.
    const vips = Math.max(network.vips.length, publicNodes.length > 0 ? 1 : 0);
    const undeclaredVips = vips - network.vips.length;
    const need = needOn(ctx.state, network, publicNodes, "public-hosts");
    if (need.ok && need.available < need.needed + undeclaredVips) {
      hits.push({
        params: {
          cidr: cidr.text,
          available: need.available,
          nodes: publicNodes.length,
          vips,
          needed: need.needed + undeclaredVips,
        },
        subjects: {
          nodes: publicNodes.map((n) => n.id),
          fields: ["networks.public.ranges", "networks.public.cidr"],
        },
      });
    }
    const floating = network.ranges.filter((r) => r.purpose === "floating");
    const floatingSize = floating.reduce((sum, r) => sum + (rangeSize(r.start, r.end) ?? 0n), 0n);
    if (floatingSize === 0n) {
      hits.push({
        params: { cidr: cidr.text },
        severity: "warn",
        variant: "no-floating",
        subjects: { fields: ["networks.public.ranges"] },
      });
    }
    return hits;
  },
};

const mtuConsistent: Rule = {
  id: "mtu-consistent",
  category: "network",
  severity: "block",
  operations: NETWORK_OPS,
  steps: ["networks"],
  override: "force",
  message: {
    en: "The {network} network (MTU {mtu}) shares VLAN {vlan} with the {other} network (MTU {otherMtu}); one layer-2 segment has one MTU, and the larger frames would be dropped.",
    "zh-CN":
      "{network} 网络（MTU {mtu}）与 {other} 网络（MTU {otherMtu}）共用 VLAN {vlan}；同一二层网段只能有一个 MTU，较大的帧会被丢弃。",
  },
  hint: {
    en: "Set both networks to the same MTU, or put them on different VLANs.",
    "zh-CN": "请将两个网络设为相同的 MTU，或将它们放到不同的 VLAN。",
  },
  variants: {
    "jumbo-routed": {
      message: {
        en: "The {network} network uses jumbo frames (MTU {mtu}) and has a gateway ({gateway}); routed traffic leaves through a router that usually carries 1500-byte frames.",
        "zh-CN":
          "{network} 网络使用巨型帧（MTU {mtu}）并配置了网关（{gateway}）；经过路由的流量会通过通常只支持 1500 字节帧的路由器。",
      },
      hint: {
        en: "Make sure every switch port and the gateway accept {mtu}-byte frames, or keep the {network} network unrouted (no gateway).",
        "zh-CN":
          "请确认所有交换机端口和网关都支持 {mtu} 字节的帧，或让 {network} 网络不经路由（不配置网关）。",
      },
    },
  },
  check(ctx) {
    const hits: Hit[] = [];
    const networks = ctx.state.networks;
    for (const network of networks) {
      if (!MTU_CRITICAL.includes(network.name)) continue;
      for (const other of networks) {
        if (
          other === network ||
          other.vlan === null ||
          other.vlan !== network.vlan ||
          other.mtu === network.mtu
        )
          continue;
        // Report a storage/tenant pair once, from the first of the two.
        if (
          MTU_CRITICAL.includes(other.name) &&
          networks.indexOf(other) < networks.indexOf(network)
        )
          continue;
        hits.push({
          params: {
            network: network.name,
            mtu: network.mtu,
            other: other.name,
            otherMtu: other.mtu,
            vlan: network.vlan ?? "",
          },
          subjects: { fields: [field(network, "mtu"), field(other, "mtu")] },
        });
      }
      if (network.mtu > 1500 && network.gateway) {
        hits.push({
          params: {
            network: network.name,
            mtu: network.mtu,
            gateway: network.gateway,
          },
          severity: "warn",
          variant: "jumbo-routed",
          subjects: {
            fields: [field(network, "mtu"), field(network, "gateway")],
          },
        });
      }
    }
    return hits;
  },
};

export const rules: Rule[] = [
  networkCidrValid,
  networksNoOverlap,
  vipInSubnet,
  networkGatewayInSubnet,
  networkRangeValid,
  nodeAddressValid,
  nodeHasManagementAddress,
  networkPoolExhausted,
  publicPoolSize,
  mtuConsistent,
];
