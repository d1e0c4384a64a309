/**
 * The DHCP range of the provisioning network (settings.dhcp): the addresses the PXE DHCP server
 * hands to booting nodes. It must be a real range inside the subnet, clear of every fixed
 * address, big enough for the nodes that boot, and a change must not strand leased nodes.
 */
import { localize } from "../../i18n";
import type { ClusterState, Network } from "../../model";
import {
  formatIp,
  inIntervals,
  isUsableHost,
  mergeIntervals,
  parseCidr,
  parseIp,
  parseRange,
  usableInterval,
  type Cidr,
  type Interval,
  type IpAddress,
} from "../../network/ipam";
import { nameList } from "../facts";
import type { Fix, Hit, Rule } from "../types";
import { networkOf } from "./network";

const SETTINGS_OPS = ["validate", "deploy", "change-settings"] as const;
const FIELDS = ["settings.dhcp.start", "settings.dhcp.end"];
/** Nodes PXE-boot more than once (discovery, then provisioning) and old leases linger: two per node. */
export const DHCP_ADDRESSES_PER_NODE = 2;

interface ParsedDhcp {
  network: Network | undefined;
  cidr: Cidr | null;
  start: IpAddress;
  end: IpAddress;
}

/** The DHCP range and its subnet, when both ends are addresses of one family in order. */
function parsedDhcp(state: ClusterState): ParsedDhcp | null {
  const { start, end } = state.settings.dhcp;
  const a = parseIp(start);
  const b = parseIp(end);
  if (!a || !b || a.family !== b.family || a.value > b.value) return null;
  const network = networkOf(state, "provisioning");
  const parsed = network ? parseCidr(network.cidr) : null;
  return { network, cidr: parsed?.ok ? parsed.cidr : null, start: a, end: b };
}

function validRange(state: ClusterState): (ParsedDhcp & { cidr: Cidr }) | null {
  const dhcp = parsedDhcp(state);
  if (!dhcp || !dhcp.cidr || dhcp.cidr.family !== dhcp.start.family) return null;
  if (!isUsableHost(dhcp.cidr, dhcp.start) || !isUsableHost(dhcp.cidr, dhcp.end)) return null;
  return dhcp as ParsedDhcp & { cidr: Cidr };
}

