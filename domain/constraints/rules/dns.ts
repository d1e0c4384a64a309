/**
 * DNS: the nameservers every node's resolver uses, and the base domain node names live under.
 */
import type { ClusterState } from "../../model";
import { parseCidr, parseIp, type IpFamily } from "../../network/ipam";
import { checkDnsName } from "../../network/dns-names";
import type { Hit, Rule } from "../types";
import { networkOf } from "./network";

const SETTINGS_OPS = ["validate", "deploy", "change-settings"] as const;
export const DNS_SERVERS_MIN = 1;
/** glibc's resolver reads at most three nameservers (MAXNS); a fourth would be silently ignored. */
export const DNS_SERVERS_MAX = 3;

function managementFamily(state: ClusterState): IpFamily | null {
  const network = networkOf(state, "management");
  const parsed = network ? parseCidr(network.cidr) : null;
  return parsed?.ok ? parsed.cidr.family : null;
}

const dnsServersCount: Rule = {
  id: "dns-servers-count",
  category: "dns",
  severity: "block",
  operations: SETTINGS_OPS,
  steps: ["settings"],
  override: "none",
  message: {
    en: "{count} DNS servers are set; a node's resolver uses at most {max}, so the rest would be ignored.",
    "zh-CN": "当前设置了 {count} 个 DNS 服务器；节点的解析器最多使用 {max} 个，其余的会被忽略。",
  },
  hint: {
    en: "Keep the {max} servers closest to the cluster.",
    "zh-CN": "请保留距离集群最近的 {max} 个服务器。",
  },
  variants: {
    none: {
      message: {
        en: "No DNS server is set: nodes cannot resolve package mirrors, NTP hostnames or each other's names.",
        "zh-CN": "未设置 DNS 服务器：节点无法解析软件源、NTP 主机名以及彼此的名称。",
      },
      hint: {
        en: "Add 1 to {max} DNS server addresses reachable from the management network.",
        "zh-CN": "请添加 1 到 {max} 个可从管理网络访问的 DNS 服务器地址。",
      },
    },
  },
  check(ctx) {
    const count = ctx.state.settings.dns.servers.length;
    const params = { count, min: DNS_SERVERS_MIN, max: DNS_SERVERS_MAX };
    const subjects = { fields: ["settings.dns.servers"] };
    if (count < DNS_SERVERS_MIN) return [{ params, variant: "none", subjects }];
    if (count > DNS_SERVERS_MAX) {
      const kept = ctx.state.settings.dns.servers.slice(0, DNS_SERVERS_MAX);
      return [
        {
          params,
          subjects,
          fix: {
            action: "set-setting",
            params: { path: "dns.servers", value: kept },
            label: {
              en: `Keep ${kept.join(", ")}`,
              "zh-CN": `保留 ${kept.join("、")}`,
            },
          },
        },
      ];
    }
    return [];
  },
};

const dnsServerValid: Rule = {
  id: "dns-server-valid",
  category: "dns",
  severity: "block",
  operations: SETTINGS_OPS,
  steps: ["settings"],
  override: "none",
  message: {
    en: 'DNS server {index} "{server}" is not an IP address.',
    "zh-CN": "第 {index} 个 DNS 服务器“{server}”不是有效的 IP 地址。",
  },
  hint: {
    en: "Enter the nameserver's IP address: a resolver cannot look up the name of its own nameserver.",
    "zh-CN": "请填写 DNS 服务器的 IP 地址：解析器无法通过域名找到自己的 DNS 服务器。",
  },
  variants: {
    family: {
      message: {
        en: "DNS server {index} {server} is an IPv{family} address, but the management network is IPv{managementFamily}; nodes cannot reach it.",
        "zh-CN":
          "第 {index} 个 DNS 服务器 {server} 是 IPv{family} 地址，而管理网络是 IPv{managementFamily} 网络，节点无法访问它。",
      },
      hint: {
        en: "Use the IPv{managementFamily} address of the nameserver.",
        "zh-CN": "请使用该 DNS 服务器的 IPv{managementFamily} 地址。",
      },
    },
  },
  check(ctx) {
    const hits: Hit[] = [];
    const family = managementFamily(ctx.state);
    ctx.state.settings.dns.servers.forEach((server, i) => {
      const subjects = { fields: [`settings.dns.servers[${i}]`] };
      const ip = parseIp(server);
      if (!ip) hits.push({ params: { index: i + 1, server }, subjects });
      else if (family !== null && ip.family !== family) {
        hits.push({
          params: {
            index: i + 1,
            server,
            family: ip.family,
            managementFamily: family,
          },
          variant: "family",
          subjects,
        });
      }
    });
    return hits;
  },
};

