/** Error texts of the packs area; merged into ERRORS (domain/errors.ts), the one catalogue. */
import type { ErrorText } from "../errors";

export const PACKS_ERRORS = {
  "pack.unknown": {
    kind: "not-found",
    message: {
      en: "There is no content pack {packId}; available packs: {available}.",
      "zh-CN": "不存在内容包 {packId}；可用的内容包：{available}。",
    },
    hint: {
      en: "Packs are the folders under releases/packs/ on the Cairn server; choose one from the list.",
      "zh-CN": "内容包是 Cairn 服务器上 releases/packs/ 下的目录，请从列表中选择。",
    },
  },
  "pack.invalid": {
    kind: "invalid",
    message: {
      en: "Content pack {packId} cannot be installed on release {releaseId}: {count} problem(s), each naming the file, the step and the field.",
      "zh-CN":
        "内容包 {packId} 无法安装到发行版 {releaseId}：共 {count} 个问题，每个问题都指明了文件、步骤和字段。",
    },
    hint: {
      en: "Correct the pack's files as each problem says. A pack adds roles, settings and steps; it never replaces the release's.",
      "zh-CN":
        "请按每个问题的说明修改内容包文件。内容包只能添加角色、设置和步骤，不能替换发行版已有的。",
    },
  },
  "pack.not-installed": {
    kind: "not-found",
    message: {
      en: "Content pack {packId} is not installed on release {releaseId}.",
      "zh-CN": "内容包 {packId} 未安装在发行版 {releaseId} 上。",
    },
    hint: {
      en: "It may have been removed meanwhile; reload the page.",
      "zh-CN": "它可能已被移除，请刷新页面。",
    },
  },
  "pack.busy": {
    kind: "precondition",
    message: {
      en: "Content pack {packId} cannot be removed now: task {taskId} ({kind}) is running on cluster {cluster} of release {releaseId}.",
      "zh-CN":
        "现在无法移除内容包 {packId}：发行版 {releaseId} 的集群 {cluster} 上正在运行任务 {taskId}（{kind}）。",
    },
    hint: {
      en: "That task was planned with the pack's steps, and nodes fetch each step's script when it starts: removing the pack now would fail those steps and race its cleanup against them. Wait for the task to end (or cancel it), then remove the pack.",
      "zh-CN":
        "该任务是在包含内容包步骤的情况下规划的，节点在每个步骤开始时才获取其脚本：此时移除会导致这些步骤失败，且清理会与它们相互竞争。请等待任务结束（或取消任务）后再移除。",
    },
  },
  "pack.in-use": {
    kind: "precondition",
    message: {
      en: "Content pack {packId} cannot be removed: its role(s) {roles} are assigned to {count} node(s) of release {releaseId} ({nodes}).",
      "zh-CN":
        "无法移除内容包 {packId}：其角色 {roles} 仍分配给发行版 {releaseId} 的 {count} 个节点（{nodes}）。",
    },
    hint: {
      en: "Take these roles off the nodes first; a node must not keep a role its release no longer defines.",
      "zh-CN": "请先从这些节点上撤销这些角色；节点不能保留其发行版已不再定义的角色。",
    },
  },
  "pack.required-by": {
    kind: "precondition",
    message: {
      en: "Content pack {packId} cannot be removed: pack {other} builds on it ({count} problem(s) listed).",
      "zh-CN": "无法移除内容包 {packId}：内容包 {other} 依赖它（共列出 {count} 个问题）。",
    },
    hint: {
      en: "Remove pack {other} first.",
      "zh-CN": "请先移除内容包 {other}。",
    },
  },
  "pack.stored-invalid": {
    kind: "precondition",
    message: {
      en: "The installed content pack {packId} no longer fits release {releaseId}: {problem}",
      "zh-CN": "已安装的内容包 {packId} 已不再适用于发行版 {releaseId}（{problem}）。",
    },
    hint: {
      en: "Remove the pack from the release on the Releases page (its cleanup still runs), then install a version that fits.",
      "zh-CN": "请在发行版页面将该内容包从发行版移除（其清理仍会执行），然后安装适用的版本。",
    },
  },
} as const satisfies Record<string, ErrorText>;