const dhcpRangeValid: Rule = {
  id: "dhcp-range-valid",
  category: "dhcp",
  severity: "block",
  operations: SETTINGS_OPS,
  steps: ["networks"],
  override: "none",
  message: {
    en: "The DHCP range {start}–{end} is not inside the provisioning network {cidr}.",
    "zh-CN": "DHCP 地址池 {start}–{end} 不在部署网络 {cidr} 内。",
  },
  hint: {
    en: "Choose both ends inside {cidr}, between {first} and {last}.",
    "zh-CN": "请在 {cidr} 内选择地址池的两端，范围为 {first} 到 {last}。",
  },
  variants: {
    missing: {
      message: {
        en: "The DHCP range of the provisioning network is not set; booting nodes cannot get an address.",
        "zh-CN": "尚未设置部署网络的 DHCP 地址池；启动中的节点无法获得地址。",
      },
      hint: {
        en: "Enter the first and last address the DHCP server may hand out.",
        "zh-CN": "请填写 DHCP 服务器可分配的起始地址和结束地址。",
      },
    },
    "start-not-ip": {
      message: {
        en: 'The DHCP range start "{value}" is not an IP address.',
        "zh-CN": "DHCP 地址池的起始地址“{value}”不是有效的 IP 地址。",
      },
      hint: {
        en: "Enter an address such as 10.20.0.100.",
        "zh-CN": "请填写类似 10.20.0.100 的地址。",
      },
    },
    "end-not-ip": {
      message: {
        en: 'The DHCP range end "{value}" is not an IP address.',
        "zh-CN": "DHCP 地址池的结束地址“{value}”不是有效的 IP 地址。",
      },
      hint: {
        en: "Enter an address such as 10.20.0.199.",
        "zh-CN": "请填写类似 10.20.0.199 的地址。",
      },
    },
    family: {
      message: {
        en: "The DHCP range {start}–{end} is IPv{rangeFamily} but the provisioning network {cidr} is IPv{family}.",
        "zh-CN":
          "DHCP 地址池 {start}–{end} 是 IPv{rangeFamily} 地址，而部署网络 {cidr} 是 IPv{family} 网络。",
      },
      hint: {
        en: "Use addresses of the provisioning network's family, inside {cidr}.",
        "zh-CN": "请使用与部署网络相同协议族、且位于 {cidr} 内的地址。",
      },
    },
    reversed: {
      message: {
        en: "The DHCP range starts at {start}, after its end {end}.",
        "zh-CN": "DHCP 地址池的起始地址 {start} 大于结束地址 {end}。",
      },
      hint: { en: "Swap the two ends.", "zh-CN": "请交换起始地址和结束地址。" },
    },
    "includes-network-address": {
      message: {
        en: "The DHCP range {start}–{end} includes {address}, the network address of {cidr}.",
        "zh-CN": "DHCP 地址池 {start}–{end} 包含了 {cidr} 的网络地址 {address}。",
      },
      hint: {
        en: "Start the range at {first} or later.",
        "zh-CN": "请让地址池从 {first} 或之后的地址开始。",
      },
    },
    "includes-broadcast": {
      message: {
        en: "The DHCP range {start}–{end} includes {address}, the broadcast address of {cidr}.",
        "zh-CN": "DHCP 地址池 {start}–{end} 包含了 {cidr} 的广播地址 {address}。",
      },
      hint: {
        en: "End the range at {last} or earlier.",
        "zh-CN": "请让地址池在 {last} 或之前的地址结束。",
      },
    },
    "includes-gateway": {
      message: {
        en: "The DHCP range {start}–{end} includes the gateway {address}; a node leased it would cut the network off its router.",
        "zh-CN":
          "DHCP 地址池 {start}–{end} 包含了网关地址 {address}；若该地址被租给节点，整个网络将无法访问路由器。",
      },
      hint: {
        en: "Shrink the range so that it leaves out {address}.",
        "zh-CN": "请缩小地址池，将 {address} 排除在外。",
      },
    },
  },
  check(ctx) {
    const { start, end } = ctx.state.settings.dhcp;
    if (start.trim() === "" && end.trim() === "")
      return [{ params: {}, variant: "missing", subjects: { fields: FIELDS } }];
    const hits: Hit[] = [];
    const a = parseIp(start);
    const b = parseIp(end);
    if (!a)
      hits.push({
        params: { value: start },
        variant: "start-not-ip",
        subjects: { fields: ["settings.dhcp.start"] },
      });
    if (!b)
      hits.push({
        params: { value: end },
        variant: "end-not-ip",
        subjects: { fields: ["settings.dhcp.end"] },
      });
    if (!a || !b) return hits;
    const network = networkOf(ctx.state, "provisioning");
    const parsed = network ? parseCidr(network.cidr) : null;
    const cidr = parsed?.ok ? parsed.cidr : null;
    if (cidr && (a.family !== cidr.family || b.family !== cidr.family)) {
      const rangeFamily = a.family !== cidr.family ? a.family : b.family;
      return [
        {
          params: {
            start,
            end,
            cidr: cidr.text,
            family: cidr.family,
            rangeFamily,
          },
          variant: "family",
          subjects: { fields: FIELDS },
        },
      ];
    }
    if (a.family === b.family && a.value > b.value) {
      return [
        {
          params: { start, end },
          variant: "reversed",
          subjects: { fields: FIELDS },
          fix: {
            action: "set-setting",
            params: { path: "dhcp", value: { start: end, end: start } },
            label: { en: "Swap the two ends", "zh-CN": "交换起止地址" },
          },
        },
      ];
    }
    if (!cidr) return hits; // network-cidr-valid reports the subnet
    const usable = usableInterval(cidr) as Interval;
    const bounds = {
      cidr: cidr.text,
      first: formatIp(usable.start, cidr.family),
      last: formatIp(usable.end, cidr.family),
    };
    if (a.value < cidr.first || b.value > cidr.last) {
      return [{ params: { start, end, ...bounds }, subjects: { fields: FIELDS } }];
    }
    const reserved: { variant: string; value: bigint }[] = [];
    if (usable.start !== cidr.first)
      reserved.push({ variant: "includes-network-address", value: cidr.first });
    if (cidr.family === 4 && usable.end !== cidr.last)
      reserved.push({ variant: "includes-broadcast", value: cidr.last });
    const gateway = network?.gateway ? parseIp(network.gateway) : null;
    if (gateway && gateway.family === cidr.family)
      reserved.push({ variant: "includes-gateway", value: gateway.value });
    for (const r of reserved) {
      if (r.value < a.value || r.value > b.value) continue;
      hits.push({
        params: {
          start,
          end,
          ...bounds,
          address: formatIp(r.value, cidr.family),
        },
        variant: r.variant,
        subjects: { fields: FIELDS },
      });
    }
    return hits;
  },
};

