import { describe, expect, it } from "vitest";
import {
  expandPlan,
  mergeRetryPolicy,
  nextRetryDelaySeconds,
  toleratedFailures,
  type Plan,
  type PlanBarrier,
  type PlanInput,
  type PlanNode,
  type PlannedStep,
} from "./plan";
import { retryPolicySchema, taskGraphSchema, type StepInput, type TaskGraph } from "./schema";

function step(id: string, extra: Partial<StepInput> = {}): StepInput {
  return { id, type: "shell", script: `steps/${id}.sh`, selector: { all: true }, ...extra };
}

function graphOf(...steps: StepInput[]): TaskGraph {
  return taskGraphSchema.parse({ name: "deploy", steps });
}

const controllers: PlanNode[] = ["c1", "c2", "c3"].map((id) => ({
  id,
  roles: ["controller"],
  services: ["mariadb", "ceph-mon"],
}));
const computes: PlanNode[] = ["n1", "n2"].map((id) => ({
  id,
  roles: ["compute"],
  services: ["nova-compute"],
  tags: ["gpu"],
}));
const storage: PlanNode = { id: "s1", roles: ["storage"], services: ["ceph-osd"] };
const provisioner: PlanNode = { id: "p0", roles: [], provisioningNode: true };
const cluster = [...controllers, ...computes, storage, provisioner];

function plan(graph: TaskGraph, input: Partial<PlanInput> = {}): Plan {
  return expandPlan(graph, { nodes: cluster, changedSettings: [], intentKind: "deploy", ...input });
}

function steps(p: Plan): PlannedStep[] {
  return p.entries.filter((e): e is PlannedStep => e.kind === "step");
}

function entry(p: Plan, id: string) {
  const found = p.entries.find((e) => e.id === id);
  if (!found) throw new Error(`no entry ${id} in ${p.entries.map((e) => e.id).join(", ")}`);
  return found;
}

describe("selectors", () => {
  it.each([
    ["roles", { roles: ["controller"] }, ["c1", "c2", "c3"]],
    ["services", { services: ["ceph-osd", "nova-compute"] }, ["n1", "n2", "s1"]],
    ["tags", { tags: ["gpu"] }, ["n1", "n2"]],
    ["provisioning node", { provisioningNode: true }, ["p0"]],
    ["all", { all: true }, ["c1", "c2", "c3", "n1", "n2", "p0", "s1"]],
    ["roles or tags", { roles: ["storage"], tags: ["gpu"] }, ["n1", "n2", "s1"]],
  ])("selects by %s", (_label, selector, nodeIds) => {
    const p = plan(graphOf(step("x", { selector })));
    expect(steps(p).map((e) => e.nodeId)).toEqual(nodeIds);
    expect(steps(p).map((e) => e.id)).toEqual(nodeIds.map((n) => `x@${n}`));
  });
});

describe("same-node dependencies", () => {
  it("links requires only on nodes that run both steps, and treats requiredFor as its mirror", () => {
    const p = plan(
      graphOf(
        step("netconfig"),
        step("mariadb", { selector: { roles: ["controller"] }, requires: ["netconfig"] }),
        step("keystone", { selector: { roles: ["controller", "compute"] }, requires: ["mariadb"] }),
        step("hosts", { requiredFor: ["keystone"] }),
      ),
    );
    expect(entry(p, "mariadb@c1").dependsOn).toEqual(["netconfig@c1"]);
    expect(entry(p, "keystone@c2").dependsOn).toEqual(["mariadb@c2", "hosts@c2"]);
    // n1 runs keystone but not mariadb: nothing to wait for on that node.
    expect(entry(p, "keystone@n1").dependsOn).toEqual(["hosts@n1"]);
  });
});

