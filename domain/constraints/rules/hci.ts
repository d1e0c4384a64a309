/**
 * Hyperconverged nodes share memory between VMs and Ceph OSDs. nova only knows what it may not
 * hand out (reserved_host_memory_mb, and no RAM overcommit); the OSDs' share must be reserved.
 */
import { localize } from "../../i18n";
import type { Node } from "../../model";
import { HCI_RAM_RATIO } from "../../settings/defaults";
import { HCI_MEMORY, nodeCapacity } from "../../settings/capacity";
import { isHci, nameList, osdDisks } from "../facts";
import type { Rule, RuleContext } from "../types";

/** The VM the budget plans for: a common general-purpose flavour (2 vCPU, 4 GiB). */
export const TYPICAL_VM = { vcpu: 2, memoryGiB: 4 } as const;

export interface HciMemoryPlan {
  memoryGiB: number;
  osds: number;
  /** VMs that fit by vCPU and by memory, whichever is fewer, at the typical VM size. */
  vms: number;
  hostGiB: number;
  osdGiB: number;
  vmGiB: number;
  /** Memory the host must keep from guests: host + OSDs + VM overhead. */
  budgetGiB: number;
}

/**
 * The HCI memory budget of a node (≈ 4 GiB host + 4 GiB per OSD + 0.5 GiB per VM), with the VM count
 * derived from what the node can schedule: min(schedulable vCPU / 2, memory left / (4 + 0.5) GiB).
 */
export function hciMemoryPlan(ctx: RuleContext, node: Node): HciMemoryPlan {
  const osds = osdDisks(ctx, node).length;
  const capacity = nodeCapacity(node, ctx.state.settings, ctx.servicesOf(node), {
    osdCountOf: () => osds,
  });
  const memoryGiB = node.hardware.memoryBytes / 1024 ** 3;
  const hostGiB = HCI_MEMORY.hostGiB;
  const osdGiB = HCI_MEMORY.perOsdGiB * osds;
  const leftGiB = Math.max(0, memoryGiB - hostGiB - osdGiB);
  const byCpu = Math.floor(capacity.schedulableVcpu / TYPICAL_VM.vcpu);
  const byMemory = Math.floor(leftGiB / (TYPICAL_VM.memoryGiB + HCI_MEMORY.perVmOverheadGiB));
  const vms = Math.max(0, Math.min(byCpu, byMemory));
  const vmGiB = HCI_MEMORY.perVmOverheadGiB * vms;
  return { memoryGiB, osds, vms, hostGiB, osdGiB, vmGiB, budgetGiB: hostGiB + osdGiB + vmGiB };
}

const r1 = (n: number) => Math.round(n * 10) / 10;