const dhcpRangeNoOverlap: Rule = {
  id: "dhcp-range-no-overlap",
  category: "dhcp",
  severity: "block",
  operations: ["validate", "deploy", "change-settings", "add-nodes"],
  steps: ["networks"],
  override: "none",
  message: {
    en: "The DHCP range {start}–{end} overlaps the {purpose} range {otherStart}–{otherEnd} of the provisioning network.",
    "zh-CN":
      "DHCP 地址池 {start}–{end} 与部署网络的 {purpose} 地址段 {otherStart}–{otherEnd} 重叠。",
  },
  hint: {
    en: "Move or shrink the DHCP range so that the two share no address.",
    "zh-CN": "请移动或缩小 DHCP 地址池，使两者没有共同的地址。",
  },
  variants: {
    vip: {
      message: {
        en: "The DHCP range {start}–{end} contains the {vip} VIP {address}; a booting node could be leased it.",
        "zh-CN":
          "DHCP 地址池 {start}–{end} 包含虚拟 IP {vip}（{address}）；该地址可能被租给正在启动的节点。",
      },
      hint: {
        en: "Shrink the DHCP range or move the VIP so that {address} is outside the range.",
        "zh-CN": "请缩小 DHCP 地址池或更换虚拟 IP，使 {address} 位于地址池之外。",
      },
    },
    nodes: {
      message: {
        en: "The DHCP range {start}–{end} contains the fixed provisioning addresses of {count} node(s): {nodes}.",
        "zh-CN": "DHCP 地址池 {start}–{end} 包含 {count} 个节点的固定部署网络地址：{nodes}。",
      },
      hint: {
        en: "Keep fixed node addresses out of the DHCP range: shrink the range, or clear those addresses so that Cairn assigns new ones outside it.",
        "zh-CN":
          "固定节点地址不能位于 DHCP 地址池内：请缩小地址池，或清空这些地址，由 Cairn 在地址池外重新分配。",
      },
    },
  },
  check(ctx) {
    const dhcp = parsedDhcp(ctx.state);
    if (!dhcp) return []; // dhcp-range-valid reports it
    const { start, end } = ctx.state.settings.dhcp;
    const inRange = (ip: IpAddress | null) =>
      ip !== null &&
      ip.family === dhcp.start.family &&
      ip.value >= dhcp.start.value &&
      ip.value <= dhcp.end.value;
    const hits: Hit[] = [];
    const network = dhcp.network;
    if (network) {
      network.ranges.forEach((range, index) => {
        const r = parseRange(range);
        if (!r || r.family !== dhcp.start.family) return;
        if (r.interval.start > dhcp.end.value || dhcp.start.value > r.interval.end) return;
        // The same range declared on the network as its DHCP range is not a clash with itself.
        if (
          range.purpose === "dhcp" &&
          r.interval.start === dhcp.start.value &&
          r.interval.end === dhcp.end.value
        )
          return;
        hits.push({
          params: {
            start,
            end,
            purpose: range.purpose,
            otherStart: range.start,
            otherEnd: range.end,
          },
          subjects: {
            fields: [...FIELDS, `networks.provisioning.ranges[${index}]`],
          },
        });
      });
      network.vips.forEach((vip, index) => {
        if (!inRange(parseIp(vip.address))) return;
        hits.push({
          params: { start, end, vip: vip.name, address: vip.address },
          variant: "vip",
          subjects: {
            fields: [...FIELDS, `networks.provisioning.vips[${index}].address`],
          },
        });
      });
    }
    const scope = ctx.intent.kind === "add-nodes" ? new Set(ctx.intent.nodeIds) : null;
    const clashing = ctx.state.nodes.filter((n) => {
      const address = n.addresses.provisioning;
      return address !== undefined && (!scope || scope.has(n.id)) && inRange(parseIp(address));
    });
    if (clashing.length > 0) {
      hits.push({
        params: {
          start,
          end,
          count: clashing.length,
          nodes: nameList(clashing.map((n) => n.hostname || n.id)),
        },
        variant: "nodes",
        subjects: { nodes: clashing.map((n) => n.id), fields: FIELDS },
      });
    }
    return hits;
  },
};

