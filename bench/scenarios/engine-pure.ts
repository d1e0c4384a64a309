/**
 * A 1,000-node × 20-step deploy driven entirely through the engine's pure functions, in memory:
 * task, step and attempt transitions, the scheduler and the dependency counters, with fake agents
 * that succeed at once and a fake clock. No database, no I/O: the figure is the ceiling the pure
 * core puts on the engine, to compare with the PostgreSQL runs (it should be far above them).
 */
import { attemptTransition, newAttempt } from "../../domain/engine/attempt";
import {
  dependencyEffects,
  exceededTolerance,
  pickAttemptsToStart,
  recount,
  type GroupSlots,
  type JoinCounter,
  type ReadyStep,
} from "../../domain/engine/schedule";
import { newStep, stepTransition } from "../../domain/engine/step";
import { newTask, taskTransition } from "../../domain/engine/task";
import type {
  AttemptState,
  StepEvent,
  StepState,
  StepStatus,
  TaskCounts,
  TaskState,
  Timeouts,
} from "../../domain/engine/types";
import { expandPlan, type Plan, type PlanNode } from "../../domain/taskgraph/plan";
import { taskGraphSchema, type StepInput } from "../../domain/taskgraph/schema";

const NODES = 1000;
const MAX_IN_FLIGHT = 500;
const RUNS = 3;

/**
 * 20 steps on every node (20,000 step entries): per-node chains with parallel limits, and
 * cross-node joins through barriers (OSDs wait for the monitors on all controllers, computes for
 * the API on any controller), the shapes that cost the most counter updates.
 */
function deployGraph() {
  const s = (id: string, extra: Partial<StepInput> = {}): StepInput => ({
    id,
    type: "shell",
    script: `steps/${id}.sh`,
    selector: { all: true },
    ...extra,
  });
  const steps: StepInput[] = [
    s("hostname"),
    s("hosts", { requires: ["hostname"] }),
    s("dns", { requires: ["hosts"] }),
    s("ntp", { requires: ["hosts"] }),
    s("sysctl", { requires: ["hosts"] }),
    s("repos", { requires: ["dns"] }),
    s("packages", { requires: ["repos"], strategy: { type: "parallel", amount: 200 } }),
    s("container-runtime", { requires: ["packages", "sysctl"] }),
    s("mariadb-client", {
      requires: ["container-runtime"],
      strategy: { type: "parallel", amount: 50 },
    }),
    s("rabbitmq-client", { requires: ["container-runtime"] }),
    s("keystone-client", { requires: ["mariadb-client", "rabbitmq-client"] }),
    s("ceph-mon", { requires: ["container-runtime"] }),
    s("ceph-osd", {
      requires: ["container-runtime"],
      crossDepends: [{ step: "ceph-mon", role: "controller", policy: "all" }],
      strategy: { type: "parallel", amount: 100 },
    }),
    s("nova-api", { requires: ["keystone-client"] }),
    s("neutron-server", { requires: ["keystone-client"] }),
    s("nova-compute", {
      requires: ["ntp", "neutron-server"],
      crossDepends: [{ step: "nova-api", role: "controller", policy: "any" }],
    }),
    s("neutron-agent", { requires: ["container-runtime"] }),
    s("node-exporter", { requires: ["container-runtime"] }),
    s("firewall", { requires: ["neutron-agent", "ceph-osd"] }),
    s("final-check", { requires: ["firewall", "node-exporter", "nova-compute"] }),
  ];
  return taskGraphSchema.parse({ name: "deploy", steps });
}

function nodes(): PlanNode[] {
  return Array.from({ length: NODES }, (_, i) => ({
    id: `node-${String(i).padStart(4, "0")}`,
    roles: [i < 3 ? "controller" : i % 5 === 0 ? "storage" : "compute"],
  }));
}

interface Entry {
  key: string;
  barrier: boolean;
  nodeId: string;
  group: string;
  join: "all" | "any";
  total: number;
  remaining: number;
  failedDeps: number;
  status: StepStatus;
  step: StepState | null;
  attempt: AttemptState | null;
}

