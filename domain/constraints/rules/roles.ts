/**
 * Roles and quorum. A "controller" is any node carrying the openstack-control service, whichever
 * role brings it (controller, controller-hci or a custom role), so custom roles obey the same limits.
 */
import { localize, type Params } from "../../i18n";
import type { Node } from "../../model";
import {
  catalogIndex,
  checkCustomRole,
  effectiveLimits,
  roleConflicts,
  type CustomRoleProblem,
} from "../../roles/catalog";
import type { Limits } from "../../roles/schema";
import {
  COMPUTE_SERVICE,
  CONTROL_SERVICE,
  MON_SERVICE,
  NODE_OPS,
  TOPOLOGY_OPS,
  failuresTolerated,
  nameList,
} from "../facts";
import type { Hit, Rule, RuleContext } from "../types";

/** Above this many controllers every write waits on more Galera/etcd members for no extra safety. */
export const CONTROLLERS_WARN_ABOVE = 5;

function controlLimits(ctx: RuleContext): {
  min: number;
  recommended: number;
  max: number;
  odd: boolean;
} {
  const limits = catalogIndex(ctx.catalog).services.get(CONTROL_SERVICE)?.limits;
  return {
    min: limits?.min ?? 1,
    recommended: limits?.recommended ?? 3,
    max: limits?.max ?? 7,
    odd: limits?.odd ?? true,
  };
}

function controllers(ctx: RuleContext): Node[] {
  return ctx.nodesWithService(CONTROL_SERVICE);
}

const ids = (nodes: readonly Node[]) => nodes.map((n) => n.id);

const controllersMin: Rule = {
  id: "controllers-min",
  category: "roles",
  severity: "block",
  // Removing the last controller is controller-last-removal's finding, with a better text.
  operations: NODE_OPS,
  steps: ["roles"],
  override: "none",
  message: {
    en: "The cluster has {count} controllers; at least {min} is needed to run the OpenStack APIs, databases and Ceph monitors.",
    "zh-CN":
      "集群当前有 {count} 个控制节点；至少需要 {min} 个才能运行 OpenStack API、数据库和 Ceph Monitor。",
  },
  hint: {
    en: "Assign the controller role (or controller-hci in a hyperconverged cluster) to {min} or more nodes; 3 give high availability.",
    "zh-CN":
      "请为至少 {min} 个节点分配控制角色（超融合集群可用 controller-hci）；3 个控制节点可实现高可用。",
  },
  check(ctx) {
    const { min } = controlLimits(ctx);
    const count = controllers(ctx).length;
    return count < min ? [{ params: { count, min }, subjects: { fields: ["nodes[].roles"] } }] : [];
  },
};

const controllersHa: Rule = {
  id: "controllers-ha",
  category: "roles",
  severity: "warn",
  operations: TOPOLOGY_OPS,
  steps: ["roles"],
  override: "none",
  message: {
    en: "HA is on but the cluster has {count} controller(s); {recommended} are needed to survive the loss of one.",
    "zh-CN":
      "已启用高可用，但集群只有 {count} 个控制节点；需要 {recommended} 个才能在一个节点故障时继续服务。",
  },
  hint: {
    en: "Add controllers until there are {recommended}, or turn HA off in the settings if this is a test cloud.",
    "zh-CN": "请将控制节点增加到 {recommended} 个；如果这是测试环境，也可以在设置中关闭高可用。",
  },
  check(ctx) {
    if (!ctx.state.settings.ha) return [];
    const { recommended } = controlLimits(ctx);
    const nodes = controllers(ctx);
    const count = nodes.length;
    return count >= 1 && count < recommended
      ? [{ params: { count, recommended }, subjects: { nodes: ids(nodes) } }]
      : [];
  },
};

