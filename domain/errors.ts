/**
 * Errors are values with codes. Every code has its texts here, in both languages, and a kind that
 * the API layer maps to a transport status (one mapping, in server/trpc). Services throw
 * `CairnError`; the UI shows message + hint, never a stack.
 */
import { localize, type Localized, type Params } from "./i18n";
import { PACKS_ERRORS } from "./error-texts/packs";
import { WIZARD_ERRORS } from "./error-texts/wizard";

export type ErrorKind =
  | "unauthenticated"
  | "forbidden"
  | "not-found"
  | "conflict"
  | "invalid"
  | "precondition"
  | "rate-limited"
  | "unavailable"
  | "internal";

export interface ErrorText {
  kind: ErrorKind;
  message: Localized;
  hint?: Localized;
}

export const ERRORS = {
  ...WIZARD_ERRORS,
  ...PACKS_ERRORS,
  "auth.unauthenticated": {
    kind: "unauthenticated",
    message: { en: "You are not signed in.", "zh-CN": "您尚未登录。" },
    hint: { en: "Sign in and try again.", "zh-CN": "请登录后重试。" },
  },
  "auth.forbidden": {
    kind: "forbidden",
    message: {
      en: "Your role ({role}) may not do this; it needs one of: {allowed}.",
      "zh-CN": "您的角色（{role}）无权执行此操作；需要以下角色之一：{allowed}。",
    },
    hint: {
      en: "Ask an administrator to do it, or to change your role.",
      "zh-CN": "请联系管理员执行，或请管理员调整您的角色。",
    },
  },
  "auth.cross-origin": {
    kind: "forbidden",
    message: {
      en: "The request came from another site ({origin}) and was refused.",
      "zh-CN": "请求来自其他站点（{origin}），已被拒绝。",
    },
    hint: { en: "Use the Cairn console itself.", "zh-CN": "请直接使用 Cairn 控制台。" },
  },
  "setup.done": {
    kind: "precondition",
    message: {
      en: "Cairn is already set up: an administrator exists.",
      "zh-CN": "Cairn 已完成初始化：管理员账户已存在。",
    },
    hint: { en: "Sign in instead.", "zh-CN": "请直接登录。" },
  },
  "user.email-taken": {
    kind: "conflict",
    message: {
      en: "A user with the email {email} already exists.",
      "zh-CN": "邮箱为 {email} 的用户已存在。",
    },
    hint: { en: "Choose another email address.", "zh-CN": "请使用其他邮箱地址。" },
  },
  "user.self-demote": {
    kind: "precondition",
    message: {
      en: "You cannot change your own role or delete yourself.",
      "zh-CN": "您不能修改自己的角色或删除自己。",
    },
    hint: {
      en: "Ask another administrator to do it.",
      "zh-CN": "请让另一位管理员执行此操作。",
    },
  },
  "user.not-found": {
    kind: "not-found",
    message: { en: "User {id} does not exist.", "zh-CN": "用户 {id} 不存在。" },
  },
  "region.name-taken": {
    kind: "conflict",
    message: {
      en: "A region named {name} already exists.",
      "zh-CN": "名为 {name} 的区域已存在。",
    },
    hint: {
      en: "Region names are unique; choose another name.",
      "zh-CN": "区域名称必须唯一，请换一个名称。",
    },
  },
  "region.not-found": {
    kind: "not-found",
    message: { en: "Region {ref} does not exist.", "zh-CN": "区域 {ref} 不存在。" },
    hint: {
      en: "It may have been deleted; open the list of regions.",
      "zh-CN": "它可能已被删除，请打开区域列表查看。",
    },
  },
  "region.has-clusters": {
    kind: "precondition",
    message: {
      en: "Region {name} still has {count} cluster(s) and cannot be deleted.",
      "zh-CN": "区域 {name} 中仍有 {count} 个集群，无法删除。",
    },
    hint: {
      en: "Delete or remove its clusters first.",
      "zh-CN": "请先删除或移除其中的集群。",
    },
  },
  "region.has-nodes": {
    kind: "precondition",
    message: {
      en: "Region {name} still has {count} registered node(s) and cannot be deleted.",
      "zh-CN": "区域 {name} 中仍有 {count} 个已注册节点，无法删除。",
    },
    hint: {
      en: "Stop their agents and remove the nodes first, or keep the region.",
      "zh-CN": "请先停止这些节点的代理并移除节点，或保留该区域。",
    },
  },
  "cluster.name-taken": {
    kind: "conflict",
    message: {
      en: "Region {region} already has a cluster named {name}.",
      "zh-CN": "区域 {region} 中已有名为 {name} 的集群。",
    },
    hint: {
      en: "Cluster names are unique within a region; choose another name.",
      "zh-CN": "同一区域内集群名称必须唯一，请换一个名称。",
    },
  },
  "cluster.not-found": {
    kind: "not-found",
    message: { en: "Cluster {ref} does not exist.", "zh-CN": "集群 {ref} 不存在。" },
    hint: {
      en: "It may have been deleted; open the list of clusters.",
      "zh-CN": "它可能已被删除，请打开集群列表查看。",
    },
  },
  "cluster.not-deletable": {
    kind: "precondition",
    message: {
      en: "Cluster {name} is {status}; only a new cluster can be deleted.",
      "zh-CN": "集群 {name} 的状态为 {status}；只有新建状态的集群可以删除。",
    },
    hint: {
      en: "A cluster that has started deploying is taken apart by a removal task.",
      "zh-CN": "已开始部署的集群需要通过移除任务拆除。",
    },
  },
  "release.unknown": {
    kind: "invalid",
    message: {
      en: "Release {releaseId} is not installed.",
      "zh-CN": "发行版 {releaseId} 未安装。",
    },
    hint: { en: "Choose one of: {available}.", "zh-CN": "请从以下发行版中选择：{available}。" },
  },
  "node.not-found": {
    kind: "not-found",
    message: { en: "Node {ref} does not exist.", "zh-CN": "节点 {ref} 不存在。" },
    hint: {
      en: "It may have been removed; open the list of nodes.",
      "zh-CN": "它可能已被移除，请打开节点列表查看。",
    },
  },
  "node.transition-refused": {
    kind: "precondition",
    message: {
      en: "Node {hostname} cannot go from {from} to {to}.",
      "zh-CN": "节点 {hostname} 不能从 {from} 变为 {to}。",
    },
    hint: {
      en: "From {from} a node can go to: {allowed}.",
      "zh-CN": "处于 {from} 的节点只能变为：{allowed}。",
    },
  },
  "agent.unauthorized": {
    kind: "unauthenticated",
    message: {
      en: "The agent's credential is not accepted ({why}).",
      "zh-CN": "代理的凭据未被接受（{why}）。",
    },
    hint: {
      en: "Start the agent again with a valid bootstrap token of the region (Nodes → Bootstrap tokens).",
      "zh-CN": "请使用该区域有效的引导令牌重新启动代理（节点 → 引导令牌）。",
    },
  },
  "agent.payload-too-large": {
    kind: "invalid",
    message: {
      en: "The request body is {size} bytes; at most {limit} bytes are accepted here.",
      "zh-CN": "请求体为 {size} 字节；此处最多接受 {limit} 字节。",
    },
    hint: {
      en: "Send fewer log lines or batches per request.",
      "zh-CN": "请减少每个请求中的日志行数或批次数。",
    },
  },
  "agent.bad-json": {
    kind: "invalid",
    message: { en: "The request body is not valid JSON.", "zh-CN": "请求体不是有效的 JSON。" },
    hint: {
      en: "Send a JSON object with Content-Type: application/json.",
      "zh-CN": "请以 Content-Type: application/json 发送 JSON 对象。",
    },
  },
  "agent.region-mismatch": {
    kind: "forbidden",
    message: {
      en: "Machine {machineId} is registered in another region; a token of region {region} cannot take it over.",
      "zh-CN": "机器 {machineId} 已在另一个区域注册；区域 {region} 的令牌无法接管它。",
    },
    hint: {
      en: "Remove the node from its current region first, or use that region's token.",
      "zh-CN": "请先将节点从当前区域移除，或使用该区域的令牌。",
    },
  },
  "token.not-found": {
    kind: "not-found",
    message: { en: "Bootstrap token {ref} does not exist.", "zh-CN": "引导令牌 {ref} 不存在。" },
    hint: {
      en: "Open the region's list of bootstrap tokens.",
      "zh-CN": "请打开该区域的引导令牌列表。",
    },
  },
  "token.revoked": {
    kind: "precondition",
    message: {
      en: "Bootstrap token {prefix}… is already revoked.",
      "zh-CN": "引导令牌 {prefix}… 已被吊销。",
    },
    hint: {
      en: "Create a new token if agents still need one.",
      "zh-CN": "如果代理仍需要令牌，请创建新令牌。",
    },
  },
  "node.not-assignable": {
    kind: "precondition",
    message: {
      en: "Node {hostname} cannot join cluster {cluster}: {why}.",
      "zh-CN": "节点 {hostname} 无法加入集群 {cluster}：{why}。",
    },
    hint: {
      en: "Only discovered nodes of the cluster's region, or nodes already in this cluster, can be assigned.",
      "zh-CN": "只能分配集群所在区域中处于已发现状态的节点，或已在本集群中的节点。",
    },
  },
  "node.unknown-role": {
    kind: "invalid",
    message: {
      en: "Role {role} is not in release {releaseId}.",
      "zh-CN": "发行版 {releaseId} 中没有角色 {role}。",
    },
    hint: { en: "Use one of: {known}.", "zh-CN": "请使用以下角色之一：{known}。" },
  },
  "task.no-nodes": {
    kind: "precondition",
    message: {
      en: "Cluster {cluster} has no nodes to run {operation} on.",
      "zh-CN": "集群 {cluster} 没有可执行 {operation} 的节点。",
    },
    hint: {
      en: "Assign discovered nodes to the cluster first.",
      "zh-CN": "请先将已发现的节点分配给该集群。",
    },
  },
  "lab.disabled": {
    kind: "precondition",
    message: {
      en: "Lab mode is off: this Cairn does not start lab nodes.",
      "zh-CN": "实验模式未开启：此 Cairn 不会启动实验节点。",
    },
    hint: {
      en: "Start Cairn with `npm start -- --lab N` (or CAIRN_LAB=1), or start agents on real machines.",
      "zh-CN":
        "请使用 `npm start -- --lab N`（或 CAIRN_LAB=1）启动 Cairn，或在真实机器上启动代理。",
    },
  },
  "lab.too-many": {
    kind: "precondition",
    message: {
      en: "{count} more lab node(s) would exceed the limit of {max} on this host ({running} running).",
      "zh-CN": "再增加 {count} 个实验节点将超过本主机 {max} 个的上限（已运行 {running} 个）。",
    },
    hint: {
      en: "Start fewer nodes, or run `cairn lab` on another machine against this server.",
      "zh-CN": "请减少节点数量，或在另一台机器上运行 `cairn lab` 连接到此服务器。",
    },
  },
  "task.cluster-busy": {
    kind: "conflict",
    message: {
      en: "Another operation ({kind}, task {taskId}) is running on this cluster.",
      "zh-CN": "该集群上正在运行另一个操作（{kind}，任务 {taskId}）。",
    },
    hint: {
      en: "Wait for it to finish, or cancel it from its task page; then try again.",
      "zh-CN": "请等待其完成，或在其任务页面中取消，然后重试。",
    },
  },
  "task.not-found": {
    kind: "not-found",
    message: { en: "Task {ref} does not exist.", "zh-CN": "任务 {ref} 不存在。" },
  },
  "task.not-cancellable": {
    kind: "precondition",
    message: {
      en: "The task is {status}; only a pending, running or paused task can be cancelled.",
      "zh-CN": "该任务的状态为 {status}；只有待执行、运行中或已暂停的任务可以取消。",
    },
  },
  "task.not-retryable": {
    kind: "precondition",
    message: {
      en: "The task is {status}; only a finished task (failed, cancelled or succeeded) can be retried.",
      "zh-CN": "该任务的状态为 {status}；只有已结束（失败、已取消或成功）的任务可以重试。",
    },
    hint: {
      en: "Wait for it to finish, or cancel it first.",
      "zh-CN": "请等待其结束，或先将其取消。",
    },
  },
  "task.nothing-to-retry": {
    kind: "precondition",
    message: {
      en: "Nothing to retry: no failed step, or no entry of step {step} on the chosen nodes.",
      "zh-CN": "没有可重试的内容：没有失败的步骤，或所选节点上没有步骤 {step}。",
    },
  },
  "task.wrong-state": {
    kind: "precondition",
    message: {
      en: "Cannot {action} a task that is {status}.",
      "zh-CN": "无法对状态为 {status} 的任务执行 {action} 操作。",
    },
    hint: {
      en: "Pause works on a running task, resume on a paused one.",
      "zh-CN": "暂停仅适用于运行中的任务，恢复仅适用于已暂停的任务。",
    },
  },
  "input.invalid": {
    kind: "invalid",
    message: {
      en: "Some fields are not valid: {fields}.",
      "zh-CN": "以下字段无效：{fields}。",
    },
    hint: {
      en: "Correct the marked fields and try again.",
      "zh-CN": "请修正标出的字段后重试。",
    },
  },
  "rate.limited": {
    kind: "rate-limited",
    message: { en: "Too many attempts.", "zh-CN": "尝试次数过多。" },
    hint: { en: "Wait a minute and try again.", "zh-CN": "请稍等一分钟后重试。" },
  },
  "db.unavailable": {
    kind: "unavailable",
    message: {
      en: "The database is not reachable.",
      "zh-CN": "无法连接数据库。",
    },
    hint: {
      en: "Check the Health page; the request can be repeated once the database is back.",
      "zh-CN": "请查看健康状态页面；数据库恢复后可重试该请求。",
    },
  },
  internal: {
    kind: "internal",
    message: { en: "Something went wrong inside Cairn.", "zh-CN": "Cairn 内部发生错误。" },
    hint: {
      en: "Try again; if it repeats, the server log has the details (reference {ref}).",
      "zh-CN": "请重试；如果反复出现，请查看服务器日志（参考编号 {ref}）。",
    },
  },
} as const satisfies Record<string, ErrorText>;