/** Runs the plan to the end; returns the number of transitions applied. */
function run(plan: Plan) {
  const timeouts: Timeouts = { attemptSeconds: 300, heartbeatSeconds: 30, queueSeconds: 0 };
  let now = 1_700_000_000_000;
  let transitions = 0;
  const entries = new Map<string, Entry>();
  const dependents = new Map<string, string[]>();
  const ready = new Map<string, ReadyStep>();
  const running = new Map<string, number>();
  const busy = new Set<string>();
  const failedByGroup = new Map<string, number>();
  const counts: TaskCounts = {
    total: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
    running: 0,
  };
  let task: TaskState = newTask();

  const stepEvent = (e: Entry, event: StepEvent) => {
    const r = stepTransition(e.step as StepState, event, now);
    transitions++;
    const before = e.status;
    e.step = r.state;
    e.status = r.state.status;
    if (before === "ready") ready.delete(e.key);
    if (before === "running") {
      busy.delete(e.nodeId);
      counts.running--;
      running.set(e.group, (running.get(e.group) ?? 1) - 1);
    }
    if (e.status === "ready")
      ready.set(e.key, {
        key: e.key,
        nodeId: e.nodeId,
        group: e.group,
        queuedSince: r.state.queuedSince ?? now,
      });
    if (e.status === "running") {
      busy.add(e.nodeId);
      counts.running++;
      running.set(e.group, (running.get(e.group) ?? 0) + 1);
    }
    for (const c of r.commands) {
      if (c.type === "start-attempt") e.attempt = newAttempt(`${e.key}#${c.number}`, c.number, now);
      if (c.type === "step-final") {
        if (e.status === "succeeded" || e.status === "failed" || e.status === "cancelled")
          counts[e.status]++;
        if (e.status === "failed")
          failedByGroup.set(e.group, (failedByGroup.get(e.group) ?? 0) + 1);
        finished(e);
      }
    }
  };

  const finished = (e: Entry) => {
    const keys = dependents.get(e.key) ?? [];
    const counters: JoinCounter[] = keys.map((k) => {
      const d = entries.get(k) as Entry;
      return {
        key: k,
        kind: d.barrier ? "barrier" : "step",
        join: d.join,
        total: d.total,
        remaining: d.remaining,
        failedDeps: d.failedDeps,
        status: d.status,
      };
    });
    const fx = dependencyEffects({ key: e.key, status: e.status }, counters);
    for (const c of fx.counters) {
      const d = entries.get(c.key) as Entry;
      d.remaining = c.remaining;
      d.failedDeps = c.failedDeps;
    }
    for (const s of fx.steps) stepEvent(entries.get(s.key) as Entry, s.event);
    for (const b of fx.barriers) {
      const d = entries.get(b.key) as Entry;
      d.status = b.status;
      finished(d);
    }
  };

  for (const p of plan.entries) {
    for (const dep of p.dependsOn) {
      const list = dependents.get(dep);
      if (list) list.push(p.id);
      else dependents.set(dep, [p.id]);
    }
    const join = p.kind === "barrier" ? p.join : "all";
    const c = recount(
      join,
      p.dependsOn.map((d) => (entries.get(d) as Entry).status),
    );
    const e: Entry = {
      key: p.id,
      barrier: p.kind === "barrier",
      nodeId: p.kind === "step" ? p.nodeId : "",
      group: p.kind === "step" ? p.group : "#barriers",
      join,
      total: p.dependsOn.length,
      ...c,
      status: p.kind === "step" && p.status === "skipped" ? "skipped" : "blocked",
      step:
        p.kind === "step"
          ? newStep(p.id, p.retry, { ...timeouts, attemptSeconds: p.timeoutSeconds })
          : null,
      attempt: null,
    };
    entries.set(p.id, e);
    if (e.step) {
      counts.total++;
      if (e.status === "skipped") counts.skipped++;
    }
    if (e.status === "blocked" && c.remaining === 0) {
      if (e.barrier) e.status = "succeeded";
      else stepEvent(e, { type: "dependencies-met" });
    }
  }

  const groups: Record<string, GroupSlots> = {};
  const strategies = new Map(plan.groups.map((g) => [g.stepId, g.strategy]));
  task = taskTransition(task, { type: "start" }, now).state;
  transitions++;
  let rounds = 0;
  while (task.status === "running") {
    rounds++;
    now += 1000;
    for (const [g, strategy] of strategies) groups[g] = { running: running.get(g) ?? 0, strategy };
    const picked = pickAttemptsToStart({
      ready: [...ready.values()],
      groups,
      busyNodes: busy,
      maxNodesInFlight: MAX_IN_FLIGHT,
      halted: task.halted,
      paused: false,
    });
    const started: Entry[] = [];
    for (const key of picked) {
      const e = entries.get(key) as Entry;
      stepEvent(e, { type: "attempt-started" });
      started.push(e);
    }
    // Fake agents: dispatched, started and exited 0 at once, each a real attempt transition.
    for (const e of started) {
      let a = e.attempt as AttemptState;
      for (const ev of [
        { type: "dispatch", epoch: 1 },
        { type: "started", epoch: 1 },
        { type: "heartbeat", epoch: 1 },
        { type: "exited", epoch: 1, exitCode: 0 },
      ] as const) {
        const r = attemptTransition(a, ev, now, timeouts);
        transitions++;
        a = r.state;
        for (const c of r.commands)
          if (c.type === "attempt-final")
            stepEvent(e, {
              type: "attempt-ended",
              status: c.status as "succeeded",
              exitCode: c.exitCode,
            });
      }
      e.attempt = a;
    }
    const tolerance = exceededTolerance(
      plan.groups.map((g) => ({
        group: g.stepId,
        failed: failedByGroup.get(g.stepId) ?? 0,
        tolerated: g.toleratedFailures,
      })),
    );
    task = taskTransition(
      task,
      { type: "progress", counts: { ...counts }, toleranceExceeded: tolerance !== null },
      now,
    ).state;
    transitions++;
    if (picked.length === 0 && counts.running === 0 && task.status === "running")
      throw new Error(
        `stuck after ${rounds} rounds: ${ready.size} ready, counts ${JSON.stringify(counts)}`,
      );
  }
  if (task.status !== "succeeded")
    throw new Error(`task ended ${task.status}: ${task.reason?.message.en}`);
  return { transitions, rounds, steps: counts.total, succeeded: counts.succeeded };
}

