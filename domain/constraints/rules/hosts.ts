/**
 * Hosts as the network and the agents see them: names, MAC addresses, heartbeats and clocks.
 */
import { localize } from "../../i18n";
import { RFC1123_LABEL, type Node } from "../../model";
import { HEARTBEAT_TIMEOUT_MS, NODE_OPS, inService, nameList } from "../facts";

export { HEARTBEAT_TIMEOUT_MS };
import type { Hit, Rule } from "../types";

/** Ceph monitors, Galera and Keystone tokens tolerate far less; more than this between hosts blocks install. */
export const MAX_CLOCK_GAP_SECONDS = 4 * 60;

/** Dot-separated RFC 1123 labels (the same label as RFC1123_LABEL in the model), 253 characters at most. */
const HOSTNAME = new RegExp(
  `^${RFC1123_LABEL.source.slice(1, -1)}(\\.${RFC1123_LABEL.source.slice(1, -1)})*$`,
);

export function isValidHostname(hostname: string): boolean {
  return hostname.length > 0 && hostname.length <= 253 && HOSTNAME.test(hostname);
}

/** The nearest valid hostname: lowercase, other characters as hyphens, labels trimmed to 63. */
export function suggestHostname(hostname: string): string {
  const labels = hostname
    .toLowerCase()
    .split(".")
    .map((label) =>
      label
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .slice(0, 63)
        .replace(/^-+|-+$/g, ""),
    )
    .filter((label) => label.length > 0);
  return labels.join(".").slice(0, 253) || "node";
}

const hostnameValidUnique: Rule = {
  id: "hostname-valid-unique",
  category: "hosts",
  severity: "block",
  operations: NODE_OPS,
  steps: ["discover"],
  override: "none",
  message: {
    en: 'The hostname "{hostname}" is not valid: use lowercase letters, digits and hyphens, each dot-separated label 1–63 characters, not starting or ending with a hyphen.',
    "zh-CN":
      "主机名“{hostname}”无效：只能使用小写字母、数字和连字符，以点分隔的每段长度为 1–63 个字符，且不能以连字符开头或结尾。",
  },
  hint: {
    en: "Rename the node, e.g. to {suggestion}.",
    "zh-CN": "请重命名该节点，例如改为 {suggestion}。",
  },
  variants: {
    duplicate: {
      message: {
        en: '{count} nodes are named "{hostname}" ({ids}): DNS records and certificates need unique names.',
        "zh-CN":
          "有 {count} 个节点的主机名都是“{hostname}”（{ids}）：DNS 记录和证书要求主机名唯一。",
      },
      hint: {
        en: "Give each of these nodes its own name, e.g. {hostname}-2.",
        "zh-CN": "请为这些节点分别设置不同的名称，例如 {hostname}-2。",
      },
    },
  },
  check(ctx) {
    const hits: Hit[] = [];
    const byName = new Map<string, Node[]>();
    for (const node of ctx.state.nodes) {
      const key = node.hostname.toLowerCase();
      let list = byName.get(key);
      if (!list) byName.set(key, (list = []));
      list.push(node);
      if (!isValidHostname(node.hostname)) {
        const suggestion = suggestHostname(node.hostname);
        hits.push({
          params: { hostname: node.hostname, suggestion },
          subjects: { nodes: [node.id] },
          fix: {
            action: "set-hostname",
            params: { nodeId: node.id, hostname: suggestion },
            label: localize(
              { en: "Rename to {suggestion}", "zh-CN": "重命名为 {suggestion}" },
              { suggestion },
            ),
          },
        });
      }
    }
    for (const [, nodes] of byName) {
      if (nodes.length < 2) continue;
      hits.push({
        params: {
          hostname: nodes[0]!.hostname,
          count: nodes.length,
          ids: nameList(nodes.map((n) => n.id)),
        },
        variant: "duplicate",
        subjects: { nodes: nodes.map((n) => n.id) },
      });
    }
    return hits;
  },
};

const hostAgentConnected: Rule = {
  id: "host-agent-connected",
  category: "hosts",
  severity: "block",
  operations: [
    "validate",
    "deploy",
    "add-nodes",
    "change-roles",
    "change-settings",
    "exit-maintenance",
  ],
  steps: ["discover"],
  override: "force",
  message: {
    en: "{count} node(s) have not sent a heartbeat for more than {timeoutMin} minutes and are offline: {hosts} (silent for up to {minutes} min).",
    "zh-CN":
      "有 {count} 个节点超过 {timeoutMin} 分钟未发送心跳，已离线：{hosts}（最长已 {minutes} 分钟无响应）。",
  },
  hint: {
    en: "Check power, network and the cairn-agent service on these nodes (systemctl status cairn-agent), or put them into maintenance.",
    "zh-CN":
      "请检查这些节点的电源、网络以及 cairn-agent 服务（systemctl status cairn-agent），或将其置于维护模式。",
  },
  check(ctx) {
    const now = ctx.state.now;
    const offline: Node[] = [];
    let longest = 0;
    for (const node of ctx.state.nodes) {
      if (node.status === "maintenance" || node.status === "removing") continue;
      const silentFor = node.lastHeartbeatAt === undefined ? undefined : now - node.lastHeartbeatAt;
      if (
        (silentFor !== undefined && silentFor > HEARTBEAT_TIMEOUT_MS) ||
        node.status === "offline"
      ) {
        offline.push(node);
        longest = Math.max(longest, silentFor ?? 0);
      }
    }
    if (offline.length === 0) return [];
    return [
      {
        params: {
          count: offline.length,
          timeoutMin: HEARTBEAT_TIMEOUT_MS / 60_000,
          minutes: Math.floor(longest / 60_000),
          hosts: nameList(offline.map((n) => n.hostname)),
        },
        // The wizard's live check warns; an operation refuses.
        severity: ctx.intent.kind === "validate" ? "warn" : "block",
        subjects: { nodes: offline.map((n) => n.id) },
      },
    ];
  },
};