export type ErrorCode = keyof typeof ERRORS;

export interface FieldError {
  /** Dotted path of the field, e.g. "name" or "settings.ntp.servers.1". */
  path: string;
  message: Localized;
}

export interface CairnErrorShape {
  code: ErrorCode;
  kind: ErrorKind;
  message: Localized;
  hint?: Localized;
  params: Params;
  fields?: FieldError[];
  details?: Record<string, unknown>;
}

export class CairnError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly localized: Localized;
  readonly hint?: Localized;
  readonly params: Params;
  readonly fields?: FieldError[];
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    params: Params = {},
    extra: { fields?: FieldError[]; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    const text: ErrorText = ERRORS[code];
    const message = localize(text.message, params);
    super(message.en, { cause: extra.cause });
    this.name = "CairnError";
    this.code = code;
    this.kind = text.kind;
    this.localized = message;
    this.hint = text.hint ? localize(text.hint, params) : undefined;
    this.params = params;
    this.fields = extra.fields;
    this.details = extra.details;
  }

  toShape(): CairnErrorShape {
    return {
      code: this.code,
      kind: this.kind,
      message: this.localized,
      hint: this.hint,
      params: this.params,
      fields: this.fields,
      details: this.details,
    };
  }
}

export function isCairnError(e: unknown): e is CairnError {
  return e instanceof CairnError;
}
