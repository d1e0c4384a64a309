/**
 * Ceph: monitor quorum, replication against the number of storage hosts, pool sizes, and space.
 * Replicas are placed on distinct hosts (the default CRUSH failure domain), so hosts, not disks,
 * bound the pool size.
 */
import { localize } from "../../i18n";
import type { Node } from "../../model";
import { catalogIndex } from "../../roles/catalog";
import {
  CEPH_NEAR_FULL_RATIO,
  CONTROL_SERVICE,
  MON_SERVICE,
  NODE_OPS,
  OSD_SERVICE,
  TOPOLOGY_OPS,
  formatBytes,
  osdHosts,
  osdRawBytes,
  round1,
} from "../facts";
import type { Hit, Rule, RuleContext } from "../types";

export { osdHosts };

const ids = (nodes: readonly Node[]) => nodes.map((n) => n.id);

/** Bytes clients can store: raw OSD capacity divided by the replica count. */
export function usableBytes(ctx: RuleContext, nodes: readonly Node[], poolSize: number): number {
  const raw = nodes.reduce((sum, n) => sum + osdRawBytes(ctx, n), 0);
  return poolSize > 0 ? raw / poolSize : 0;
}

function sameNodes(a: readonly Node[], b: readonly Node[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((n) => set.has(n));
}

const cephMonCount: Rule = {
  id: "ceph-mon-count",
  category: "ceph",
  severity: "warn",
  operations: TOPOLOGY_OPS,
  steps: ["roles"],
  override: "force",
  message: {
    en: "{count} Ceph monitors: an even count tolerates no more failures than {lower}, and the monitors need a majority to serve the cluster map.",
    "zh-CN":
      "{count} 个 Ceph Monitor：偶数个 Monitor 的容错能力与 {lower} 个相同，而 Monitor 必须有多数在线才能提供集群映射。",
  },
  hint: {
    en: "Run 3 or 5 monitors: give the controller role to an odd number of nodes.",
    "zh-CN": "请运行 3 个或 5 个 Monitor：为奇数个节点分配控制角色。",
  },
  variants: {
    none: {
      message: {
        en: "{osdHosts} node(s) hold Ceph OSDs but no node runs a Ceph monitor: the storage cluster cannot form.",
        "zh-CN":
          "有 {osdHosts} 个节点承载 Ceph OSD，但没有任何节点运行 Ceph Monitor：存储集群无法建立。",
      },
      hint: {
        en: "Assign the controller role (it carries ceph-mon) to 3 nodes.",
        "zh-CN": "请为 3 个节点分配控制角色（该角色包含 ceph-mon）。",
      },
    },
    single: {
      message: {
        en: "Only 1 Ceph monitor: if it fails, all storage I/O stops although the data is safe.",
        "zh-CN": "只有 1 个 Ceph Monitor：它一旦故障，所有存储读写都会停止（数据本身不会丢失）。",
      },
      hint: {
        en: "Run 3 monitors for a production cloud.",
        "zh-CN": "生产环境请运行 3 个 Monitor。",
      },
    },
    "over-max": {
      message: {
        en: "{count} Ceph monitors: more than {max} slows every map update and adds no useful failure tolerance.",
        "zh-CN":
          "{count} 个 Ceph Monitor：超过 {max} 个会拖慢每次集群映射更新，且不会带来有意义的容错提升。",
      },
      hint: {
        en: "Keep ceph-mon on 3 or 5 nodes: use a custom role without ceph-mon for the other controllers.",
        "zh-CN":
          "请只在 3 个或 5 个节点上运行 ceph-mon：其余控制节点可使用不含 ceph-mon 的自定义角色。",
      },
    },
  },
  check(ctx) {
    const mons = ctx.nodesWithService(MON_SERVICE);
    const osds = osdHosts(ctx);
    const count = mons.length;
    const limits = catalogIndex(ctx.catalog).services.get(MON_SERVICE)?.limits;
    const max = limits?.max ?? 5;
    if (count === 0) {
      return osds.length > 0
        ? [
            {
              params: { count, osdHosts: osds.length },
              severity: "block",
              variant: "none",
              subjects: { nodes: ids(osds) },
            },
          ]
        : [];
    }
    const subjects = { nodes: ids(mons) };
    if (count > max) return [{ params: { count, max }, variant: "over-max", subjects }];
    // Monitors riding exactly on the controllers are already judged by controllers-odd and controllers-ha.
    if (sameNodes(mons, ctx.nodesWithService(CONTROL_SERVICE))) return [];
    if (count === 1)
      return ctx.state.settings.ha ? [{ params: { count }, variant: "single", subjects }] : [];
    if (count % 2 === 0) return [{ params: { count, lower: count - 1 }, subjects }];
    return [];
  },
};

const cephOsdHostsVsReplication: Rule = {
  id: "ceph-osd-hosts-vs-replication",
  category: "ceph",
  severity: "block",
  operations: [...TOPOLOGY_OPS, "change-settings"],
  steps: ["roles", "settings"],
  override: "force",
  message: {
    en: "Ceph keeps {poolSize} replicas on different hosts, but only {hosts} host(s) hold OSDs: placement groups stay undersized and writes stall.",
    "zh-CN":
      "Ceph 需要在不同主机上保存 {poolSize} 个副本，但只有 {hosts} 个主机承载 OSD：归置组将一直处于副本不足状态，写入会被阻塞。",
  },
  hint: {
    en: "Give the storage (or hci) role to {missing} more node(s) with a free data disk, or lower the pool size in the settings.",
    "zh-CN":
      "请再为 {missing} 个带空闲数据盘的节点分配存储（或 hci）角色，或在设置中降低存储池副本数。",
  },
  variants: {
    "no-spare": {
      message: {
        en: "{hosts} storage hosts for pool size {poolSize}: after one host fails Ceph has nowhere to rebuild the lost replicas.",
        "zh-CN":
          "存储池副本数为 {poolSize}，存储主机也只有 {hosts} 个：任一主机故障后，Ceph 没有其他主机可用于重建丢失的副本。",
      },
      hint: {
        en: "Add a storage host so Ceph can heal itself after a failure.",
        "zh-CN": "建议再增加一个存储主机，以便故障后 Ceph 能够自动恢复副本。",
      },
    },
    none: {
      message: {
        en: "No node holds Ceph OSDs and no other block storage is configured: images and volumes have nowhere to live.",
        "zh-CN": "没有任何节点承载 Ceph OSD，也没有配置其他块存储：镜像和云硬盘无处存放。",
      },
      hint: {
        en: "Give the storage role (or hci in a hyperconverged cluster) to at least {poolSize} nodes with data disks.",
        "zh-CN": "请为至少 {poolSize} 个带数据盘的节点分配存储角色（超融合集群可用 hci）。",
      },
    },
  },
  check(ctx) {
    const poolSize = ctx.state.settings.ceph.poolSize;
    const hosts = osdHosts(ctx);
    const count = hosts.length;
    if (count === 0) {
      if (ctx.nodesWithService("cinder-volume-lvm").length > 0 || ctx.state.nodes.length === 0)
        return [];
      return [
        {
          params: { hosts: 0, poolSize },
          severity: "warn",
          variant: "none",
          subjects: { fields: ["nodes[].roles"] },
        },
      ];
    }
    const subjects = { nodes: ids(hosts), fields: ["settings.ceph.poolSize"] };
    if (count < poolSize)
      return [{ params: { hosts: count, poolSize, missing: poolSize - count }, subjects }];
    if (count === poolSize)
      return [
        { params: { hosts: count, poolSize }, severity: "info", variant: "no-spare", subjects },
      ];
    return [];
  },
};

const cephMinSize: Rule = {
  id: "ceph-min-size",
  category: "ceph",
  severity: "block",
  operations: ["validate", "deploy", "change-settings"],
  steps: ["settings"],
  override: "none",
  message: {
    en: "Ceph min_size {minSize} must be between 1 and the pool size {poolSize}.",
    "zh-CN": "Ceph min_size 为 {minSize}，必须介于 1 与存储池副本数 {poolSize} 之间。",
  },
  hint: {
    en: "Use pool size 3 with min_size 2.",
    "zh-CN": "建议使用副本数 3、min_size 2。",
  },
  variants: {
    equal: {
      message: {
        en: "Ceph min_size {minSize} equals the pool size {poolSize}: writes stop as soon as one replica's host is down.",
        "zh-CN":
          "Ceph min_size（{minSize}）等于存储池副本数（{poolSize}）：只要有一个副本所在主机宕机，写入就会停止。",
      },
      hint: {
        en: "Set min_size to {suggested} so the cloud keeps working through one host failure.",
        "zh-CN": "请将 min_size 设为 {suggested}，使单台主机故障时云平台仍能正常工作。",
      },
    },
    one: {
      message: {
        en: "Ceph min_size 1 with pool size {poolSize}: Ceph accepts writes with a single copy, and one more failure then loses data.",
        "zh-CN":
          "Ceph min_size 为 1、副本数为 {poolSize}：Ceph 会在只有一个副本时继续接受写入，此时再发生一次故障就会丢失数据。",
      },
      hint: {
        en: "Set min_size to {suggested}.",
        "zh-CN": "请将 min_size 设为 {suggested}。",
      },
    },
    "no-replica": {
      message: {
        en: "Ceph pool size {poolSize}: there is no second copy, so any disk failure loses data.",
        "zh-CN": "Ceph 存储池副本数为 {poolSize}：没有第二份副本，任何一块磁盘故障都会丢失数据。",
      },
      hint: {
        en: "Use pool size 3 (min_size 2) unless this is a throw-away test cloud.",
        "zh-CN": "除非是用完即弃的测试环境，否则请使用副本数 3（min_size 2）。",
      },
    },
  },
  check(ctx) {
    const { poolSize, minSize } = ctx.state.settings.ceph;
    const fields = ["settings.ceph.minSize"];
    const setMin = (value: number) => ({
      action: "set-setting",
      params: { path: "ceph.minSize", value },
      label: localize(
        { en: "Set min_size to {value}", "zh-CN": "将 min_size 设为 {value}" },
        { value },
      ),
    });
    if (poolSize < 1 || minSize < 1 || minSize > poolSize) {
      return [
        {
          params: { minSize, poolSize },
          subjects: { fields: ["settings.ceph.minSize", "settings.ceph.poolSize"] },
        },
      ];
    }
    const hits: Hit[] = [];
    if (poolSize < 2) {
      hits.push({
        params: { poolSize },
        severity: "warn",
        variant: "no-replica",
        subjects: { fields: ["settings.ceph.poolSize"] },
      });
      return hits;
    }
    const suggested = Math.max(1, Math.min(poolSize - 1, 2));
    if (minSize === poolSize) {
      hits.push({
        params: { minSize, poolSize, suggested },
        severity: "warn",
        variant: "equal",
        subjects: { fields },
        fix: setMin(suggested),
      });
    } else if (minSize === 1 && poolSize >= 3) {
      hits.push({
        params: { poolSize, suggested },
        severity: "warn",
        variant: "one",
        subjects: { fields },
        fix: setMin(suggested),
      });
    }
    return hits;
  },
};

const cephCapacityAfterRemoval: Rule = {
  id: "ceph-capacity-after-removal",
  category: "ceph",
  severity: "block",
  operations: ["remove-nodes", "change-roles"],
  steps: ["roles"],
  override: "force-unsafe",
  message: {
    en: "After this change Ceph would be {percent}% full ({used} of {usable} usable): above the near-full ratio of {nearFull}%, rebalancing stalls and writes may stop.",
    "zh-CN":
      "此变更后 Ceph 使用率将达到 {percent}%（可用 {usable} 中已用 {used}）：超过 {nearFull}% 的近满阈值，数据重平衡会停滞，写入可能停止。",
  },
  hint: {
    en: "Free space or add storage hosts first; then remove the nodes one at a time.",
    "zh-CN": "请先清理空间或增加存储主机，再逐个移除节点。",
  },
  variants: {
    "no-osd": {
      message: {
        en: "This change removes every OSD while Ceph stores {used}: the data would be lost.",
        "zh-CN": "此变更将移除全部 OSD，而 Ceph 中仍存有 {used} 数据：这些数据将会丢失。",
      },
      hint: {
        en: "Migrate the data away and empty the pools before removing the last storage hosts.",
        "zh-CN": "请先迁出数据并清空存储池，再移除最后的存储主机。",
      },
    },
  },
  check(ctx) {
    const used = ctx.state.cephUsedBytes;
    if (used <= 0) return [];
    const beforeOsd = new Set(
      ctx.before.nodes.filter((n) => ctx.servicesOf(n).has(OSD_SERVICE)).map((n) => n.id),
    );
    const after = osdHosts(ctx);
    const afterIds = new Set(after.map((n) => n.id));
    const leaving = [...beforeOsd].filter((id) => !afterIds.has(id));
    if (leaving.length === 0) return [];
    const subjects = { nodes: leaving };
    const usable = usableBytes(ctx, after, ctx.state.settings.ceph.poolSize);
    if (usable <= 0) return [{ params: { used: formatBytes(used) }, variant: "no-osd", subjects }];
    const ratio = used / usable;
    if (ratio <= CEPH_NEAR_FULL_RATIO) return [];
    return [
      {
        params: {
          percent: round1(ratio * 100),
          used: formatBytes(used),
          usable: formatBytes(usable),
          nearFull: Math.round(CEPH_NEAR_FULL_RATIO * 100),
        },
        subjects,
      },
    ];
  },
};

const cephNearFull: Rule = {
  id: "ceph-near-full",
  category: "ceph",
  severity: "warn",
  operations: NODE_OPS,
  steps: ["roles"],
  override: "none",
  message: {
    en: "Ceph is {percent}% full ({used} of {usable} usable across {hosts} hosts), above the near-full ratio of {nearFull}%.",
    "zh-CN":
      "Ceph 使用率为 {percent}%（{hosts} 个主机共 {usable} 可用空间中已用 {used}），已超过 {nearFull}% 的近满阈值。",
  },
  hint: {
    en: "Add storage hosts or disks, or delete unused images, volumes and snapshots.",
    "zh-CN": "请增加存储主机或磁盘，或删除不再使用的镜像、云硬盘和快照。",
  },
  check(ctx) {
    const used = ctx.state.cephUsedBytes;
    if (used <= 0) return [];
    const hosts = osdHosts(ctx);
    const usable = usableBytes(ctx, hosts, ctx.state.settings.ceph.poolSize);
    if (usable <= 0 || used / usable <= CEPH_NEAR_FULL_RATIO) return [];
    return [
      {
        params: {
          percent: round1((used / usable) * 100),
          used: formatBytes(used),
          usable: formatBytes(usable),
          hosts: hosts.length,
          nearFull: Math.round(CEPH_NEAR_FULL_RATIO * 100),
        },
        subjects: { nodes: ids(hosts) },
      },
    ];
  },
};

export const rules: Rule[] = [
  cephMonCount,
  cephOsdHostsVsReplication,
  cephMinSize,
  cephCapacityAfterRemoval,
  cephNearFull,
];
