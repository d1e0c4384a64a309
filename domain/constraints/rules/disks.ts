/**
 * Disks per node, judged by the disk planner itself (disk/plan): the rule and the installer cannot
 * disagree about which disk holds the OS or whether it is big enough.
 */
import type { Localized } from "../../i18n";
import type { Node } from "../../model";
import { nodeRequirements } from "../../roles/catalog";
import {
  DISK_PROBLEM_TEXT,
  diskNeedsFrom,
  formatDiskSize,
  layoutMinimumBytes,
  minimumOsDiskBytes,
  countOsdCandidates,
  pickOsDisk,
  type DiskNeeds,
  type DiskProblemCode,
} from "../../disk/plan";
import { nameList, OSD_SERVICE } from "../facts";
import type { Hit, Rule, RuleContext, RuleText } from "../types";

const DISK_OPS = ["validate", "deploy", "add-nodes", "change-roles"] as const;

/** Which nodes a per-node rule judges: the named ones for add-nodes/change-roles, else every node with a role. */
function inScope(ctx: RuleContext): (node: Node) => boolean {
  const intent = ctx.intent;
  const named =
    intent.kind === "add-nodes"
      ? new Set(intent.nodeIds)
      : intent.kind === "change-roles"
        ? new Set(intent.assignments.map((a) => a.nodeId))
        : null;
  return named
    ? (node) => node.roles.length > 0 && named.has(node.id)
    : (node) => node.roles.length > 0;
}

/** Disk needs per distinct role set, so 5,000 nodes with three role sets cost three lookups. */
function needsOf(ctx: RuleContext): (node: Node) => DiskNeeds {
  const cache = new Map<string, DiskNeeds>();
  return (node) => {
    const key = node.roles.length === 1 ? (node.roles[0] as string) : node.roles.join("\u0000");
    let needs = cache.get(key);
    if (!needs) {
      const requirements = nodeRequirements(ctx.catalog, node.roles, ctx.state.cluster.customRoles);
      needs = diskNeedsFrom(requirements, ctx.servicesOf(node));
      cache.set(key, needs);
    }
    return needs;
  };
}

const HINT: Localized = {
  en: "Fit a fixed disk of at least {minimum} ({layoutMinimum} for the partitions, swap, {containersGiB} GiB of containers and 20 GiB of root; the roles ask for {roleMinimum}), or choose another node for these roles.",
  "zh-CN":
    "请安装一块至少 {minimum} 的固定磁盘（分区、交换空间、{containersGiB} GiB 容器卷和 20 GiB 根卷需要 {layoutMinimum}；角色要求 {roleMinimum}），或为这些角色选择其他节点。",
};

const variants: Record<string, RuleText> = {
  "os-disk-missing": {
    message: DISK_PROBLEM_TEXT["os-disk-missing"],
    hint: {
      en: "Choose one of {disks} as the OS disk, or let Cairn choose.",
      "zh-CN": "请从 {disks} 中选择系统盘，或由 Cairn 自动选择。",
    },
  },
  "os-disk-removable": {
    message: DISK_PROBLEM_TEXT["os-disk-removable"],
    hint: {
      en: "Choose a fixed disk of at least {minimum}, or let Cairn choose.",
      "zh-CN": "请选择一块至少 {minimum} 的固定磁盘，或由 Cairn 自动选择。",
    },
  },
  "os-disk-too-small": {
    message: DISK_PROBLEM_TEXT["os-disk-too-small"],
    hint: {
      en: "Choose a disk of at least {minimum}, or let Cairn choose.",
      "zh-CN": "请选择一块至少 {minimum} 的磁盘，或由 Cairn 自动选择。",
    },
  },
  "only-removable-disks": {
    message: DISK_PROBLEM_TEXT["only-removable-disks"],
    hint: HINT,
  },
};

