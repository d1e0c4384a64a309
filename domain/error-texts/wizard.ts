/** Error texts of the wizard area; merged into ERRORS (domain/errors.ts), the one catalogue. */
import type { ErrorText } from "../errors";

export const WIZARD_ERRORS = {
  "wizard.node-other-region": {
    kind: "precondition",
    message: {
      en: "Node {hostname} is in region {nodeRegion}; cluster {cluster} is in region {region}.",
      "zh-CN": "节点 {hostname} 位于区域 {nodeRegion}；集群 {cluster} 位于区域 {region}。",
    },
    hint: {
      en: "Only nodes discovered in region {region} can join this cluster; start the node's agent with a bootstrap token of {region}.",
      "zh-CN":
        "只有在区域 {region} 中发现的节点才能加入此集群；请使用 {region} 的引导令牌启动该节点的代理。",
    },
  },
  "wizard.node-other-cluster": {
    kind: "precondition",
    message: {
      en: "Node {hostname} already belongs to cluster {other} and cannot join cluster {cluster}.",
      "zh-CN": "节点 {hostname} 已属于集群 {other}，不能加入集群 {cluster}。",
    },
    hint: {
      en: "Take it out of cluster {other} first (or remove it there with a removal task if it is deployed).",
      "zh-CN": "请先将其从集群 {other} 中移出（如已部署，请在该集群中通过移除任务将其移除）。",
    },
  },
  "wizard.node-not-member": {
    kind: "precondition",
    message: {
      en: "Node {hostname} is not in cluster {cluster}.",
      "zh-CN": "节点 {hostname} 不在集群 {cluster} 中。",
    },
    hint: {
      en: "Select it into the cluster in the Discover step first.",
      "zh-CN": "请先在“发现节点”步骤中将其选入集群。",
    },
  },
  "wizard.unknown-role": {
    kind: "invalid",
    message: {
      en: "Role {role} is neither a role of release {releaseId} nor a custom role of this cluster.",
      "zh-CN": "角色 {role} 既不是发行版 {releaseId} 中的角色，也不是本集群的自定义角色。",
    },
    hint: { en: "Use one of: {known}.", "zh-CN": "请使用以下角色之一：{known}。" },
  },
  "wizard.custom-roles-invalid": {
    kind: "invalid",
    message: {
      en: "The custom roles were not saved: {count} problem(s).",
      "zh-CN": "自定义角色未保存：存在 {count} 个问题。",
    },
    hint: {
      en: "Correct the marked roles (names, services from the release's catalog) and save again.",
      "zh-CN": "请修正标出的角色（名称、从发行版目录中选择的服务）后重新保存。",
    },
  },
  "wizard.custom-role-in-use": {
    kind: "precondition",
    message: {
      en: "Custom role {role} is still assigned to {count} node(s): {hosts}.",
      "zh-CN": "自定义角色 {role} 仍分配给 {count} 个节点：{hosts}。",
    },
    hint: {
      en: "Take the role off these nodes first, then delete or rename it.",
      "zh-CN": "请先从这些节点上移除该角色，然后再删除或重命名。",
    },
  },
  "wizard.networks-invalid": {
    kind: "invalid",
    message: {
      en: "The networks were not saved: {count} problem(s); nothing was changed.",
      "zh-CN": "网络未保存：存在 {count} 个问题；未做任何更改。",
    },
    hint: {
      en: "Correct the marked fields; each says what is wrong and what to enter.",
      "zh-CN": "请修正标出的字段；每个字段都说明了问题所在以及应填写的内容。",
    },
  },
  "wizard.settings-out-of-range": {
    kind: "invalid",
    message: {
      en: "The settings were not saved: {count} value(s) are outside the allowed ranges.",
      "zh-CN": "设置未保存：有 {count} 个值超出了允许范围。",
    },
    hint: {
      en: "Move the marked values into their ranges and save again.",
      "zh-CN": "请将标出的值调整到允许范围内后重新保存。",
    },
  },
  "wizard.disk-unknown": {
    kind: "invalid",
    message: {
      en: "Node {hostname} has no disk {disk}; its disks are {disks}.",
      "zh-CN": "节点 {hostname} 没有磁盘 {disk}；其磁盘为 {disks}。",
    },
    hint: {
      en: "Choose one of its disks, or let Cairn choose.",
      "zh-CN": "请选择该节点的一块磁盘，或由 Cairn 自动选择。",
    },
  },
  "wizard.step-blocked": {
    kind: "precondition",
    message: {
      en: "This step cannot be completed yet: {count} problem(s) stop it.",
      "zh-CN": "此步骤尚不能完成：有 {count} 个问题阻止了它。",
    },
    hint: {
      en: "The findings panel lists each problem with what to do; fix them and try again.",
      "zh-CN": "检查结果面板列出了每个问题及处理方法；请处理后重试。",
    },
  },
  "wizard.deploy-blocked": {
    kind: "precondition",
    message: {
      en: "Cluster {cluster} cannot be deployed yet: {count} problem(s) stop it.",
      "zh-CN": "集群 {cluster} 尚不能部署：有 {count} 个问题阻止了部署。",
    },
    hint: {
      en: "Open the steps marked as blocking, fix their findings, then deploy.",
      "zh-CN": "请打开标记为阻止的步骤，处理其中的检查结果后再部署。",
    },
  },
  "wizard.fix-stale": {
    kind: "conflict",
    message: {
      en: "Finding {finding} no longer offers this fix: the cluster changed since it was shown.",
      "zh-CN": "检查结果 {finding} 已不再提供此修复：自显示以来集群已发生变化。",
    },
    hint: {
      en: "Look at the findings again and choose the fix they offer now.",
      "zh-CN": "请重新查看检查结果，并选择其当前提供的修复。",
    },
  },
  "wizard.fix-unsupported": {
    kind: "precondition",
    message: {
      en: "The fix {action} of finding {finding} cannot be applied by Cairn.",
      "zh-CN": "检查结果 {finding} 的修复 {action} 无法由 Cairn 自动执行。",
    },
    hint: {
      en: "Follow the finding's hint by hand.",
      "zh-CN": "请按照检查结果中的提示手动处理。",
    },
  },
  "wizard.license-invalid": {
    kind: "invalid",
    message: {
      en: "The license was not loaded (check failed: {check}); the license in force is unchanged.",
      "zh-CN": "许可证未加载（未通过的检查：{check}）；当前生效的许可证保持不变。",
    },
    hint: {
      en: "The license field says exactly what is wrong and what to do.",
      "zh-CN": "许可证字段下方说明了具体问题及处理方法。",
    },
  },
} as const satisfies Record<string, ErrorText>;
