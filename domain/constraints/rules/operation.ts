/**
 * Day-2 safety: one operation at a time, no removal or maintenance that breaks a quorum or the
 * data path, upgrades only with every host reachable, and facts that cannot change once deployed.
 */
import { localize } from "../../i18n";
import type { Intent, Node } from "../../model";
import {
  CONTROL_SERVICE,
  MON_SERVICE,
  MUTATING_OPS,
  OSD_SERVICE,
  failuresTolerated,
  inService,
  isOnline,
  nameList,
  quorumOf,
} from "../facts";
import type { Hit, Rule } from "../types";

/** Statuses of nodes that run workloads: taking them away without draining them first loses work. */
const RUNNING_STATUSES = new Set<Node["status"]>(["ready", "provisioned"]);

function targetIds(intent: Intent): string[] {
  if ("nodeIds" in intent) return intent.nodeIds;
  if (intent.kind === "change-roles") return intent.assignments.map((a) => a.nodeId);
  return [];
}

const opExclusive: Rule = {
  id: "op-exclusive",
  category: "operation",
  severity: "block",
  operations: MUTATING_OPS,
  steps: ["review"],
  override: "none",
  message: {
    en: "Another operation is running on this cluster: task {taskId} ({taskKind}).",
    "zh-CN": "该集群上已有其他操作正在运行：任务 {taskId}（{taskKind}）。",
  },
  hint: {
    en: "Wait for task {taskId} to finish, or stop it from its log page, then try again.",
    "zh-CN": "请等待任务 {taskId} 完成，或在其日志页面中停止该任务，然后重试。",
  },
  check(ctx) {
    const task = ctx.state.runningTask;
    if (!task) return [];
    return [
      {
        params: { taskId: task.id, taskKind: task.kind },
        fix: {
          action: "open-task-log",
          params: { taskId: task.id },
          label: localize(
            { en: "Open the log of task {taskId}", "zh-CN": "查看任务 {taskId} 的日志" },
            { taskId: task.id },
          ),
        },
      },
    ];
  },
};

const controllerLastRemoval: Rule = {
  id: "controller-last-removal",
  category: "operation",
  severity: "block",
  operations: ["remove-nodes", "change-roles"],
  steps: ["roles"],
  override: "none",
  message: {
    en: "This would take away the last {count} controller(s) ({hosts}): the cloud's APIs, databases and Ceph monitors would be gone.",
    "zh-CN":
      "此操作将移除最后 {count} 个控制节点（{hosts}）：云平台的 API、数据库和 Ceph Monitor 将全部消失。",
  },
  hint: {
    en: "Add and deploy a new controller first, then remove these; to tear down the whole cluster, delete the cluster instead.",
    "zh-CN": "请先添加并部署新的控制节点，再移除这些节点；如需拆除整个集群，请直接删除集群。",
  },
  check(ctx) {
    if (ctx.intent.kind === "change-roles" && !ctx.before.cluster.deployed) return [];
    const before = ctx.before.nodes.filter((n) => ctx.servicesOf(n).has(CONTROL_SERVICE));
    if (before.length === 0 || ctx.nodesWithService(CONTROL_SERVICE).length > 0) return [];
    return [
      {
        params: { count: before.length, hosts: nameList(before.map((n) => n.hostname)) },
        subjects: { nodes: before.map((n) => n.id) },
      },
    ];
  },
};

const controllerQuorumAfterOp: Rule = {
  id: "controller-quorum-after-op",
  category: "operation",
  severity: "block",
  operations: ["remove-nodes", "enter-maintenance", "change-roles"],
  steps: ["roles"],
  override: "force-unsafe",
  message: {
    en: "After this operation {online} of {members} controllers stay online, below the quorum of {quorum}: the databases, message queue and etcd stop accepting writes.",
    "zh-CN":
      "此操作后 {members} 个控制节点中只有 {online} 个在线，低于仲裁所需的 {quorum} 个：数据库、消息队列和 etcd 将停止写入。",
  },
  hint: {
    en: "Act on one controller at a time and wait for it to return; {members} controllers tolerate {tolerated} down at once. Overriding needs an administrator and a reason.",
    "zh-CN":
      "请每次只操作一个控制节点，并等待其恢复；{members} 个控制节点最多允许同时 {tolerated} 个不在线。强制执行需要管理员权限并填写原因。",
  },
  check(ctx) {
    if (ctx.intent.kind === "change-roles" && !ctx.before.cluster.deployed) return [];
    const members = ctx.before.nodes.filter((n) => ctx.servicesOf(n).has(CONTROL_SERVICE));
    if (members.length === 0) return [];
    const after = ctx.nodesWithService(CONTROL_SERVICE);
    // Taking every controller away is controller-last-removal's finding.
    if (after.length === 0 && ctx.intent.kind !== "enter-maintenance") return [];
    const online = after.filter((n) => isOnline(n, ctx.state.now)).length;
    const quorum = quorumOf(members.length);
    if (online >= quorum) return [];
    const targets = new Set(targetIds(ctx.intent));
    return [
      {
        params: {
          online,
          members: members.length,
          quorum,
          tolerated: failuresTolerated(members.length),
        },
        subjects: { nodes: members.filter((n) => targets.has(n.id)).map((n) => n.id) },
      },
    ];
  },
};

