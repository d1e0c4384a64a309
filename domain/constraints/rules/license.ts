/**
 * License limits as findings. The license limits the topology, it does not define it: each limit is
 * its own finding with the numbers, so the operator sees every shortfall at once. Day-2 safety
 * operations (removing nodes, maintenance) are never refused for licensing reasons.
 */
import type { IntentKind, Node } from "../../model";
import { isHci, nameList } from "../facts";
import type { Hit, Rule } from "../types";

/** From this many days before expiry the wizard and the console warn. */
export const LICENSE_WARN_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

const GROWTH_OPS: readonly IntentKind[] = ["validate", "deploy", "add-nodes", "change-roles"];
const LICENSED_OPS: readonly IntentKind[] = [
  "validate",
  "deploy",
  "add-nodes",
  "change-roles",
  "upgrade",
];

const isoDate = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().slice(0, 10);

const licensePresent: Rule = {
  id: "license-present",
  category: "license",
  severity: "block",
  operations: ["validate", "deploy", "add-nodes"],
  steps: ["license"],
  override: "none",
  message: {
    en: "No license is loaded: deploying these {count} nodes needs one.",
    "zh-CN": "尚未加载许可证：部署这 {count} 个节点需要有效的许可证。",
  },
  hint: {
    en: "Upload the license file you received (Settings → License), or ask your vendor for one.",
    "zh-CN": "请上传收到的许可证文件（设置 → 许可证），或向供应商申请许可证。",
  },
  check(ctx) {
    if (ctx.state.license) return [];
    return [
      {
        params: { count: ctx.state.nodes.length },
        severity: ctx.intent.kind === "validate" ? "warn" : "block",
        subjects: { fields: ["license"] },
      },
    ];
  },
};

const licenseExpired: Rule = {
  id: "license-expired",
  category: "license",
  severity: "block",
  operations: LICENSED_OPS,
  steps: ["license"],
  override: "none",
  message: {
    en: "The license {licenseId} expired on {expiresOn} ({days} days ago).",
    "zh-CN": "许可证 {licenseId} 已于 {expiresOn} 过期（{days} 天前）。",
  },
  hint: {
    en: "Upload a renewed license; removing nodes and maintenance stay possible meanwhile.",
    "zh-CN": "请上传续期后的许可证；在此期间仍可移除节点和进行维护操作。",
  },
  variants: {
    expiring: {
      message: {
        en: "The license {licenseId} expires on {expiresOn}, in {days} days.",
        "zh-CN": "许可证 {licenseId} 将于 {expiresOn} 过期，还剩 {days} 天。",
      },
      hint: {
        en: "Ask your vendor for a renewal before {expiresOn}.",
        "zh-CN": "请在 {expiresOn} 之前联系供应商续期。",
      },
    },
  },
  check(ctx) {
    const license = ctx.state.license;
    if (!license) return [];
    const expiresMs = license.expiresAt * 1000;
    const now = ctx.state.now;
    const params = { licenseId: license.licenseId, expiresOn: isoDate(license.expiresAt) };
    const subjects = { fields: ["license.expiresAt"] };
    if (now >= expiresMs)
      return [{ params: { ...params, days: Math.floor((now - expiresMs) / DAY_MS) }, subjects }];
    const daysLeft = Math.ceil((expiresMs - now) / DAY_MS);
    if (daysLeft <= LICENSE_WARN_DAYS)
      return [
        { params: { ...params, days: daysLeft }, severity: "warn", variant: "expiring", subjects },
      ];
    return [];
  },
};

const licenseNotYetValid: Rule = {
  id: "license-not-yet-valid",
  category: "license",
  severity: "block",
  operations: LICENSED_OPS,
  steps: ["license"],
  override: "none",
  message: {
    en: "The license {licenseId} is valid only from {validFrom} ({days} day(s) from now).",
    "zh-CN": "许可证 {licenseId} 自 {validFrom} 起才生效（还有 {days} 天）。",
  },
  hint: {
    en: "Wait until {validFrom}, or check the Cairn server's clock if that date has already passed.",
    "zh-CN": "请等待至 {validFrom}；如果该日期已过，请检查 Cairn 服务器的时钟。",
  },
  check(ctx) {
    const license = ctx.state.license;
    if (!license) return [];
    const fromMs = license.notBefore * 1000;
    if (ctx.state.now >= fromMs) return [];
    return [
      {
        params: {
          licenseId: license.licenseId,
          validFrom: isoDate(license.notBefore),
          days: Math.ceil((fromMs - ctx.state.now) / DAY_MS),
        },
        subjects: { fields: ["license.notBefore"] },
      },
    ];
  },
};