export default {
  name: "engine-pure",
  async run() {
    const plan = expandPlan(deployGraph(), {
      nodes: nodes(),
      changedSettings: [],
      intentKind: "deploy",
    });
    run(plan); // warm-up: JIT, not measured
    const times: number[] = [];
    let last = run(plan);
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      last = run(plan);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] as number;

    // The scheduler alone on its worst input: 20,000 ready steps at once.
    const ready: ReadyStep[] = [];
    for (let i = 0; i < 20_000; i++) {
      const node = `node-${i % NODES}`;
      ready.push({
        key: `s${i % 20}@${node}`,
        nodeId: node,
        group: `s${i % 20}`,
        queuedSince: (i * 7919) % 20_000,
      });
    }
    const groups = Object.fromEntries(
      Array.from({ length: 20 }, (_, g) => [`s${g}`, { running: 0, limit: 100 }]),
    );
    const pickTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      pickAttemptsToStart({
        ready,
        groups,
        busyNodes: new Set(),
        maxNodesInFlight: MAX_IN_FLIGHT,
        halted: false,
        paused: false,
      });
      pickTimes.push(performance.now() - t);
    }
    pickTimes.sort((a, b) => a - b);

    return {
      nodes: NODES,
      steps: last.steps,
      "steps succeeded": last.succeeded,
      "max nodes in flight": MAX_IN_FLIGHT,
      "scheduler rounds": last.rounds,
      transitions: last.transitions,
      "wall time (ms, median of 3)": Math.round(median),
      "transitions/s": Math.round(last.transitions / (median / 1000)),
      "pick 20,000 ready (ms, median of 5)": Number((pickTimes[2] as number).toFixed(2)),
    };
  },
};