const removeRequiresMaintenance: Rule = {
  id: "remove-requires-maintenance",
  category: "operation",
  severity: "block",
  operations: ["remove-nodes"],
  steps: ["roles"],
  override: "force",
  message: {
    en: "{count} node(s) still run workloads ({hosts}): removing them now would kill their VMs and drop their data without migration.",
    "zh-CN":
      "有 {count} 个节点仍在运行业务（{hosts}）：现在移除会直接终止其上的虚拟机，数据也未迁移。",
  },
  hint: {
    en: "Put them into maintenance first (VMs are migrated, Ceph marks the OSDs out), then remove them.",
    "zh-CN": "请先将这些节点置于维护模式（虚拟机会被迁移，Ceph 会将 OSD 标记为 out），然后再移除。",
  },
  check(ctx) {
    if (ctx.intent.kind !== "remove-nodes") return [];
    const ids = new Set(ctx.intent.nodeIds);
    const running = ctx.before.nodes.filter((n) => ids.has(n.id) && RUNNING_STATUSES.has(n.status));
    if (running.length === 0) return [];
    const nodeIds = running.map((n) => n.id);
    return [
      {
        params: { count: running.length, hosts: nameList(running.map((n) => n.hostname)) },
        subjects: { nodes: nodeIds },
        fix: {
          action: "enter-maintenance",
          params: { nodeIds },
          label: localize(
            {
              en: "Put {count} node(s) into maintenance",
              "zh-CN": "将 {count} 个节点置于维护模式",
            },
            { count: running.length },
          ),
        },
      },
    ];
  },
};

const upgradeHostsOnline: Rule = {
  id: "upgrade-hosts-online",
  category: "operation",
  severity: "block",
  operations: ["upgrade"],
  steps: ["review"],
  override: "force",
  message: {
    en: "{count} node(s) are offline or failed ({hosts}): the upgrade to {toReleaseId} would leave them on the old release, mixed with upgraded services.",
    "zh-CN":
      "有 {count} 个节点离线或处于错误状态（{hosts}）：升级到 {toReleaseId} 后它们将停留在旧版本，与已升级的服务混合运行。",
  },
  hint: {
    en: "Bring these nodes back (check power and cairn-agent) or remove them, then start the upgrade.",
    "zh-CN": "请先恢复这些节点（检查电源和 cairn-agent）或将其移除，然后再开始升级。",
  },
  variants: {
    maintenance: {
      message: {
        en: "{count} node(s) are in maintenance ({hosts}) and will be skipped by the upgrade to {toReleaseId}.",
        "zh-CN": "有 {count} 个节点处于维护模式（{hosts}），升级到 {toReleaseId} 时将被跳过。",
      },
      hint: {
        en: "Take them out of maintenance before the upgrade, or upgrade them when they return.",
        "zh-CN": "请在升级前让它们退出维护模式，或在其恢复后再单独升级。",
      },
    },
  },
  check(ctx) {
    if (ctx.intent.kind !== "upgrade") return [];
    const toReleaseId = ctx.intent.toReleaseId;
    const down: Node[] = [];
    const resting: Node[] = [];
    for (const node of ctx.state.nodes) {
      if (node.status === "maintenance") resting.push(node);
      else if (node.status === "error" || !isOnline(node, ctx.state.now)) down.push(node);
    }
    const hits: Hit[] = [];
    if (down.length > 0) {
      hits.push({
        params: { count: down.length, hosts: nameList(down.map((n) => n.hostname)), toReleaseId },
        subjects: { nodes: down.map((n) => n.id) },
      });
    }
    if (resting.length > 0) {
      hits.push({
        params: {
          count: resting.length,
          hosts: nameList(resting.map((n) => n.hostname)),
          toReleaseId,
        },
        severity: "warn",
        variant: "maintenance",
        subjects: { nodes: resting.map((n) => n.id) },
      });
    }
    return hits;
  },
};

const regionNameImmutable: Rule = {
  id: "region-name-immutable",
  category: "operation",
  severity: "block",
  operations: ["validate", ...MUTATING_OPS],
  steps: ["region"],
  override: "none",
  message: {
    en: 'The region is deployed as "{from}" and cannot be renamed to "{to}": its name is in DNS records, certificates and the agents\' configuration.',
    "zh-CN":
      "区域已以“{from}”名称部署，不能改名为“{to}”：该名称已写入 DNS 记录、证书和各节点代理的配置中。",
  },
  hint: {
    en: 'Keep the name "{from}"; use the display name for a friendlier label.',
    "zh-CN": "请保留名称“{from}”；如需更友好的名称，请修改显示名称。",
  },
  check(ctx) {
    const from = ctx.before.region.name;
    const to = ctx.state.region.name;
    if (!ctx.before.region.deployed || from === to) return [];
    return [
      {
        params: { from, to },
        subjects: { fields: ["region.name"] },
        fix: {
          action: "set-region-name",
          params: { name: from },
          label: localize({ en: 'Keep "{from}"', "zh-CN": "保留“{from}”" }, { from }),
        },
      },
    ];
  },
};