function added(ctx: Parameters<Rule["check"]>[0]): Node[] {
  if (ctx.intent.kind !== "add-nodes") return [];
  const ids = new Set(ctx.intent.nodeIds);
  return ctx.state.nodes.filter((n) => ids.has(n.id));
}

const licenseNodeLimit: Rule = {
  id: "license-node-limit",
  category: "license",
  severity: "block",
  operations: GROWTH_OPS,
  steps: ["license", "discover"],
  override: "none",
  message: {
    en: "The cluster has {count} nodes; the license {licenseId} allows {max}.",
    "zh-CN": "集群有 {count} 个节点；许可证 {licenseId} 最多允许 {max} 个。",
  },
  hint: {
    en: "Remove {excess} node(s) from the cluster, or ask your vendor for a license for {count} nodes.",
    "zh-CN": "请从集群中移除 {excess} 个节点，或向供应商申请支持 {count} 个节点的许可证。",
  },
  variants: {
    adding: {
      message: {
        en: "Adding {added} nodes needs {count}, the license {licenseId} allows {max}.",
        "zh-CN":
          "添加 {added} 个节点后共需 {count} 个节点授权，许可证 {licenseId} 最多允许 {max} 个。",
      },
      hint: {
        en: "Add at most {room} node(s) now, or ask your vendor for a license for {count} nodes.",
        "zh-CN": "当前最多只能再添加 {room} 个节点，或向供应商申请支持 {count} 个节点的许可证。",
      },
    },
  },
  check(ctx) {
    const license = ctx.state.license;
    if (!license) return [];
    const count = ctx.state.nodes.length;
    const max = license.maxNodes;
    if (count <= max) return [];
    const adding = added(ctx);
    const params = { count, max, licenseId: license.licenseId };
    if (adding.length > 0) {
      const room = Math.max(0, max - (count - adding.length));
      return [
        {
          params: { ...params, added: adding.length, room },
          variant: "adding",
          subjects: { nodes: adding.map((n) => n.id) },
        },
      ];
    }
    return [
      { params: { ...params, excess: count - max }, subjects: { fields: ["license.maxNodes"] } },
    ];
  },
};

const licenseSocketLimit: Rule = {
  id: "license-socket-limit",
  category: "license",
  severity: "block",
  operations: GROWTH_OPS,
  steps: ["license", "discover"],
  override: "none",
  message: {
    en: "The cluster's {nodes} nodes have {sockets} CPU sockets; the license {licenseId} allows {max}.",
    "zh-CN":
      "集群的 {nodes} 个节点共有 {sockets} 个 CPU 插槽；许可证 {licenseId} 最多允许 {max} 个。",
  },
  hint: {
    en: "Remove nodes holding {excess} sockets, or ask your vendor for a license for {sockets} sockets.",
    "zh-CN": "请移除合计 {excess} 个插槽的节点，或向供应商申请支持 {sockets} 个插槽的许可证。",
  },
  variants: {
    adding: {
      message: {
        en: "Adding {added} nodes brings the CPU sockets to {sockets}; the license {licenseId} allows {max}.",
        "zh-CN":
          "添加 {added} 个节点后 CPU 插槽总数将达到 {sockets} 个；许可证 {licenseId} 最多允许 {max} 个。",
      },
      hint: {
        en: "Add nodes with at most {room} sockets in total, or ask your vendor for a license for {sockets} sockets.",
        "zh-CN":
          "本次添加的节点插槽总数不能超过 {room} 个，或向供应商申请支持 {sockets} 个插槽的许可证。",
      },
    },
  },
  check(ctx) {
    const license = ctx.state.license;
    if (!license) return [];
    let sockets = 0;
    for (const n of ctx.state.nodes) sockets += n.hardware.cpu.sockets;
    const max = license.maxCpuSockets;
    if (sockets <= max) return [];
    const adding = added(ctx);
    const params = { sockets, max, licenseId: license.licenseId };
    if (adding.length > 0) {
      const addedSockets = adding.reduce((sum, n) => sum + n.hardware.cpu.sockets, 0);
      const room = Math.max(0, max - (sockets - addedSockets));
      return [
        {
          params: { ...params, added: adding.length, room },
          variant: "adding",
          subjects: { nodes: adding.map((n) => n.id) },
        },
      ];
    }
    return [
      {
        params: { ...params, nodes: ctx.state.nodes.length, excess: sockets - max },
        subjects: { fields: ["license.maxCpuSockets"] },
      },
    ];
  },
};

