/**
 * Capacity preview next to the overcommit settings, computed the way nova's placement does:
 *   schedulable vCPU = (logical CPUs − reserved host CPUs) × cpu_allocation_ratio
 *   schedulable RAM  = (RAM − reserved_host_memory_mb) × ram_allocation_ratio
 * vCPUs count logical CPUs (threads), as libvirt reports them to nova — not physical cores.
 */
import { diskNeedsFrom, planDisks } from "../disk/plan";
import type { Node, Settings } from "../model";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

export const COMPUTE_SERVICE = "nova-compute";
export const OSD_SERVICE = "ceph-osd";

/** The HCI memory budget (ANCHORS): host ≈ 4 GiB, each OSD ≈ 4 GiB (osd_memory_target), each VM ≈ 0.5 GiB of overhead. */
export const HCI_MEMORY = {
  hostGiB: 4,
  perOsdGiB: 4,
  perVmOverheadGiB: 0.5,
} as const;

export interface HciBudget {
  totalGiB: number;
  hostGiB: number;
  osdCount: number;
  osdGiB: number;
  /** Overhead of the planned VMs (QEMU, page tables): 0.5 GiB each. */
  plannedVms: number;
  vmGiB: number;
  /** What is left for guest memory after host, OSDs and VM overhead (negative: over budget). */
  availableGiB: number;
}

export interface NodeCapacity {
  nodeId: string;
  compute: boolean;
  physicalCores: number;
  threads: number;
  /** 0 for nodes without nova-compute. */
  schedulableVcpu: number;
  memoryBytes: number;
  /** 0 for nodes without nova-compute. */
  schedulableRamBytes: number;
  /** Nodes with nova-compute and ceph-osd (hyperconverged). */
  hciBudget?: HciBudget;
}

export interface CapacityOptions {
  /** VMs expected per HCI node, for the overhead line of the budget (default 0: host and OSDs only). */
  plannedVmsPerNode?: number;
  /** OSDs of a node; defaults to the OSD disks the disk planner finds. */
  osdCountOf?: (node: Node) => number;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function defaultOsdCount(node: Node, services: ReadonlySet<string>): number {
  const result = planDisks(
    node,
    diskNeedsFrom({ containersGiB: 0, installDiskGB: 0, dataDisks: 0, dataDiskGB: 0 }, services),
  );
  if (result.ok) return result.plan.osdDisks.length;
  // No OS disk fits: count fixed disks beyond one, the best guess until the disks are fixed.
  return Math.max(0, node.hardware.disks.filter((d) => !d.removable).length - 1);
}

export function nodeCapacity(
  node: Node,
  settings: Settings,
  services: ReadonlySet<string>,
  options: CapacityOptions = {},
): NodeCapacity {
  const { cpu, ram, reservedHostMemoryMiB, reservedHostCpus } = settings.overcommit;
  const compute = services.has(COMPUTE_SERVICE);
  const threads = node.hardware.cpu.threads;
  const memoryBytes = node.hardware.memoryBytes;
  const capacity: NodeCapacity = {
    nodeId: node.id,
    compute,
    physicalCores: node.hardware.cpu.cores,
    threads,
    schedulableVcpu: compute ? Math.floor(Math.max(0, threads - reservedHostCpus) * cpu) : 0,
    memoryBytes,
    schedulableRamBytes: compute
      ? Math.floor(Math.max(0, memoryBytes - reservedHostMemoryMiB * MiB) * ram)
      : 0,
  };
  if (compute && services.has(OSD_SERVICE)) {
    const osdCount = options.osdCountOf
      ? options.osdCountOf(node)
      : defaultOsdCount(node, services);
    const plannedVms = options.plannedVmsPerNode ?? 0;
    const totalGiB = round2(memoryBytes / GiB);
    const osdGiB = HCI_MEMORY.perOsdGiB * osdCount;
    const vmGiB = HCI_MEMORY.perVmOverheadGiB * plannedVms;
    capacity.hciBudget = {
      totalGiB,
      hostGiB: HCI_MEMORY.hostGiB,
      osdCount,
      osdGiB,
      plannedVms,
      vmGiB,
      availableGiB: round2(totalGiB - HCI_MEMORY.hostGiB - osdGiB - vmGiB),
    };
  }
  return capacity;
}

export interface ClusterCapacity {
  nodes: NodeCapacity[];
  /** Sums over nodes carrying nova-compute: what VMs can be scheduled on. */
  totals: {
    computeNodes: number;
    physicalCores: number;
    threads: number;
    schedulableVcpu: number;
    memoryBytes: number;
    schedulableRamBytes: number;
  };
}

export function clusterCapacity(
  nodes: readonly Node[],
  settings: Settings,
  servicesOf: (node: Node) => ReadonlySet<string>,
  options: CapacityOptions = {},
): ClusterCapacity {
  const totals = {
    computeNodes: 0,
    physicalCores: 0,
    threads: 0,
    schedulableVcpu: 0,
    memoryBytes: 0,
    schedulableRamBytes: 0,
  };
  const list = nodes.map((node) => {
    const c = nodeCapacity(node, settings, servicesOf(node), options);
    if (c.compute) {
      totals.computeNodes++;
      totals.physicalCores += c.physicalCores;
      totals.threads += c.threads;
      totals.schedulableVcpu += c.schedulableVcpu;
      totals.memoryBytes += c.memoryBytes;
      totals.schedulableRamBytes += c.schedulableRamBytes;
    }
    return c;
  });
  return { nodes: list, totals };
}