describe("cross-node dependencies", () => {
  const graph = graphOf(
    step("ceph-mon", { selector: { roles: ["controller"] } }),
    step("ceph-osd", {
      selector: { roles: ["storage"] },
      crossDepends: [{ step: "ceph-mon", role: "controller", policy: "all" }],
    }),
    step("nova-compute", {
      selector: { roles: ["compute"] },
      crossDepends: [
        { step: "ceph-mon", role: "ceph-mon", policy: "any" },
        { step: "ceph-osd", role: "self" },
      ],
    }),
    step("report", {
      selector: { provisioningNode: true },
      crossDepends: [{ step: "nova-compute", role: "*", policy: "all" }],
    }),
  );

  it("waits for all members through one barrier per (step, role, policy)", () => {
    const p = plan(graph);
    const barrier = entry(p, "ceph-mon#all:controller") as PlanBarrier;
    expect(barrier).toEqual({
      kind: "barrier",
      id: "ceph-mon#all:controller",
      stepId: "ceph-mon",
      role: "controller",
      policy: "all",
      join: "all",
      dependsOn: ["ceph-mon@c1", "ceph-mon@c2", "ceph-mon@c3"],
    });
    expect(entry(p, "ceph-osd@s1").dependsOn).toEqual(["ceph-mon#all:controller"]);
  });

  it("represents policy any as a barrier that joins on any member, matching roles or services", () => {
    const p = plan(graph);
    const any = entry(p, "ceph-mon#any:ceph-mon") as PlanBarrier;
    expect(any.join).toBe("any");
    expect(any.dependsOn).toEqual(["ceph-mon@c1", "ceph-mon@c2", "ceph-mon@c3"]);
    expect(entry(p, "nova-compute@n1").dependsOn).toEqual(["ceph-mon#any:ceph-mon"]);
  });

  it("makes role self a direct edge on the same node only", () => {
    const p = plan(graphOf(step("a"), step("b", { crossDepends: [{ step: "a", role: "self" }] })));
    expect(entry(p, "b@n2").dependsOn).toEqual(["a@n2"]);
    expect(p.counts.barriers).toBe(0);
  });

  it("gives an empty barrier when no node runs the awaited step there (satisfied at once)", () => {
    const p = plan(graph, { nodes: [...controllers, provisioner] });
    expect((entry(p, "nova-compute#all:*") as PlanBarrier).dependsOn).toEqual([]);
    expect(entry(p, "report@p0").dependsOn).toEqual(["nova-compute#all:*"]);
  });

  it("keeps edges linear: all-to-all over 1,000 nodes is 2,000 edges, not 1,000,000", () => {
    const nodes: PlanNode[] = Array.from({ length: 1000 }, (_, i) => ({
      id: `node-${String(i).padStart(4, "0")}`,
      roles: ["compute"],
    }));
    const p = expandPlan(
      graphOf(step("a"), step("b", { crossDepends: [{ step: "a", role: "*", policy: "all" }] })),
      {
        nodes,
        changedSettings: [],
        intentKind: "deploy",
      },
    );
    expect(p.counts).toEqual({ planned: 2000, skipped: 0, barriers: 1, edges: 2000 });
  });
});