const licenseRegionLimit: Rule = {
  id: "license-region-limit",
  category: "license",
  severity: "block",
  operations: ["validate", "deploy"],
  steps: ["region", "license"],
  override: "none",
  message: {
    en: "Cairn manages {regions} regions; the license {licenseId} allows {max}.",
    "zh-CN": "Cairn 当前管理 {regions} 个区域；许可证 {licenseId} 最多允许 {max} 个。",
  },
  hint: {
    en: "Ask your vendor for a license for {regions} regions, or remove regions that are not in use.",
    "zh-CN": "请向供应商申请支持 {regions} 个区域的许可证，或删除不再使用的区域。",
  },
  check(ctx) {
    const license = ctx.state.license;
    if (!license) return [];
    const regions = ctx.state.region.regionCount;
    return regions > license.maxRegions
      ? [
          {
            params: { regions, max: license.maxRegions, licenseId: license.licenseId },
            subjects: { fields: ["license.maxRegions"] },
          },
        ]
      : [];
  },
};

/** Licensed features and the nodes that use them. */
export const LICENSE_FEATURES = ["hci", "aarch64"] as const;

const licenseFeature: Rule = {
  id: "license-feature",
  category: "license",
  severity: "block",
  operations: GROWTH_OPS,
  steps: ["license", "roles"],
  override: "none",
  message: {
    en: '{count} node(s) are hyperconverged (compute and Ceph on one node: {hosts}), but the license {licenseId} does not include the "{feature}" feature.',
    "zh-CN":
      "有 {count} 个节点为超融合部署（计算与 Ceph 位于同一节点：{hosts}），但许可证 {licenseId} 不包含“{feature}”功能。",
  },
  hint: {
    en: 'Ask your vendor for a license with the "{feature}" feature, or give these nodes separate compute and storage roles.',
    "zh-CN": "请向供应商申请包含“{feature}”功能的许可证，或为这些节点分别分配计算和存储角色。",
  },
  variants: {
    aarch64: {
      message: {
        en: '{count} node(s) are aarch64 (Arm) servers ({hosts}), but the license {licenseId} does not include the "{feature}" feature.',
        "zh-CN":
          "有 {count} 个节点为 aarch64（Arm）服务器（{hosts}），但许可证 {licenseId} 不包含“{feature}”功能。",
      },
      hint: {
        en: 'Ask your vendor for a license with the "{feature}" feature, or leave these nodes out of the cluster.',
        "zh-CN": "请向供应商申请包含“{feature}”功能的许可证，或不将这些节点加入集群。",
      },
    },
  },
  check(ctx) {
    const license = ctx.state.license;
    if (!license) return [];
    const has = new Set(license.features);
    const hits: Hit[] = [];
    const report = (feature: (typeof LICENSE_FEATURES)[number], nodes: Node[]) => {
      if (has.has(feature) || nodes.length === 0) return;
      hits.push({
        params: {
          feature,
          count: nodes.length,
          hosts: nameList(nodes.map((n) => n.hostname)),
          licenseId: license.licenseId,
        },
        subjects: { nodes: nodes.map((n) => n.id), fields: ["license.features"] },
        ...(feature === "hci" ? {} : { variant: feature }),
      });
    };
    report(
      "hci",
      ctx.state.nodes.filter((n) => isHci(ctx, n)),
    );
    report(
      "aarch64",
      ctx.state.nodes.filter((n) => n.hardware.cpu.arch === "aarch64"),
    );
    return hits;
  },
};

export const rules: Rule[] = [
  licensePresent,
  licenseExpired,
  licenseNotYetValid,
  licenseNodeLimit,
  licenseSocketLimit,
  licenseRegionLimit,
  licenseFeature,
];