const dnsDomainValid: Rule = {
  id: "dns-domain-valid",
  category: "dns",
  severity: "block",
  operations: SETTINGS_OPS,
  steps: ["settings"],
  override: "none",
  message: {
    en: 'The base domain "{domain}" has an invalid label "{label}": labels are 1–63 letters, digits and inner hyphens.',
    "zh-CN": "基础域名“{domain}”中的“{label}”无效：每段须为 1–63 个字母、数字或中间的连字符。",
  },
  hint: {
    en: "Use a domain such as cloud.example.com.",
    "zh-CN": "请使用类似 cloud.example.com 的域名。",
  },
  variants: {
    empty: {
      message: {
        en: "No base domain is set; node names need one.",
        "zh-CN": "未设置基础域名；节点名称需要基础域名。",
      },
      hint: {
        en: "Enter the domain the nodes' names live under, such as cloud.example.com.",
        "zh-CN": "请填写节点名称所属的域名，例如 cloud.example.com。",
      },
    },
    "too-long": {
      message: {
        en: "The base domain is {length} characters long; a domain name has at most {max}.",
        "zh-CN": "基础域名长度为 {length} 个字符；域名最多 {max} 个字符。",
      },
      hint: { en: "Use a shorter domain.", "zh-CN": "请使用更短的域名。" },
    },
    uppercase: {
      message: {
        en: 'The base domain "{domain}" has capital letters; Kubernetes node names built from it must be lowercase.',
        "zh-CN": "基础域名“{domain}”包含大写字母；由它组成的 Kubernetes 节点名称必须为小写。",
      },
      hint: { en: "Use {lower}.", "zh-CN": "请改用 {lower}。" },
    },
    "numeric-tld": {
      message: {
        en: 'The base domain "{domain}" ends in the all-digit label "{label}", which no top-level domain is.',
        "zh-CN": "基础域名“{domain}”以纯数字“{label}”结尾，顶级域名不能是纯数字。",
      },
      hint: {
        en: "Use a domain such as cloud.example.com.",
        "zh-CN": "请使用类似 cloud.example.com 的域名。",
      },
    },
  },
  check(ctx) {
    const domain = ctx.state.settings.dns.domain;
    const problem = checkDnsName(domain);
    const subjects = { fields: ["settings.dns.domain"] };
    if (!problem) {
      const lower = domain.toLowerCase();
      if (lower === domain) return [];
      const fix = {
        action: "set-setting",
        params: { path: "dns.domain", value: lower },
        label: { en: `Use ${lower}`, "zh-CN": `改用 ${lower}` },
      };
      return [{ params: { domain, lower }, variant: "uppercase", subjects, fix }];
    }
    switch (problem.code) {
      case "empty":
        return [{ params: {}, variant: "empty", subjects }];
      case "too-long":
        return [
          {
            params: { length: problem.length, max: 253 },
            variant: "too-long",
            subjects,
          },
        ];
      case "bad-label":
        return [{ params: { domain, label: problem.label }, subjects }];
      case "numeric-tld":
        return [
          {
            params: { domain, label: problem.label },
            variant: "numeric-tld",
            subjects,
          },
        ];
    }
  },
};

export const rules: Rule[] = [dnsServersCount, dnsServerValid, dnsDomainValid];
