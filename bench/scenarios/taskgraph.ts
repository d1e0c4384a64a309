/**
 * Planning a 20-step deploy graph for a 5,000-node cluster (goal ≤ 2 s). The graph mirrors a real
 * deploy: per-node base configuration, controller services one by one, Ceph monitors before OSDs
 * (policy all), computes waiting for any monitor and for all API controllers, and a final check
 * that waits for every node — the shapes that would be quadratic without barriers.
 */
import { expandPlan, type PlanNode } from "../../domain/taskgraph/plan";
import { taskGraphSchema, type StepInput } from "../../domain/taskgraph/schema";

const NODES = 5000;
const RUNS = 5;

function deployGraph() {
  const s = (id: string, extra: Partial<StepInput>): StepInput => ({
    id,
    type: "shell",
    script: `steps/${id}.sh`,
    selector: { all: true },
    ...extra,
  });
  const controller = { roles: ["controller"] };
  const steps: StepInput[] = [
    s("hostname", {}),
    s("hosts", { requires: ["hostname"] }),
    s("dns", { requires: ["hosts"], condition: { when: "settings-changed", settings: ["dns"] } }),
    s("ntp-server", {
      selector: controller,
      condition: { when: "settings-changed", settings: ["ntp"] },
    }),
    s("ntp-client", {
      selector: { roles: ["compute", "storage"] },
      crossDepends: [{ step: "ntp-server", role: "controller", policy: "any" }],
    }),
    s("sysctl", { requires: ["hosts"] }),
    s("container-runtime", { requires: ["sysctl"], retry: { maxAttempts: 3 } }),
    s("mariadb", {
      selector: controller,
      requires: ["container-runtime"],
      strategy: { type: "one_by_one" },
    }),
    s("rabbitmq", { selector: controller, requires: ["container-runtime"] }),
    s("keystone", { selector: controller, requires: ["mariadb", "rabbitmq"] }),
    s("ceph-mon", { selector: controller, requires: ["container-runtime"] }),
    s("ceph-osd", {
      selector: { roles: ["storage"] },
      requires: ["container-runtime"],
      crossDepends: [{ step: "ceph-mon", role: "controller", policy: "all" }],
      strategy: { type: "parallel", amount: 100 },
      faultTolerance: "5%",
    }),
    s("glance", {
      selector: controller,
      requires: ["keystone"],
      crossDepends: [{ step: "ceph-osd", role: "storage", policy: "any" }],
    }),
    s("nova-api", { selector: controller, requires: ["keystone"] }),
    s("neutron-server", { selector: controller, requires: ["keystone"] }),
    s("nova-compute", {
      selector: { roles: ["compute"] },
      requires: ["container-runtime", "ntp-client"],
      crossDepends: [
        { step: "nova-api", role: "controller", policy: "all" },
        { step: "ceph-mon", role: "controller", policy: "any" },
      ],
      strategy: { type: "parallel", amount: 200 },
      faultTolerance: "10%",
    }),
    s("neutron-agent", {
      selector: { roles: ["compute"] },
      requires: ["nova-compute"],
      crossDepends: [{ step: "neutron-server", role: "controller", policy: "all" }],
    }),
    s("k8s-control-plane", {
      selector: controller,
      requires: ["container-runtime"],
      strategy: { type: "one_by_one" },
    }),
    s("k8s-join", {
      requires: ["container-runtime"],
      crossDepends: [{ step: "k8s-control-plane", role: "controller", policy: "all" }],
      faultTolerance: "5%",
    }),
    s("post-deploy-check", {
      selector: controller,
      crossDepends: [{ step: "k8s-join", role: "*", policy: "all" }],
    }),
  ];
  return taskGraphSchema.parse({ name: "deploy", steps });
}

/** The dense case: every step on every node, each waiting for the previous one on all or any node. */
function denseGraph() {
  const steps: StepInput[] = Array.from({ length: 20 }, (_, i) => ({
    id: `step-${i}`,
    type: "shell",
    script: `steps/step-${i}.sh`,
    selector: { all: true },
    requires: i > 0 ? [`step-${i - 1}`] : [],
    crossDepends:
      i > 0 ? [{ step: `step-${i - 1}`, role: "*", policy: i % 2 === 0 ? "all" : "any" }] : [],
    condition: { when: i % 3 === 0 ? "always" : "added-nodes" },
  }));
  return taskGraphSchema.parse({ name: "dense", steps });
}

function clusterNodes(): PlanNode[] {
  return Array.from({ length: NODES }, (_, i) => {
    const id = `node-${String(i + 1).padStart(5, "0")}`;
    if (i < 3) return { id, roles: ["controller"] };
    // Every fifth node is hyperconverged (compute + storage), every fifth after it storage only.
    if (i % 5 === 0) return { id, roles: ["compute", "storage"] };
    if (i % 5 === 1) return { id, roles: ["storage"] };
    return { id, roles: ["compute"] };
  });
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
  name: "taskgraph",
  async run() {
    const nodes = clusterNodes();
    const graph = deployGraph();
    const input = {
      nodes,
      changedSettings: ["ntp.servers"],
      intentKind: "change-settings" as const,
    };
    const plan = expandPlan(graph, input);
    const dense = denseGraph();
    const addHalf = {
      nodes: nodes.map((n, i) => ({ ...n, added: i % 2 === 0 })),
      changedSettings: [],
      intentKind: "add-nodes" as const,
    };
    const densePlan = expandPlan(dense, addHalf);
    return {
      plan_20_steps_5000_nodes_ms: measure(() => expandPlan(graph, input)),
      plan_20_steps_5000_nodes_entries: plan.entries.length,
      plan_20_steps_5000_nodes_edges: plan.counts.edges,
      plan_dense_20_steps_5000_nodes_ms: measure(() => expandPlan(dense, addHalf)),
      plan_dense_20_steps_5000_nodes_entries: densePlan.entries.length,
      plan_dense_20_steps_5000_nodes_edges: densePlan.counts.edges,
    };
  },
};