const controllersOdd: Rule = {
  id: "controllers-odd",
  category: "roles",
  severity: "warn",
  operations: TOPOLOGY_OPS,
  steps: ["roles"],
  override: "force",
  message: {
    en: "{count} controllers tolerate {tolerated} failure(s), the same as {lower}: an even count adds no failure tolerance.",
    "zh-CN":
      "{count} 个控制节点可容忍 {tolerated} 个故障，与 {lower} 个相同：偶数个控制节点不会增加容错能力。",
  },
  hint: {
    en: "Use {lower} or {higher} controllers.",
    "zh-CN": "请使用 {lower} 个或 {higher} 个控制节点。",
  },
  variants: {
    two: {
      message: {
        en: "2 controllers cannot lose either one: quorum needs {quorum} of {count}, so a single failure stops the cloud's APIs and databases.",
        "zh-CN":
          "2 个控制节点无法容忍任何一个故障：仲裁需要 {count} 个中的 {quorum} 个，任一节点故障都会导致云平台 API 和数据库停止服务。",
      },
      hint: {
        en: "Use 3 controllers (or 1 for a test cloud with HA off).",
        "zh-CN": "请使用 3 个控制节点（测试环境可关闭高可用并使用 1 个）。",
      },
    },
  },
  check(ctx) {
    if (!controlLimits(ctx).odd) return [];
    const nodes = controllers(ctx);
    const count = nodes.length;
    if (count === 0 || count % 2 === 1) return [];
    const subjects = { nodes: ids(nodes) };
    if (count === 2)
      return [{ params: { count, quorum: 2 }, severity: "block", variant: "two", subjects }];
    return [
      {
        params: { count, tolerated: failuresTolerated(count), lower: count - 1, higher: count + 1 },
        subjects,
      },
    ];
  },
};

const controllersMax: Rule = {
  id: "controllers-max",
  category: "roles",
  severity: "warn",
  operations: TOPOLOGY_OPS,
  steps: ["roles"],
  override: "force",
  message: {
    en: "{count} controllers: above {warnAbove}, every database and etcd write waits for more members while failure tolerance barely grows.",
    "zh-CN":
      "{count} 个控制节点：超过 {warnAbove} 个后，每次数据库和 etcd 写入都要等待更多成员确认，而容错能力几乎没有提升。",
  },
  hint: {
    en: "Keep 3 or 5 controllers and give the other nodes compute, storage or network roles.",
    "zh-CN": "建议保留 3 个或 5 个控制节点，其余节点改为计算、存储或网络角色。",
  },
  variants: {
    "over-max": {
      message: {
        en: "{count} controllers exceed the maximum of {max} supported by the release.",
        "zh-CN": "{count} 个控制节点超过了该发行版支持的上限 {max} 个。",
      },
      hint: {
        en: "Remove the controller role from {excess} node(s); 3 or 5 controllers are recommended.",
        "zh-CN": "请从 {excess} 个节点上移除控制角色；建议使用 3 个或 5 个控制节点。",
      },
    },
  },
  check(ctx) {
    const { max } = controlLimits(ctx);
    const nodes = controllers(ctx);
    const count = nodes.length;
    const subjects = { nodes: ids(nodes) };
    if (count > max)
      return [
        {
          params: { count, max, excess: count - max },
          severity: "block",
          variant: "over-max",
          subjects,
        },
      ];
    if (count > CONTROLLERS_WARN_ABOVE)
      return [{ params: { count, warnAbove: CONTROLLERS_WARN_ABOVE }, subjects }];
    return [];
  },
};

/** Services that have their own dedicated count rules (controllers-*, ceph-mon-count). */
const DEDICATED_SERVICES = new Set([CONTROL_SERVICE, MON_SERVICE]);

