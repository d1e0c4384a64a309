/**
 * Hardware per role: what the discovered machine has against what its roles need. Requirements come
 * from the release's catalog (roles' own minimums, or the sum of their services' for custom roles).
 */
import type { Node } from "../../model";
import {
  COMPUTE_SERVICE,
  GiB,
  NODE_OPS,
  OSD_SERVICE,
  nameList,
  requirementsOf,
  round1,
} from "../facts";
import type { Hit, Rule } from "../types";

/** Ceph's recommendation for the cluster (replication) network; 1 GbE saturates during recovery. */
export const STORAGE_NIC_MIN_MBPS = 10_000;

/** Groups per-node hits that say the same thing (same figures, same roles): 900 small VMs make one finding. */
function grouped(): { add(key: string, node: Node, make: () => Hit): void; hits(): Hit[] } {
  const groups = new Map<string, { hit: Hit; nodes: Node[] }>();
  return {
    add(key, node, make) {
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { hit: make(), nodes: [] }));
      group.nodes.push(node);
    },
    hits() {
      return [...groups.values()].map(({ hit, nodes }) => ({
        ...hit,
        params: {
          ...hit.params,
          count: nodes.length,
          hosts: nameList(nodes.map((n) => n.hostname)),
        },
        subjects: { nodes: nodes.map((n) => n.id) },
      }));
    },
  };
}

const hostMinHwForRole: Rule = {
  id: "host-min-hw-for-role",
  category: "hardware",
  severity: "block",
  operations: NODE_OPS,
  steps: ["roles", "discover"],
  override: "force",
  message: {
    en: "{count} node(s) have {cores} CPU cores; their roles ({roles}) need at least {needCores}: {hosts}.",
    "zh-CN":
      "有 {count} 个节点只有 {cores} 个 CPU 物理核，其角色（{roles}）至少需要 {needCores} 个：{hosts}。",
  },
  hint: {
    en: "Give these nodes a lighter role, or use servers with {needCores} or more cores.",
    "zh-CN": "请为这些节点分配负载更轻的角色，或换用至少 {needCores} 核的服务器。",
  },
  variants: {
    memory: {
      message: {
        en: "{count} node(s) have {memoryGiB} GiB of memory; their roles ({roles}) need at least {needMemoryGiB} GiB: {hosts}.",
        "zh-CN":
          "有 {count} 个节点内存只有 {memoryGiB} GiB，其角色（{roles}）至少需要 {needMemoryGiB} GiB：{hosts}。",
      },
      hint: {
        en: "Give these nodes a lighter role, or add memory up to {needMemoryGiB} GiB or more.",
        "zh-CN": "请为这些节点分配负载更轻的角色，或将内存扩充到至少 {needMemoryGiB} GiB。",
      },
    },
  },
  check(ctx) {
    const groups = grouped();
    for (const node of ctx.state.nodes) {
      if (node.roles.length === 0) continue;
      const req = requirementsOf(ctx, node);
      const roles = node.roles.join(", ");
      const cores = node.hardware.cpu.cores;
      if (cores < req.cores) {
        groups.add(`c|${roles}|${cores}|${req.cores}`, node, () => ({
          params: { cores, needCores: req.cores, roles },
        }));
      }
      const memoryGiB = round1(node.hardware.memoryBytes / GiB);
      // Firmware and the kernel keep a little of the installed memory: allow 3% below the nominal size.
      if (memoryGiB < req.memoryGiB * 0.97) {
        groups.add(`m|${roles}|${memoryGiB}|${req.memoryGiB}`, node, () => ({
          params: { memoryGiB, needMemoryGiB: req.memoryGiB, roles },
          variant: "memory",
        }));
      }
    }
    return groups.hits();
  },
};