const hciMemoryBudget: Rule = {
  id: "hci-memory-budget",
  category: "hci",
  severity: "warn",
  operations: ["validate", "deploy", "add-nodes", "change-roles", "change-settings"],
  steps: ["settings", "roles"],
  override: "force",
  message: {
    en: "nova keeps {reservedGiB} GiB from guests on the hyperconverged nodes, but {hostname} needs {budgetGiB} GiB outside them: {hostGiB} GiB host + {osds} OSDs × 4 GiB + {vms} VMs × 0.5 GiB overhead ({count} node(s) short: {hosts}). Guests could take the OSDs' memory and trigger the OOM killer.",
    "zh-CN":
      "nova 在超融合节点上只为宿主机预留了 {reservedGiB} GiB 内存，但 {hostname} 在虚拟机之外需要 {budgetGiB} GiB：宿主机 {hostGiB} GiB + {osds} 个 OSD × 4 GiB + {vms} 台虚拟机 × 0.5 GiB 开销（共 {count} 个节点不足：{hosts}）。虚拟机可能占用 OSD 所需内存并触发 OOM。",
  },
  hint: {
    en: "Raise the reserved host memory to {suggestedMiB} MiB (VMs are counted at 2 vCPU / 4 GiB each).",
    "zh-CN": "请将宿主机预留内存提高到 {suggestedMiB} MiB（按每台虚拟机 2 vCPU / 4 GiB 估算）。",
  },
  variants: {
    "exceeds-ram": {
      message: {
        en: "{hostname} has {memoryGiB} GiB of memory, but its host share ({hostGiB} GiB) and {osds} OSDs × 4 GiB alone need {budgetGiB} GiB: no memory is left for VMs.",
        "zh-CN":
          "{hostname} 内存为 {memoryGiB} GiB，但仅宿主机（{hostGiB} GiB）和 {osds} 个 OSD × 4 GiB 就需要 {budgetGiB} GiB：没有剩余内存可供虚拟机使用。",
      },
      hint: {
        en: "Add memory to {hostname}, or give it the storage role instead of a hyperconverged one.",
        "zh-CN": "请为 {hostname} 扩充内存，或将其改为存储角色而非超融合角色。",
      },
    },
  },
  check(ctx) {
    const reservedMiB = ctx.state.settings.overcommit.reservedHostMemoryMiB;
    const reservedGiB = reservedMiB / 1024;
    const short: { node: Node; plan: HciMemoryPlan }[] = [];
    const hits: ReturnType<Rule["check"]> = [];
    for (const node of ctx.state.nodes) {
      if (!isHci(ctx, node)) continue;
      const plan = hciMemoryPlan(ctx, node);
      if (plan.hostGiB + plan.osdGiB >= plan.memoryGiB) {
        hits.push({
          params: {
            hostname: node.hostname,
            memoryGiB: r1(plan.memoryGiB),
            hostGiB: plan.hostGiB,
            osds: plan.osds,
            budgetGiB: plan.hostGiB + plan.osdGiB,
          },
          severity: "block",
          variant: "exceeds-ram",
          subjects: { nodes: [node.id] },
        });
      } else if (plan.budgetGiB > reservedGiB) {
        short.push({ node, plan });
      }
    }
    if (short.length > 0) {
      const worst = short.reduce((a, b) => (b.plan.budgetGiB > a.plan.budgetGiB ? b : a));
      const suggestedMiB = Math.ceil(worst.plan.budgetGiB) * 1024;
      hits.push({
        params: {
          reservedGiB: r1(reservedGiB),
          hostname: worst.node.hostname,
          budgetGiB: r1(worst.plan.budgetGiB),
          hostGiB: worst.plan.hostGiB,
          osds: worst.plan.osds,
          vms: worst.plan.vms,
          count: short.length,
          hosts: nameList(short.map((s) => s.node.hostname)),
          suggestedMiB,
        },
        subjects: {
          nodes: short.map((s) => s.node.id),
          fields: ["settings.overcommit.reservedHostMemoryMiB"],
        },
        fix: {
          action: "set-setting",
          params: { path: "overcommit.reservedHostMemoryMiB", value: suggestedMiB },
          label: localize(
            { en: "Reserve {value} MiB for the host", "zh-CN": "为宿主机预留 {value} MiB" },
            { value: suggestedMiB },
          ),
        },
      });
    }
    return hits;
  },
};

const hciNoRamOvercommit: Rule = {
  id: "hci-no-ram-overcommit",
  category: "hci",
  severity: "block",
  operations: ["validate", "deploy", "add-nodes", "change-roles", "change-settings"],
  steps: ["settings"],
  override: "none",
  message: {
    en: "The RAM overcommit ratio is {ratio}, but {count} node(s) run VMs beside Ceph OSDs ({hosts}): an overcommitted guest would take memory the OSDs need.",
    "zh-CN":
      "内存超分比为 {ratio}，但有 {count} 个节点同时运行虚拟机和 Ceph OSD（{hosts}）：超分的虚拟机会占用 OSD 所需的内存。",
  },
  hint: {
    en: "Set the RAM overcommit ratio to {required} on hyperconverged clusters.",
    "zh-CN": "超融合集群请将内存超分比设为 {required}。",
  },
  check(ctx) {
    const ratio = ctx.state.settings.overcommit.ram;
    if (ratio === HCI_RAM_RATIO) return [];
    const nodes = ctx.state.nodes.filter((n) => isHci(ctx, n));
    if (nodes.length === 0) return [];
    return [
      {
        params: {
          ratio,
          count: nodes.length,
          hosts: nameList(nodes.map((n) => n.hostname)),
          required: HCI_RAM_RATIO,
        },
        subjects: { nodes: nodes.map((n) => n.id), fields: ["settings.overcommit.ram"] },
        fix: {
          action: "set-setting",
          params: { path: "overcommit.ram", value: HCI_RAM_RATIO },
          label: localize(
            { en: "Set RAM ratio to {value}", "zh-CN": "将内存超分比设为 {value}" },
            { value: HCI_RAM_RATIO },
          ),
        },
      },
    ];
  },
};

export const rules: Rule[] = [hciMemoryBudget, hciNoRamOvercommit];