const hostInstallDisk: Rule = {
  id: "host-install-disk",
  category: "hardware",
  severity: "block",
  operations: DISK_OPS,
  steps: ["disks"],
  override: "none",
  message: DISK_PROBLEM_TEXT["no-install-disk"],
  hint: HINT,
  variants,
  check(ctx) {
    const needsFor = needsOf(ctx);
    const judged = inScope(ctx);
    const hits: Hit[] = [];
    for (const node of ctx.state.nodes) {
      if (!judged(node)) continue;
      const needs = needsFor(node);
      const minimum = minimumOsDiskBytes(needs);
      const picked = pickOsDisk(node, minimum);
      if (picked.ok) continue;
      const problem = picked.problems[0] as {
        code: DiskProblemCode;
        params: Record<string, string | number>;
      };
      const params = {
        ...problem.params,
        containersGiB: needs.containersGiB,
        layoutMinimum: formatDiskSize(layoutMinimumBytes(needs.containersGiB)),
        roleMinimum: formatDiskSize(needs.installDiskBytes ?? 0),
      };
      // When the operator's choice is what fails, offer the disk Cairn would pick instead.
      const auto = node.osDisk ? pickOsDisk({ ...node, osDisk: undefined }, minimum) : null;
      const fix =
        auto && auto.ok
          ? {
              fix: {
                action: "set-os-disk",
                params: { nodeId: node.id, disk: auto.disk.name },
                label: {
                  en: `Install the OS on ${auto.disk.name} (${formatDiskSize(auto.disk.sizeBytes)})`,
                  "zh-CN": `将操作系统安装到 ${auto.disk.name}（${formatDiskSize(auto.disk.sizeBytes)}）`,
                },
              },
            }
          : {};
      hits.push({
        params,
        subjects: { nodes: [node.id], fields: [`nodes.${node.id}.osDisk`] },
        ...(problem.code === "no-install-disk" ? {} : { variant: problem.code }),
        ...fix,
      });
    }
    return hits;
  },
};

const storageHasOsdDisk: Rule = {
  id: "storage-has-osd-disk",
  category: "hardware",
  severity: "block",
  operations: DISK_OPS,
  steps: ["roles", "disks"],
  override: "none",
  message: {
    en: "{node}: Ceph needs {needed} unused data disk(s) of at least {minimum} besides the OS disk {osDisk}, and the node has {found}.",
    "zh-CN":
      "{node}：除系统盘 {osDisk} 外，Ceph 需要 {needed} 块至少 {minimum} 的空闲数据盘，而该节点只有 {found} 块。",
  },
  hint: {
    en: "Add data disks of at least {minimum} (other disks: {others}), or give the storage role to a node that has them.",
    "zh-CN":
      "请添加至少 {minimum} 的数据盘（其他磁盘：{others}），或将存储角色分配给具备这类磁盘的节点。",
  },
  check(ctx) {
    const needsFor = needsOf(ctx);
    const hits: Hit[] = [];
    const judged = inScope(ctx);
    for (const node of ctx.nodesWithService(OSD_SERVICE)) {
      if (!judged(node)) continue;
      const needs = needsFor(node);
      const osd = needs.osd as NonNullable<DiskNeeds["osd"]>;
      const picked = pickOsDisk(node, minimumOsDiskBytes(needs));
      // With no fitting OS disk (host-install-disk says so), the OS will still take a disk: assume the named or largest one.
      const osDisk = picked.ok
        ? picked.disk
        : (node.hardware.disks.find((d) => d.name === node.osDisk) ??
          [...node.hardware.disks]
            .filter((d) => !d.removable)
            .sort((a, b) => b.sizeBytes - a.sizeBytes)[0]);
      const found = countOsdCandidates(node, osDisk, osd.minBytes);
      if (found >= osd.count) continue;
      const others = node.hardware.disks
        .filter((d) => d !== osDisk && !d.removable)
        .map((d) => `${d.name} ${formatDiskSize(d.sizeBytes)}`);
      hits.push({
        params: {
          node: node.hostname || node.id,
          needed: osd.count,
          found,
          minimum: formatDiskSize(osd.minBytes),
          minimumBytes: osd.minBytes,
          osDisk: osDisk?.name ?? "-",
          others: others.length > 0 ? nameList(others) : "-",
        },
        subjects: { nodes: [node.id] },
      });
    }
    return hits;
  },
};

export const rules: Rule[] = [hostInstallDisk, storageHasOsdDisk];