function sameNodes(a: readonly Node[], b: readonly Node[]): boolean {
  if (a.length !== b.length) return false;
  const ids = new Set(a.map((n) => n.id));
  return b.every((n) => ids.has(n.id));
}

const maintenanceQuorum: Rule = {
  id: "maintenance-quorum",
  category: "operation",
  severity: "block",
  operations: ["enter-maintenance"],
  steps: ["roles"],
  override: "force-unsafe",
  message: {
    en: "With this maintenance {down} of {hosts} Ceph storage hosts would be down; pool size {poolSize} with min_size {minSize} tolerates {tolerated}, so some placement groups stop serving I/O.",
    "zh-CN":
      "此次维护后 {hosts} 个 Ceph 存储主机中将有 {down} 个不可用；副本数 {poolSize}、min_size {minSize} 最多只能容忍 {tolerated} 个，部分归置组将停止读写。",
  },
  hint: {
    en: "Put storage hosts into maintenance one at a time and wait for Ceph to be HEALTH_OK in between.",
    "zh-CN": "请每次只将一个存储主机置于维护模式，并在两次之间等待 Ceph 恢复到 HEALTH_OK。",
  },
  variants: {
    mon: {
      message: {
        en: "With this maintenance {online} of {members} Ceph monitors stay up, below the quorum of {quorum}: the storage cluster stops.",
        "zh-CN":
          "此次维护后 {members} 个 Ceph Monitor 中只有 {online} 个在线，低于仲裁所需的 {quorum} 个：存储集群将停止服务。",
      },
      hint: {
        en: "Put monitor nodes into maintenance one at a time.",
        "zh-CN": "请每次只将一个 Monitor 节点置于维护模式。",
      },
    },
  },
  check(ctx) {
    const hits: Hit[] = [];
    const targets = new Set(targetIds(ctx.intent));
    const { poolSize, minSize } = ctx.state.settings.ceph;
    const osd = ctx.nodesWithService(OSD_SERVICE);
    const enteringOsd = osd.filter((n) => targets.has(n.id));
    const tolerated = Math.max(0, poolSize - minSize);
    if (enteringOsd.length > 0) {
      const down = osd.filter((n) => !inService(n)).length;
      if (down > tolerated) {
        hits.push({
          params: { down, hosts: osd.length, poolSize, minSize, tolerated },
          subjects: { nodes: enteringOsd.map((n) => n.id) },
        });
      }
    }
    const mons = ctx.nodesWithService(MON_SERVICE);
    const enteringMon = mons.filter((n) => targets.has(n.id));
    // Monitors on exactly the controllers are covered by controller-quorum-after-op.
    if (enteringMon.length > 0 && !sameNodes(mons, ctx.nodesWithService(CONTROL_SERVICE))) {
      const online = mons.filter((n) => isOnline(n, ctx.state.now)).length;
      const quorum = quorumOf(mons.length);
      if (online < quorum) {
        hits.push({
          params: { online, members: mons.length, quorum },
          variant: "mon",
          subjects: { nodes: enteringMon.map((n) => n.id) },
        });
      }
    }
    return hits;
  },
};

const intentNodesExist: Rule = {
  id: "intent-nodes-exist",
  category: "operation",
  severity: "block",
  operations: [
    "add-nodes",
    "remove-nodes",
    "enter-maintenance",
    "exit-maintenance",
    "change-roles",
  ],
  steps: ["review"],
  override: "none",
  message: {
    en: "The operation names {count} node(s) this cluster does not have: {ids}.",
    "zh-CN": "该操作指定了 {count} 个不属于此集群的节点：{ids}。",
  },
  hint: {
    en: "Refresh the node list and select the nodes again; they may have been removed meanwhile.",
    "zh-CN": "请刷新节点列表后重新选择；这些节点可能已被移除。",
  },
  check(ctx) {
    const known = new Set(ctx.before.nodes.map((n) => n.id));
    const missing = [...new Set(targetIds(ctx.intent))].filter((id) => !known.has(id));
    return missing.length > 0
      ? [{ params: { count: missing.length, ids: nameList(missing) } }]
      : [];
  },
};

export const rules: Rule[] = [
  opExclusive,
  controllerLastRemoval,
  controllerQuorumAfterOp,
  removeRequiresMaintenance,
  upgradeHostsOnline,
  regionNameImmutable,
  maintenanceQuorum,
  intentNodesExist,
];