/** A larger end for the range, when the subnet can hold `wanted` addresses from `start` without crossing the gateway or a VIP. */
function largerEnd(dhcp: ParsedDhcp & { cidr: Cidr }, wanted: number): string | null {
  const usable = usableInterval(dhcp.cidr) as Interval;
  const end = dhcp.start.value + BigInt(wanted) - 1n;
  if (end > usable.end) return null;
  const fixed: Interval[] = [];
  const gateway = dhcp.network?.gateway ? parseIp(dhcp.network.gateway) : null;
  if (gateway) fixed.push({ start: gateway.value, end: gateway.value });
  for (const vip of dhcp.network?.vips ?? []) {
    const ip = parseIp(vip.address);
    if (ip) fixed.push({ start: ip.value, end: ip.value });
  }
  for (const range of dhcp.network?.ranges ?? []) {
    const r = parseRange(range);
    if (r && range.purpose !== "dhcp") fixed.push(r.interval);
  }
  const merged = mergeIntervals(fixed);
  const crosses = merged.some((i) => i.start <= end && i.end >= dhcp.start.value);
  return crosses || inIntervals(merged, end) ? null : formatIp(end, dhcp.cidr.family);
}

const dhcpRangeSize: Rule = {
  id: "dhcp-range-size",
  category: "dhcp",
  severity: "warn",
  operations: ["validate", "deploy", "change-settings", "add-nodes"],
  steps: ["networks"],
  override: "force",
  message: {
    en: "The DHCP range {start}–{end} holds {size} address(es); {nodes} node(s) PXE-boot and {wanted} ({perNode} per node) are recommended.",
    "zh-CN":
      "DHCP 地址池 {start}–{end} 共有 {size} 个地址；{nodes} 个节点需要 PXE 启动，建议至少 {wanted} 个（每个节点 {perNode} 个）。",
  },
  hint: {
    en: "Extend the range to {wanted} addresses; old leases from discovery are still held while nodes are provisioned.",
    "zh-CN": "请将地址池扩大到 {wanted} 个地址；节点部署期间，发现阶段的旧租约仍会占用地址。",
  },
  variants: {
    "too-small": {
      message: {
        en: "The DHCP range {start}–{end} holds {size} address(es) but {nodes} node(s) PXE-boot: some cannot get an address at all.",
        "zh-CN":
          "DHCP 地址池 {start}–{end} 只有 {size} 个地址，但有 {nodes} 个节点需要 PXE 启动：部分节点将无法获得地址。",
      },
      hint: {
        en: "Extend the range to at least {wanted} addresses ({perNode} per node), or enlarge the provisioning network.",
        "zh-CN": "请将地址池扩大到至少 {wanted} 个地址（每个节点 {perNode} 个），或扩大部署网络。",
      },
    },
  },
  check(ctx) {
    const dhcp = validRange(ctx.state);
    if (!dhcp) return [];
    const nodes = ctx.state.nodes.length;
    const wanted = nodes * DHCP_ADDRESSES_PER_NODE;
    const size = dhcp.end.value - dhcp.start.value + 1n;
    if (size >= BigInt(wanted)) return [];
    const { start, end } = ctx.state.settings.dhcp;
    const newEnd = largerEnd(dhcp, wanted);
    const fix: Fix | undefined = newEnd
      ? {
          action: "set-setting",
          params: { path: "dhcp.end", value: newEnd },
          label: localize(
            {
              en: "Extend the range to {value}",
              "zh-CN": "将地址池扩展到 {value}",
            },
            { value: newEnd },
          ),
        }
      : undefined;
    const hit: Hit = {
      params: {
        start,
        end,
        size: Number(size),
        nodes,
        wanted,
        perNode: DHCP_ADDRESSES_PER_NODE,
      },
      subjects: { fields: ["settings.dhcp.end"] },
      ...(fix ? { fix } : {}),
    };
    return [size < BigInt(nodes) ? { ...hit, severity: "block", variant: "too-small" } : hit];
  },
};