describe("conditions", () => {
  const graph = graphOf(
    step("os", { condition: { when: "added-nodes" } }),
    step("ntp", {
      condition: { when: "settings-changed", settings: ["ntp.servers", "ntp.clients"] },
    }),
    step("cleanup", { condition: { when: "removed-nodes" } }),
    step("hosts"),
  );
  const nodes: PlanNode[] = [
    { id: "old", roles: ["compute"] },
    { id: "new", roles: ["compute"], added: true },
    { id: "gone", roles: ["compute"], removed: true },
  ];
  const status = (p: Plan) => Object.fromEntries(steps(p).map((e) => [e.id, e.status]));

  it("skips added-node steps on existing nodes with a reason, and runs them on added ones", () => {
    const p = plan(graph, { nodes, intentKind: "add-nodes" });
    const skipped = entry(p, "os@old") as PlannedStep;
    expect(skipped.status).toBe("skipped");
    expect(skipped.reason).toEqual({
      code: "not-added",
      params: { node: "old" },
      message: {
        en: "Runs only on nodes added by this operation; old is already in the cluster.",
        "zh-CN": "仅在本次操作新增的节点上运行；old 已在集群中。",
      },
    });
    expect(status(p)["os@new"]).toBe("planned");
  });

  it("runs only removal steps on a node being removed", () => {
    const p = plan(graph, { nodes, intentKind: "remove-nodes" });
    expect(status(p)).toMatchObject({
      "cleanup@gone": "planned",
      "hosts@gone": "skipped",
      "cleanup@old": "skipped",
      "hosts@old": "planned",
    });
    expect((entry(p, "hosts@gone") as PlannedStep).reason?.code).toBe("node-removed");
    expect((entry(p, "cleanup@old") as PlannedStep).reason?.message.en).toBe(
      "Runs only on nodes being removed; old stays in the cluster.",
    );
  });

  it.each([
    [["dns.servers"], "skipped"],
    [["ntp.servers"], "planned"],
    [["ntp"], "planned"],
    [["ntp.servers.0"], "planned"],
    [["ntpd"], "skipped"],
  ])("with changed settings %j the NTP step is %s", (changedSettings, expected) => {
    const p = plan(graph, { nodes, changedSettings, intentKind: "change-settings" });
    const ntp = entry(p, "ntp@old") as PlannedStep;
    expect(ntp.status).toBe(expected);
    if (expected === "skipped")
      expect(ntp.reason?.message).toEqual({
        en: "Runs only when ntp.servers, ntp.clients change; unchanged since the last deploy.",
        "zh-CN": "仅在 ntp.servers, ntp.clients 变更时运行；自上次部署以来未变更。",
      });
  });

  it("runs everything on a first deploy: every node is new and every setting is set", () => {
    const p = plan(graph, { nodes: nodes.slice(0, 2), intentKind: "deploy" });
    expect(p.counts.skipped).toBe(2);
    expect(
      steps(p)
        .filter((e) => e.status === "skipped")
        .map((e) => e.stepId),
    ).toEqual(["cleanup", "cleanup"]);
  });

  it("keeps skipped entries in the DAG so dependents do not lose their order", () => {
    const p = plan(
      graphOf(
        step("os", { condition: { when: "added-nodes" } }),
        step("agent", { requires: ["os"] }),
      ),
      {
        nodes,
        intentKind: "add-nodes",
      },
    );
    expect(entry(p, "agent@old").dependsOn).toEqual(["os@old"]);
    expect((entry(p, "os@old") as PlannedStep).status).toBe("skipped");
  });
});

describe("plan shape", () => {
  const graph = graphOf(
    step("report", {
      selector: { provisioningNode: true },
      crossDepends: [{ step: "deploy", role: "compute" }],
    }),
    step("deploy", {
      selector: { roles: ["compute"] },
      requires: ["prepare"],
      strategy: { type: "parallel", amount: 10 },
      faultTolerance: "10%",
      timeoutSeconds: 900,
    }),
    step("prepare", { strategy: { type: "one_by_one" }, faultTolerance: 5 }),
  );
  const many: PlanNode[] = Array.from({ length: 25 }, (_, i) => ({
    id: `node-${String(i).padStart(2, "0")}`,
    roles: ["compute"],
  }));
  const input = {
    nodes: [...many, provisioner],
    changedSettings: [],
    intentKind: "deploy" as const,
  };

  it("lists entries in a topological order: every dependency comes earlier", () => {
    const p = expandPlan(graph, input);
    const seen = new Set<string>();
    for (const e of p.entries) {
      for (const d of e.dependsOn) expect(seen.has(d), `${e.id} depends on later ${d}`).toBe(true);
      seen.add(e.id);
    }
    expect([...new Set(steps(p).map((e) => e.stepId))]).toEqual(["prepare", "deploy", "report"]);
  });

  it("is deterministic whatever the order of the input nodes", () => {
    const reversed = expandPlan(graph, { ...input, nodes: [...input.nodes].reverse() });
    expect(reversed).toEqual(expandPlan(graph, input));
  });

  it("carries timeout, retry and strategy per entry and resolves fault tolerance per group", () => {
    const p = expandPlan(graph, input);
    expect(entry(p, "deploy@node-00")).toMatchObject({
      timeoutSeconds: 900,
      strategy: { type: "parallel", amount: 10 },
      group: "deploy",
    });
    expect(p.groups).toEqual([
      {
        stepId: "prepare",
        strategy: { type: "one_by_one" },
        faultTolerance: 5,
        toleratedFailures: 5,
        planned: 26,
        skipped: 0,
      },
      {
        stepId: "deploy",
        strategy: { type: "parallel", amount: 10 },
        faultTolerance: "10%",
        toleratedFailures: 2,
        planned: 25,
        skipped: 0,
      },
      {
        stepId: "report",
        strategy: { type: "parallel" },
        faultTolerance: 0,
        toleratedFailures: 0,
        planned: 1,
        skipped: 0,
      },
    ]);
  });

  it("refuses graphs that were not validated and duplicate nodes", () => {
    const cyclic = graphOf(step("a", { requires: ["b"] }), step("b", { requires: ["a"] }));
    expect(() => expandPlan(cyclic, input)).toThrow("task graph deploy has a cycle (a → b → a)");
    expect(() => expandPlan(graphOf(step("a", { requires: ["zz"] })), input)).toThrow(
      "step a names unknown step zz",
    );
    expect(() =>
      expandPlan(graphOf(step("a")), {
        ...input,
        nodes: [computes[0] as PlanNode, computes[0] as PlanNode],
      }),
    ).toThrow("node n1 is listed twice");
  });
});

