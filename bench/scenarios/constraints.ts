/**
 * Evaluating every rule for a 5,000-node cluster (goal ≤ 50 ms). The nodes are the lab fleet's
 * deterministic inventory (real server profiles and small VMs, x86_64 and aarch64), given roles by
 * their class, with management and storage addresses, on a hyperconverged cluster; some lab nodes
 * are too small for their role, so the rules also produce findings, as a real check would.
 */
import { evaluate } from "../../domain/constraints/engine";
import { impact } from "../../domain/constraints/impact";
import { allRules } from "../../domain/constraints/registry";
import { defaultLicense, defaultSettings, makeState } from "../../domain/constraints/testing";
import { labNodes } from "../../domain/lab/inventory";
import type { ClusterState, Network, Node } from "../../domain/model";

const NODES = 5000;
const RUNS = 7;

const ROLE_OF_CLASS: Record<string, string> = {
  "controller-class": "controller",
  "compute-class": "compute",
  "storage-class": "storage",
  "hci-class": "hci",
};

/** 10.0.0.0/16-style address number i (from .0.11 upward). */
function address(prefix: string, i: number): string {
  const n = i + 11;
  return `${prefix}.${Math.floor(n / 256)}.${n % 256}`;
}

export function clusterState(): ClusterState {
  const nodes: Node[] = labNodes(NODES, { profile: "mixed", seed: 7 }).map((node, i) => {
    const cls = node.tags.find((t) => t in ROLE_OF_CLASS) ?? "compute-class";
    return {
      ...node,
      status: "ready",
      roles: [ROLE_OF_CLASS[cls] as string],
      addresses: { management: address("10.0", i), storage: address("10.1", i) },
    };
  });
  const networks: Network[] = [
    {
      name: "provisioning",
      cidr: "10.20.0.0/16",
      vlan: null,
      gateway: "10.20.0.1",
      mtu: 1500,
      ranges: [],
      vips: [],
    },
    {
      name: "management",
      cidr: "10.0.0.0/16",
      vlan: 101,
      gateway: "10.0.0.1",
      mtu: 1500,
      ranges: [],
      vips: [{ name: "internal", address: "10.0.0.10" }],
    },
    { name: "storage", cidr: "10.1.0.0/16", vlan: 102, mtu: 9000, ranges: [], vips: [] },
    {
      name: "public",
      cidr: "198.18.0.0/16",
      vlan: null,
      gateway: "198.18.0.1",
      mtu: 1500,
      ranges: [{ start: "198.18.1.0", end: "198.18.255.254", purpose: "floating" }],
      vips: [{ name: "public", address: "198.18.0.10" }],
    },
    { name: "tenant", cidr: "10.2.0.0/16", vlan: 103, mtu: 1500, ranges: [], vips: [] },
  ];
  const base = makeState({ nodes: [] });
  return {
    ...base,
    cluster: { ...base.cluster, kind: "hyperconverged" },
    nodes,
    networks,
    settings: { ...defaultSettings(), dhcp: { start: "10.20.1.0", end: "10.20.200.255" } },
    license: {
      ...defaultLicense(),
      maxNodes: 10_000,
      maxCpuSockets: 20_000,
      features: ["hci", "aarch64"],
    },
    cephUsedBytes: 2e15,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Median milliseconds of `RUNS` runs after one warm-up run (so the JIT is not what is measured). */
function measure(run: () => unknown): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return Math.round(median(times) * 10) / 10;
}

export default {
  name: "constraints",
  async run() {
    const state = clusterState();
    const removeTen = {
      kind: "remove-nodes" as const,
      nodeIds: state.nodes.slice(100, 110).map((n) => n.id),
    };
    const findings = evaluate(state, { kind: "deploy" });
    return {
      evaluate_5000_nodes_ms: measure(() => evaluate(state, { kind: "deploy" })),
      evaluate_5000_nodes_validate_ms: measure(() => evaluate(state, { kind: "validate" })),
      evaluate_5000_nodes_remove_10_ms: measure(() => evaluate(state, removeTen)),
      impact_5000_nodes_remove_10_ms: measure(() => impact(state, removeTen)),
      evaluate_5000_nodes_rules: allRules.length,
      evaluate_5000_nodes_findings: findings.length,
    };
  },
};