const computeVirtExtensions: Rule = {
  id: "compute-virt-extensions",
  category: "hardware",
  severity: "block",
  operations: NODE_OPS,
  steps: ["roles", "discover"],
  override: "none",
  message: {
    en: "{count} node(s) with {model} report no hardware virtualisation (VT-x/AMD-V: no vmx or svm CPU flag), but their roles ({roles}) run virtual machines: {hosts}.",
    "zh-CN":
      "有 {count} 个 {model} 节点未报告硬件虚拟化支持（VT-x/AMD-V：CPU 无 vmx 或 svm 标志），但其角色（{roles}）需要运行虚拟机：{hosts}。",
  },
  hint: {
    en: "Enable Intel VT-x or AMD-V (SVM) in the BIOS and rediscover the nodes, or give them a role without nova-compute.",
    "zh-CN":
      "请在 BIOS 中开启 Intel VT-x 或 AMD-V（SVM）后重新发现这些节点，或为其分配不含 nova-compute 的角色。",
  },
  variants: {
    aarch64: {
      message: {
        en: "{count} aarch64 node(s) with {model} have no /dev/kvm (the CPU did not boot at EL2), but their roles ({roles}) run virtual machines: {hosts}.",
        "zh-CN":
          "有 {count} 个 {model}（aarch64）节点没有 /dev/kvm（CPU 未以 EL2 启动），但其角色（{roles}）需要运行虚拟机：{hosts}。",
      },
      hint: {
        en: "Enable virtualisation in the firmware (boot the kernel at EL2) and rediscover the nodes, or give them a role without nova-compute.",
        "zh-CN":
          "请在固件中开启虚拟化（使内核以 EL2 启动）后重新发现这些节点，或为其分配不含 nova-compute 的角色。",
      },
    },
  },
  check(ctx) {
    const groups = grouped();
    for (const node of ctx.state.nodes) {
      const cpu = node.hardware.cpu;
      if (
        cpu.virtualization !== "none" ||
        node.roles.length === 0 ||
        !requirementsOf(ctx, node).virtualization
      )
        continue;
      const roles = node.roles.join(", ");
      groups.add(`${cpu.arch}|${cpu.model}|${roles}`, node, () => ({
        params: { model: cpu.model, roles },
        ...(cpu.arch === "aarch64" ? { variant: "aarch64" } : {}),
      }));
    }
    return groups.hits();
  },
};

const computeMixedArch: Rule = {
  id: "compute-mixed-arch",
  category: "hardware",
  severity: "info",
  operations: NODE_OPS,
  steps: ["roles"],
  override: "none",
  message: {
    en: "The hypervisors mix architectures ({x86} x86_64, {arm} aarch64): virtual machines can only migrate or resize between hosts of the same architecture.",
    "zh-CN":
      "计算节点混合了不同架构（x86_64 {x86} 个，aarch64 {arm} 个）：虚拟机只能在相同架构的主机之间迁移或调整规格。",
  },
  hint: {
    en: "Upload images for both architectures (hw_architecture property) and group the hosts in per-architecture aggregates.",
    "zh-CN":
      "请为两种架构分别上传镜像（设置 hw_architecture 属性），并按架构将主机划分到不同的主机聚合。",
  },
  check(ctx) {
    let x86 = 0;
    let arm = 0;
    for (const node of ctx.nodesWithService(COMPUTE_SERVICE)) {
      if (node.hardware.cpu.arch === "aarch64") arm++;
      else x86++;
    }
    return x86 > 0 && arm > 0 ? [{ params: { x86, arm } }] : [];
  },
};

const storageNicSpeed: Rule = {
  id: "storage-nic-speed",
  category: "hardware",
  severity: "warn",
  operations: NODE_OPS,
  steps: ["roles", "discover"],
  override: "none",
  message: {
    en: "{count} Ceph storage host(s) have no NIC faster than {fastestGbps} Gb/s ({hosts}); recovery traffic needs {minGbps} Gb/s or more.",
    "zh-CN":
      "有 {count} 个 Ceph 存储主机的网卡速率均不超过 {fastestGbps} Gb/s（{hosts}）；数据恢复流量需要至少 {minGbps} Gb/s。",
  },
  hint: {
    en: "Put the storage network on 10 GbE or faster NICs (25 GbE is usual); check cabling if a fast NIC reports a low speed.",
    "zh-CN":
      "请将存储网络部署在 10 GbE 或更快的网卡上（通常为 25 GbE）；如果高速网卡报告的速率偏低，请检查线缆。",
  },
  check(ctx) {
    const slow: Node[] = [];
    let fastest = 0;
    for (const node of ctx.nodesWithService(OSD_SERVICE)) {
      let best = 0;
      for (const nic of node.hardware.nics)
        if ((nic.speedMbps ?? 0) > best) best = nic.speedMbps ?? 0;
      // Unknown speeds (virtual NICs, link down at discovery) are not evidence of a slow host.
      if (best === 0) continue;
      if (best < STORAGE_NIC_MIN_MBPS) {
        slow.push(node);
        fastest = Math.max(fastest, best);
      }
    }
    if (slow.length === 0) return [];
    return [
      {
        params: {
          count: slow.length,
          fastestGbps: round1(fastest / 1000),
          minGbps: STORAGE_NIC_MIN_MBPS / 1000,
          hosts: nameList(slow.map((n) => n.hostname)),
        },
        subjects: { nodes: slow.map((n) => n.id) },
      },
    ];
  },
};

export const rules: Rule[] = [
  hostMinHwForRole,
  computeVirtExtensions,
  computeMixedArch,
  storageNicSpeed,
];