describe("retry policy", () => {
  const stepPolicy = retryPolicySchema.parse({
    maxAttempts: 3,
    initialIntervalSeconds: 2,
    maxIntervalSeconds: 10,
    nonRetryableExitCodes: [2],
  });

  it.each([
    [undefined, { maxAttempts: 3 }],
    [{ retries: 0 }, { maxAttempts: 1 }],
    [{ retries: 4 }, { maxAttempts: 5 }],
    [{ maxAttempts: 7 }, { maxAttempts: 7 }],
    [{ nonRetryableExitCodes: [] }, { maxAttempts: 3, nonRetryableExitCodes: [] }],
    [{ initialIntervalSeconds: 30 }, { initialIntervalSeconds: 30, maxIntervalSeconds: 30 }],
  ])("merges launch override %j", (override, expected) => {
    expect(mergeRetryPolicy(stepPolicy, override)).toEqual({ ...stepPolicy, ...expected });
  });

  it("refuses an override with both retries and maxAttempts", () => {
    expect(() => mergeRetryPolicy(stepPolicy, { retries: 1, maxAttempts: 2 })).toThrow(
      "either retries or maxAttempts",
    );
  });

  it("applies the launch override to every entry of the plan", () => {
    const p = plan(graphOf(step("a", { retry: { maxAttempts: 5 } }), step("b")), {
      retryOverride: { retries: 0 },
    });
    expect(new Set(steps(p).map((e) => e.retry.maxAttempts))).toEqual(new Set([1]));
  });

  it("backs off exponentially up to the maximum and stops at the last attempt or a non-retryable code", () => {
    const policy = retryPolicySchema.parse({
      maxAttempts: 6,
      initialIntervalSeconds: 1,
      backoffCoefficient: 2,
      maxIntervalSeconds: 10,
      nonRetryableExitCodes: [64],
    });
    expect([1, 2, 3, 4, 5].map((attempt) => nextRetryDelaySeconds(policy, attempt, 1))).toEqual([
      1, 2, 4, 8, 10,
    ]);
    expect(nextRetryDelaySeconds(policy, 6, 1)).toBeNull();
    expect(nextRetryDelaySeconds(policy, 1, 64)).toBeNull();
    expect(nextRetryDelaySeconds(policy, 1, null)).toBe(1);
  });

  it("resolves fault tolerance as a count (capped) or a percentage rounded down", () => {
    expect(toleratedFailures(3, 10)).toBe(3);
    expect(toleratedFailures(30, 10)).toBe(10);
    expect(toleratedFailures("10%", 25)).toBe(2);
    expect(toleratedFailures("100%", 7)).toBe(7);
    expect(toleratedFailures("0%", 7)).toBe(0);
  });
});