const dhcpShrinkOrphansLeases: Rule = {
  id: "dhcp-shrink-orphans-leases",
  category: "dhcp",
  severity: "block",
  operations: ["change-settings"],
  steps: ["networks"],
  override: "force",
  message: {
    en: "The new DHCP range {start}–{end} leaves out addresses that {count} node(s) hold on lease from the current range {oldStart}–{oldEnd}: {nodes}. Their leases could not be renewed.",
    "zh-CN":
      "新的 DHCP 地址池 {start}–{end} 不再包含 {count} 个节点从当前地址池 {oldStart}–{oldEnd} 租用的地址：{nodes}。这些租约将无法续租。",
  },
  hint: {
    en: "Keep those addresses inside the new range, or change the range after those nodes have been provisioned with fixed addresses.",
    "zh-CN": "请让新地址池继续包含这些地址，或在这些节点以固定地址完成部署后再修改地址池。",
  },
  check(ctx) {
    const oldRange = parsedDhcp(ctx.before);
    const newRange = parsedDhcp(ctx.state);
    if (!oldRange || !newRange) return [];
    const inside = (ip: IpAddress, r: ParsedDhcp) =>
      ip.family === r.start.family && ip.value >= r.start.value && ip.value <= r.end.value;
    // Leases are what the agents report on their NICs; node.addresses holds fixed addresses, which live outside the range.
    const orphaned = ctx.before.nodes.filter((n) =>
      n.hardware.nics.some((nic) =>
        nic.addresses.some((text) => {
          const ip = parseIp(text.split("/")[0] ?? "");
          return ip !== null && inside(ip, oldRange) && !inside(ip, newRange);
        }),
      ),
    );
    if (orphaned.length === 0) return [];
    const before = ctx.before.settings.dhcp;
    const after = ctx.state.settings.dhcp;
    return [
      {
        params: {
          start: after.start,
          end: after.end,
          oldStart: before.start,
          oldEnd: before.end,
          count: orphaned.length,
          nodes: nameList(orphaned.map((n) => n.hostname || n.id)),
        },
        subjects: { nodes: orphaned.map((n) => n.id), fields: FIELDS },
      },
    ];
  },
};

export const rules: Rule[] = [
  dhcpRangeValid,
  dhcpRangeNoOverlap,
  dhcpRangeSize,
  dhcpShrinkOrphansLeases,
];