const signed = (n: number) => (n > 0 ? `+${Math.round(n)}` : `${Math.round(n)}`);

const hostClockSkew: Rule = {
  id: "host-clock-skew",
  category: "hosts",
  severity: "block",
  operations: ["validate", "deploy", "add-nodes", "upgrade"],
  steps: ["discover", "settings"],
  override: "force",
  message: {
    en: "Clocks differ by {gap} s between {fastHost} ({fastOffset} s) and {slowHost} ({slowOffset} s) relative to the Cairn server; more than {max} s breaks Ceph monitors, Galera and token validation.",
    "zh-CN":
      "相对于 Cairn 服务器，{fastHost}（{fastOffset} 秒）与 {slowHost}（{slowOffset} 秒）的时钟相差 {gap} 秒；超过 {max} 秒会导致 Ceph Monitor、Galera 和令牌校验出错。",
  },
  hint: {
    en: "Set the hardware clocks right (or run chronyc makestep against the NTP servers) on these nodes, then check again.",
    "zh-CN": "请校正这些节点的硬件时钟（或对 NTP 服务器执行 chronyc makestep），然后重新检查。",
  },
  check(ctx) {
    // The Cairn server is the reference (offset 0): the agents' offsets are measured against it.
    let fast: { host: string; offset: number; id?: string } = { host: "Cairn", offset: 0 };
    let slow: { host: string; offset: number; id?: string } = { host: "Cairn", offset: 0 };
    for (const node of ctx.state.nodes) {
      const offset = node.clockOffsetSeconds;
      if (offset === undefined || !inService(node)) continue;
      if (offset > fast.offset) fast = { host: node.hostname, offset, id: node.id };
      if (offset < slow.offset) slow = { host: node.hostname, offset, id: node.id };
    }
    const gap = fast.offset - slow.offset;
    if (gap <= MAX_CLOCK_GAP_SECONDS) return [];
    return [
      {
        params: {
          gap: Math.round(gap),
          max: MAX_CLOCK_GAP_SECONDS,
          fastHost: fast.host,
          fastOffset: signed(fast.offset),
          slowHost: slow.host,
          slowOffset: signed(slow.offset),
        },
        subjects: { nodes: [fast.id, slow.id].filter((id): id is string => id !== undefined) },
      },
    ];
  },
};

const hostMacUnique: Rule = {
  id: "host-mac-unique",
  category: "hosts",
  severity: "block",
  operations: ["validate", "deploy", "add-nodes"],
  steps: ["discover"],
  override: "none",
  message: {
    en: "The MAC address {mac} appears on {count} NICs ({hosts}): DHCP hands out fixed addresses by MAC, so these machines would take each other's address.",
    "zh-CN":
      "MAC 地址 {mac} 出现在 {count} 块网卡上（{hosts}）：DHCP 按 MAC 分配固定地址，这些机器会互相抢占地址。",
  },
  hint: {
    en: "Usually one machine was discovered twice (a cloned VM or a replaced mainboard): delete the stale node, or give the clone a new MAC.",
    "zh-CN":
      "通常是同一台机器被重复发现（克隆的虚拟机或更换过主板）：请删除过期的节点记录，或为克隆机更换 MAC 地址。",
  },
  check(ctx) {
    // One map entry per MAC and a list only for the rare repeated one: this runs over every NIC.
    const first = new Map<string, Node>();
    const repeated = new Map<string, { node: Node; nic: string }[]>();
    for (const node of ctx.state.nodes) {
      for (const nic of node.hardware.nics) {
        const mac = nic.mac.toLowerCase();
        const owner = first.get(mac);
        if (owner === undefined) {
          first.set(mac, node);
          continue;
        }
        let list = repeated.get(mac);
        if (!list) {
          const ownerNic = owner.hardware.nics.find((n) => n.mac.toLowerCase() === mac)?.name ?? "";
          repeated.set(mac, (list = [{ node: owner, nic: ownerNic }]));
        }
        list.push({ node, nic: nic.name });
      }
    }
    const hits: Hit[] = [];
    for (const [mac, owners] of repeated) {
      hits.push({
        params: {
          mac,
          count: owners.length,
          hosts: nameList(owners.map((o) => `${o.node.hostname}/${o.nic}`)),
        },
        subjects: { nodes: [...new Set(owners.map((o) => o.node.id))] },
      });
    }
    return hits;
  },
};

export const rules: Rule[] = [
  hostnameValidUnique,
  hostAgentConnected,
  hostClockSkew,
  hostMacUnique,
];
