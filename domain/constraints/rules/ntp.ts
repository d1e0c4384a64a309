/**
 * NTP servers. Controllers sync from these and the other nodes from the controllers (or directly,
 * with ntp.clients = external). Ceph monitors and Galera stop agreeing once clocks drift apart,
 * so a cluster without a time source is refused. Clock skew between hosts is the hosts family's rule.
 */
import { localize } from "../../i18n";
import type { ClusterState } from "../../model";
import { isIp } from "../../network/ipam";
import { checkDnsName } from "../../network/dns-names";
import { POOL_NTP_SERVERS } from "../../settings/defaults";
import { nameList } from "../facts";
import type { Hit, Rule } from "../types";

const SETTINGS_OPS = ["validate", "deploy", "change-settings"] as const;
export const NTP_SERVERS_MIN = 1;
/** chrony needs three sources to out-vote one that is wrong; more adds load, not safety, for a cluster. */
export const NTP_SERVERS_MAX = 3;

function hostnameServers(state: ClusterState): string[] {
  return state.settings.ntp.servers.filter((s) => !isIp(s) && checkDnsName(s) === null);
}

const ntpServersCount: Rule = {
  id: "ntp-servers-count",
  category: "ntp",
  severity: "block",
  operations: SETTINGS_OPS,
  steps: ["settings"],
  override: "none",
  message: {
    en: "{count} NTP servers are set; Cairn takes {min} to {max}.",
    "zh-CN": "当前设置了 {count} 个 NTP 服务器；Cairn 支持 {min} 到 {max} 个。",
  },
  hint: {
    en: "Keep the {max} most reliable servers (three let chrony out-vote one that is wrong).",
    "zh-CN": "请保留最可靠的 {max} 个服务器（三个时间源可让 chrony 排除其中一个出错的源）。",
  },
  variants: {
    none: {
      message: {
        en: "No NTP server is set: node clocks would drift apart, and Ceph monitors and the databases stop when they disagree.",
        "zh-CN":
          "未设置 NTP 服务器：各节点的时钟会逐渐偏离，时钟不一致时 Ceph Monitor 和数据库会停止工作。",
      },
      hint: {
        en: "Add 1 to {max} NTP servers the controllers can reach (IP addresses, or hostnames once DNS is set).",
        "zh-CN":
          "请添加 1 到 {max} 个控制节点可访问的 NTP 服务器（IP 地址；设置 DNS 后也可使用主机名）。",
      },
    },
  },
  check(ctx) {
    const count = ctx.state.settings.ntp.servers.length;
    const params = { count, min: NTP_SERVERS_MIN, max: NTP_SERVERS_MAX };
    const subjects = { fields: ["settings.ntp.servers"] };
    if (count < NTP_SERVERS_MIN) {
      const canUsePool = ctx.state.settings.dns.servers.length > 0;
      return [
        {
          params,
          variant: "none",
          subjects,
          ...(canUsePool
            ? {
                fix: {
                  action: "set-setting",
                  params: { path: "ntp.servers", value: [...POOL_NTP_SERVERS] },
                  label: localize(
                    { en: "Use {servers}", "zh-CN": "使用 {servers}" },
                    { servers: POOL_NTP_SERVERS.join(", ") },
                  ),
                },
              }
            : {}),
        },
      ];
    }
    if (count > NTP_SERVERS_MAX) {
      const kept = ctx.state.settings.ntp.servers.slice(0, NTP_SERVERS_MAX);
      return [
        {
          params,
          subjects,
          fix: {
            action: "set-setting",
            params: { path: "ntp.servers", value: kept },
            label: localize(
              { en: "Keep {servers}", "zh-CN": "保留 {servers}" },
              { servers: kept.join(", ") },
            ),
          },
        },
      ];
    }
    return [];
  },
};

const ntpServerValid: Rule = {
  id: "ntp-server-valid",
  category: "ntp",
  severity: "block",
  operations: SETTINGS_OPS,
  steps: ["settings"],
  override: "none",
  message: {
    en: 'NTP server {index} "{server}" is neither an IP address nor a valid hostname.',
    "zh-CN": "第 {index} 个 NTP 服务器“{server}”既不是 IP 地址，也不是有效的主机名。",
  },
  hint: {
    en: "Enter an IP address (10.0.0.2, fd00::2) or a hostname of letters, digits, hyphens and dots (ntp1.example.com).",
    "zh-CN":
      "请填写 IP 地址（如 10.0.0.2、fd00::2），或由字母、数字、连字符和点组成的主机名（如 ntp1.example.com）。",
  },
  check(ctx) {
    const hits: Hit[] = [];
    ctx.state.settings.ntp.servers.forEach((server, i) => {
      if (isIp(server) || checkDnsName(server) === null) return;
      hits.push({
        params: { index: i + 1, server },
        subjects: { fields: [`settings.ntp.servers[${i}]`] },
      });
    });
    return hits;
  },
};

const ntpHostnameNeedsDns: Rule = {
  id: "ntp-hostname-needs-dns",
  category: "ntp",
  severity: "block",
  operations: SETTINGS_OPS,
  steps: ["settings"],
  override: "none",
  message: {
    en: "NTP server(s) {servers} are hostnames but no DNS server is set, so the nodes cannot resolve them.",
    "zh-CN": "NTP 服务器 {servers} 是主机名，但未设置 DNS 服务器，节点无法解析这些主机名。",
  },
  hint: {
    en: "Add a DNS server first, or enter the NTP servers as IP addresses.",
    "zh-CN": "请先添加 DNS 服务器，或改用 IP 地址填写 NTP 服务器。",
  },
  variants: {
    "removing-last-dns": {
      message: {
        en: "This change removes the last DNS server while NTP server(s) {servers} are hostnames; time sync would stop on every node.",
        "zh-CN":
          "此修改会删除最后一个 DNS 服务器，而 NTP 服务器 {servers} 是主机名；所有节点的时间同步都将停止。",
      },
      hint: {
        en: "Replace the hostname NTP servers with IP addresses first, or keep at least one DNS server.",
        "zh-CN": "请先将主机名形式的 NTP 服务器改为 IP 地址，或至少保留一个 DNS 服务器。",
      },
    },
  },
  check(ctx) {
    if (ctx.state.settings.dns.servers.length > 0) return [];
    const names = hostnameServers(ctx.state);
    if (names.length === 0) return [];
    const removing =
      ctx.intent.kind === "change-settings" && ctx.before.settings.dns.servers.length > 0;
    return [
      {
        params: { servers: nameList(names), count: names.length },
        subjects: {
          fields: removing
            ? ["settings.dns.servers"]
            : ["settings.ntp.servers", "settings.dns.servers"],
        },
        ...(removing ? { variant: "removing-last-dns" } : {}),
      },
    ];
  },
};

export const rules: Rule[] = [ntpServersCount, ntpServerValid, ntpHostnameNeedsDns];