function sameNodes(a: readonly Node[], b: readonly Node[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((n) => set.has(n));
}

function limitHits(
  kind: "role" | "service",
  name: string,
  nodes: Node[],
  limits: Limits,
  ctx: RuleContext,
): Hit[] {
  const eff = effectiveLimits(limits, { kind: ctx.state.cluster.kind, ha: ctx.state.settings.ha });
  const count = nodes.length;
  const subjects = { nodes: ids(nodes) };
  const prefix = kind === "service" ? "service-" : "";
  const base: Params = { name, count, hosts: nameList(nodes.map((n) => n.hostname)) };
  const hits: Hit[] = [];
  const note = eff.note;
  const push = (variant: string, severity: Hit["severity"], params: Params) =>
    hits.push({
      params: { ...base, ...params },
      severity,
      variant: `${prefix}${variant}`,
      subjects,
      ...(note ? { note } : {}),
    });
  if (eff.min !== undefined && count < eff.min) push("min", "block", { min: eff.min });
  if (eff.max !== undefined && count > eff.max) push("max", "block", { max: eff.max });
  if (eff.odd && count > 0 && count % 2 === 0) push("odd", "warn", {});
  if (
    eff.recommended !== undefined &&
    count > 0 &&
    count < eff.recommended &&
    (eff.min === undefined || count >= eff.min)
  ) {
    push("recommended", "info", { recommended: eff.recommended });
  }
  return hits;
}

const roleLimits: Rule = {
  id: "role-limits",
  category: "roles",
  severity: "block",
  operations: TOPOLOGY_OPS,
  steps: ["roles"],
  override: "force",
  message: {
    en: "{count} node(s) have the role {name}; the release allows at most {max}.",
    "zh-CN": "有 {count} 个节点分配了 {name} 角色；该发行版最多允许 {max} 个。",
  },
  hint: {
    en: "Remove the role {name} from some of these nodes: {hosts}.",
    "zh-CN": "请从以下部分节点上移除 {name} 角色：{hosts}。",
  },
  variants: {
    max: {
      message: {
        en: "{count} node(s) have the role {name}; the release allows at most {max}.",
        "zh-CN": "有 {count} 个节点分配了 {name} 角色；该发行版最多允许 {max} 个。",
      },
      hint: {
        en: "Remove the role {name} from some of these nodes: {hosts}.",
        "zh-CN": "请从以下部分节点上移除 {name} 角色：{hosts}。",
      },
    },
    min: {
      message: {
        en: "{count} node(s) have the role {name}; the release needs at least {min}.",
        "zh-CN": "有 {count} 个节点分配了 {name} 角色；该发行版至少需要 {min} 个。",
      },
      hint: {
        en: "Assign the role {name} to {min} or more nodes.",
        "zh-CN": "请为至少 {min} 个节点分配 {name} 角色。",
      },
    },
    odd: {
      message: {
        en: "{count} nodes have the role {name}; its members vote, and an even count adds no failure tolerance.",
        "zh-CN":
          "有 {count} 个节点分配了 {name} 角色；其成员通过投票仲裁，偶数个成员不会增加容错能力。",
      },
      hint: {
        en: "Add or remove one node with the role {name}.",
        "zh-CN": "请增加或减少一个 {name} 角色的节点。",
      },
    },
    recommended: {
      message: {
        en: "{count} node(s) have the role {name}; {recommended} are recommended.",
        "zh-CN": "有 {count} 个节点分配了 {name} 角色；建议至少 {recommended} 个。",
      },
      hint: {
        en: "Assign the role {name} to {recommended} nodes so one can fail without an outage.",
        "zh-CN": "请为 {recommended} 个节点分配 {name} 角色，以便单个节点故障时服务不中断。",
      },
    },
    "service-max": {
      message: {
        en: "{count} nodes carry the service {name}; the release allows at most {max}.",
        "zh-CN": "有 {count} 个节点运行 {name} 服务；该发行版最多允许 {max} 个。",
      },
      hint: {
        en: "Change the roles of some of these nodes so fewer carry {name}: {hosts}.",
        "zh-CN": "请调整以下部分节点的角色，减少运行 {name} 服务的节点：{hosts}。",
      },
    },
    "service-min": {
      message: {
        en: "{count} node(s) carry the service {name}; the release needs at least {min}.",
        "zh-CN": "有 {count} 个节点运行 {name} 服务；该发行版至少需要 {min} 个。",
      },
      hint: {
        en: "Assign a role that includes {name} to {min} or more nodes.",
        "zh-CN": "请为至少 {min} 个节点分配包含 {name} 服务的角色。",
      },
    },
    "service-odd": {
      message: {
        en: "{count} nodes carry the quorum service {name}, unlike the controllers; an even count adds no failure tolerance.",
        "zh-CN":
          "有 {count} 个节点运行仲裁服务 {name}，与控制节点不一致；偶数个成员不会增加容错能力。",
      },
      hint: {
        en: "Make the nodes carrying {name} an odd number, usually the same nodes as the controllers.",
        "zh-CN": "请让运行 {name} 的节点数为奇数，通常应与控制节点保持一致。",
      },
    },
    "service-recommended": {
      message: {
        en: "{count} node(s) carry the service {name}; {recommended} are recommended.",
        "zh-CN": "有 {count} 个节点运行 {name} 服务；建议至少 {recommended} 个。",
      },
      hint: {
        en: "Assign a role that includes {name} to {recommended} nodes.",
        "zh-CN": "请为 {recommended} 个节点分配包含 {name} 服务的角色。",
      },
    },
  },
  check(ctx) {
    const hits: Hit[] = [];
    const byRole = new Map<string, Node[]>();
    for (const node of ctx.state.nodes) {
      for (const role of new Set(node.roles)) {
        let list = byRole.get(role);
        if (!list) byRole.set(role, (list = []));
        list.push(node);
      }
    }
    for (const role of ctx.catalog.roles) {
      hits.push(...limitHits("role", role.name, byRole.get(role.name) ?? [], role.limits, ctx));
    }
    const control = ctx.nodesWithService(CONTROL_SERVICE);
    for (const service of ctx.catalog.services) {
      if (DEDICATED_SERVICES.has(service.name)) continue;
      const nodes = ctx.nodesWithService(service.name);
      // Quorum services living exactly on the controllers are judged by the controllers-* rules.
      if (nodes.length > 0 && sameNodes(nodes, control)) continue;
      hits.push(...limitHits("service", service.name, nodes, service.limits, ctx));
    }
    return hits;
  },
};

const roleExclusive: Rule = {
  id: "role-exclusive",
  category: "roles",
  severity: "block",
  operations: NODE_OPS,
  steps: ["roles"],
  override: "none",
  message: {
    en: "{hostname} has the roles {a} and {b}, which cannot share a node.",
    "zh-CN": "{hostname} 同时分配了 {a} 和 {b} 角色，这两个角色不能位于同一节点。",
  },
  hint: {
    en: "Keep one of them: remove {b} or {a} from {hostname}.",
    "zh-CN": "请只保留其中一个：从 {hostname} 上移除 {b} 或 {a}。",
  },
  variants: {
    service: {
      message: {
        en: "{hostname}: the role {roleA} brings {a} and the role {roleB} brings {b}; these services cannot run on the same node.",
        "zh-CN":
          "{hostname}：角色 {roleA} 包含服务 {a}，角色 {roleB} 包含服务 {b}；这两个服务不能运行在同一节点上。",
      },
      hint: {
        en: "Remove {roleB} or {roleA} from {hostname}.",
        "zh-CN": "请从 {hostname} 上移除 {roleB} 或 {roleA}。",
      },
    },
  },
  check(ctx) {
    const hits: Hit[] = [];
    const cache = new Map<string, ReturnType<typeof roleConflicts>>();
    for (const node of ctx.state.nodes) {
      if (node.roles.length === 0) continue;
      const key = node.roles.join("\u0000");
      let conflicts = cache.get(key);
      if (!conflicts) {
        conflicts = roleConflicts(ctx.catalog, node.roles, ctx.state.cluster.customRoles);
        cache.set(key, conflicts);
      }
      for (const c of conflicts) {
        const subjects = { nodes: [node.id] };
        if (c.via === "role") {
          // Offer to drop the role added last: the earlier one is usually the node's intended role.
          const drop = node.roles.lastIndexOf(c.a) > node.roles.lastIndexOf(c.b) ? c.a : c.b;
          hits.push({
            params: { hostname: node.hostname, a: c.a, b: c.b },
            subjects,
            fix: {
              action: "set-roles",
              params: { nodeId: node.id, roles: node.roles.filter((r) => r !== drop) },
              label: localize({ en: "Remove {role}", "zh-CN": "移除 {role}" }, { role: drop }),
            },
          });
        } else if (c.roleA !== c.roleB) {
          hits.push({
            params: { hostname: node.hostname, a: c.a, b: c.b, roleA: c.roleA, roleB: c.roleB },
            variant: "service",
            subjects,
          });
        }
      }
    }
    return hits;
  },
};

const computeMin: Rule = {
  id: "compute-min",
  category: "roles",
  severity: "block",
  operations: TOPOLOGY_OPS,
  steps: ["roles"],
  override: "force",
  message: {
    en: "No node carries nova-compute ({count} compute nodes): the cloud could not start a single virtual machine.",
    "zh-CN": "没有任何节点运行 nova-compute（计算节点 {count} 个）：云平台将无法启动任何虚拟机。",
  },
  hint: {
    en: "Assign the compute role (or hci / controller-hci in a hyperconverged cluster) to at least {min} node.",
    "zh-CN": "请为至少 {min} 个节点分配计算角色（超融合集群可用 hci 或 controller-hci）。",
  },
  check(ctx) {
    const count = ctx.nodesWithService(COMPUTE_SERVICE).length;
    return count === 0
      ? [{ params: { count, min: 1 }, subjects: { fields: ["nodes[].roles"] } }]
      : [];
  },
};

const CUSTOM_ROLE_VARIANT: Record<CustomRoleProblem["kind"], string> = {
  "invalid-name": "invalid-name",
  "name-taken": "name-taken",
  duplicate: "duplicate",
  empty: "empty",
  "unknown-service": "unknown-service",
  conflict: "conflict",
};

const customRoleValid: Rule = {
  id: "custom-role-valid",
  category: "roles",
  severity: "block",
  operations: NODE_OPS,
  steps: ["roles"],
  override: "none",
  message: {
    en: "The custom role {role} uses the service {service}, which release {releaseId} does not have.",
    "zh-CN": "自定义角色 {role} 使用了服务 {service}，但发行版 {releaseId} 中没有该服务。",
  },
  hint: {
    en: "Pick services from the release's catalog; check the spelling of {service}.",
    "zh-CN": "请从发行版的服务目录中选择服务，并检查 {service} 的拼写。",
  },
  variants: {
    "unknown-service": {
      message: {
        en: "The custom role {role} uses the service {service}, which release {releaseId} does not have.",
        "zh-CN": "自定义角色 {role} 使用了服务 {service}，但发行版 {releaseId} 中没有该服务。",
      },
      hint: {
        en: "Pick services from the release's catalog; check the spelling of {service}.",
        "zh-CN": "请从发行版的服务目录中选择服务，并检查 {service} 的拼写。",
      },
    },
    conflict: {
      message: {
        en: "The custom role {role} combines the services {a} and {b}, which cannot run on the same node.",
        "zh-CN": "自定义角色 {role} 同时包含服务 {a} 和 {b}，这两个服务不能运行在同一节点上。",
      },
      hint: {
        en: "Remove {a} or {b} from {role}, or make two roles for different nodes.",
        "zh-CN": "请从 {role} 中移除 {a} 或 {b}，或拆分为两个角色分配给不同节点。",
      },
    },
    empty: {
      message: {
        en: "The custom role {role} has no services.",
        "zh-CN": "自定义角色 {role} 没有包含任何服务。",
      },
      hint: {
        en: "Add at least one service to {role}, or delete it.",
        "zh-CN": "请为 {role} 添加至少一个服务，或删除该角色。",
      },
    },
    "name-taken": {
      message: {
        en: "The custom role {role} has the name of a role of release {releaseId}.",
        "zh-CN": "自定义角色 {role} 与发行版 {releaseId} 中的内置角色同名。",
      },
      hint: {
        en: "Rename the custom role, e.g. {role}-custom.",
        "zh-CN": "请重命名该自定义角色，例如 {role}-custom。",
      },
    },
    duplicate: {
      message: {
        en: "The custom role {role} is defined more than once.",
        "zh-CN": "自定义角色 {role} 被重复定义。",
      },
      hint: {
        en: "Keep one definition of {role}.",
        "zh-CN": "请只保留 {role} 的一个定义。",
      },
    },
    "invalid-name": {
      message: {
        en: "The custom role name {role} is not valid: use lowercase letters, digits and hyphens, starting with a letter, 63 characters at most.",
        "zh-CN":
          "自定义角色名 {role} 无效：只能使用小写字母、数字和连字符，须以字母开头，最多 63 个字符。",
      },
      hint: {
        en: "Rename it, e.g. db-only.",
        "zh-CN": "请重命名，例如 db-only。",
      },
    },
  },
  check(ctx) {
    const hits: Hit[] = [];
    const custom = ctx.state.cluster.customRoles;
    const releaseId = ctx.state.cluster.releaseId;
    const reported = new Set<string>();
    custom.forEach((role, i) => {
      for (const problem of checkCustomRole(ctx.catalog, role, custom)) {
        const key = `${role.name}\u0000${JSON.stringify(problem)}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const params: Params = { role: role.name, releaseId };
        let field = `cluster.customRoles[${i}]`;
        if (problem.kind === "unknown-service") {
          params.service = problem.service;
          field += `.services[${role.services.indexOf(problem.service)}]`;
        } else if (problem.kind === "conflict") {
          params.a = problem.a;
          params.b = problem.b;
          field += ".services";
        } else if (problem.kind !== "empty") {
          field += ".name";
        } else {
          field += ".services";
        }
        hits.push({
          params,
          variant: CUSTOM_ROLE_VARIANT[problem.kind],
          subjects: { fields: [field] },
        });
      }
    });
    return hits;
  },
};

const roleUnknown: Rule = {
  id: "role-unknown",
  category: "roles",
  severity: "block",
  operations: NODE_OPS,
  steps: ["roles"],
  override: "none",
  message: {
    en: "{count} node(s) have the role {role}, which release {releaseId} does not define and no custom role is named: {hosts}.",
    "zh-CN":
      "有 {count} 个节点分配了角色 {role}，但发行版 {releaseId} 中没有该角色，也没有同名的自定义角色：{hosts}。",
  },
  hint: {
    en: "Choose a role of the release, or define {role} as a custom role made of services.",
    "zh-CN": "请选择发行版中的角色，或将 {role} 定义为由服务组成的自定义角色。",
  },
  check(ctx) {
    const known = new Set([
      ...ctx.catalog.roles.map((r) => r.name),
      ...ctx.state.cluster.customRoles.map((r) => r.name),
    ]);
    const unknown = new Map<string, Node[]>();
    for (const node of ctx.state.nodes) {
      for (const role of node.roles) {
        if (known.has(role)) continue;
        let list = unknown.get(role);
        if (!list) unknown.set(role, (list = []));
        if (list.at(-1) !== node) list.push(node);
      }
    }
    return [...unknown].map(([role, nodes]) => ({
      params: {
        role,
        count: nodes.length,
        releaseId: ctx.state.cluster.releaseId,
        hosts: nameList(nodes.map((n) => n.hostname)),
      },
      subjects: { nodes: ids(nodes) },
    }));
  },
};

export const rules: Rule[] = [
  controllersMin,
  controllersHa,
  controllersOdd,
  controllersMax,
  roleLimits,
  roleExclusive,
  computeMin,
  customRoleValid,
  roleUnknown,
];
