/**
 * Whole runs through the pure engine: a small in-memory executor carries out the commands of the
 * task, step and attempt transitions on a plan from the planner, with a fake clock. It stands in
 * for server/engine, doing only what the commands and the documented contract ask.
 */
import { describe, expect, it } from "vitest";
import { expandPlan, type Plan, type PlanNode } from "../taskgraph/plan";
import { taskGraphSchema, type StepInput } from "../taskgraph/schema";
import { attemptTransition, newAttempt } from "./attempt";
import {
  dependencyEffects,
  exceededTolerance,
  pickAttemptsToStart,
  recount,
  type JoinCounter,
  type ReadyStep,
} from "./schedule";
import { newStep, stepTransition } from "./step";
import { newTask, taskTransition } from "./task";
import {
  FINAL_ATTEMPT,
  FINAL_STEP,
  type AttemptEvent,
  type AttemptState,
  type StepEvent,
  type StepState,
  type StepStatus,
  type TaskState,
  type Timeouts,
} from "./types";

const T0 = 1_700_000_000_000;
const S = 1000;

interface Entry {
  key: string;
  kind: "step" | "barrier";
  nodeId: string;
  group: string;
  join: "all" | "any";
  total: number;
  remaining: number;
  failedDeps: number;
  /** Barriers have no step state; their status lives here. */
  barrierStatus: StepStatus;
  step: StepState | null;
  timeouts: Timeouts;
}

class Sim {
  now = T0;
  task: TaskState = newTask();
  entries = new Map<string, Entry>();
  dependents = new Map<string, string[]>();
  attempts = new Map<string, AttemptState[]>();
  epochs = new Map<string, number>();
  /** Reasons of ignored events, as the executor would log them. */
  ignored: string[] = [];
  kills: string[] = [];
  private seq = 0;

  constructor(
    readonly plan: Plan,
    readonly timeouts: Timeouts = { attemptSeconds: 300, heartbeatSeconds: 30, queueSeconds: 0 },
    readonly maxNodesInFlight = 0,
  ) {
    for (const e of plan.entries) {
      for (const dep of e.dependsOn)
        this.dependents.set(dep, [...(this.dependents.get(dep) ?? []), e.id]);
      const join = e.kind === "barrier" ? e.join : "all";
      const counts = recount(
        join,
        e.dependsOn.map((d) => this.status(d)),
      );
      const entry: Entry = {
        key: e.id,
        kind: e.kind,
        nodeId: e.kind === "step" ? e.nodeId : "",
        group: e.kind === "step" ? e.group : "#barriers",
        join,
        total: e.dependsOn.length,
        ...counts,
        barrierStatus: "blocked",
        step:
          e.kind === "step"
            ? {
                ...newStep(e.id, e.retry, { ...timeouts, attemptSeconds: e.timeoutSeconds }),
                ...(e.status === "skipped" ? { status: "skipped" as const } : {}),
              }
            : null,
        timeouts: { ...timeouts, attemptSeconds: e.kind === "step" ? e.timeoutSeconds : 0 },
      };
      this.entries.set(e.id, entry);
      const state = counts.failedDeps > 0 ? "failed" : counts.remaining === 0 ? "met" : "waiting";
      if (state === "met") {
        if (entry.kind === "barrier") entry.barrierStatus = "succeeded";
        else if (entry.step?.status === "blocked")
          this.stepEvent(entry, { type: "dependencies-met" });
      }
    }
  }

  status(key: string): StepStatus {
    const e = this.entries.get(key);
    if (!e) throw new Error(`no entry ${key}`);
    return e.step ? e.step.status : e.barrierStatus;
  }

  step(key: string): StepState {
    const e = this.entries.get(key);
    if (!e?.step) throw new Error(`no step ${key}`);
    return e.step;
  }

  latest(key: string): AttemptState {
    const list = this.attempts.get(key) ?? [];
    const a = list[list.length - 1];
    if (!a) throw new Error(`no attempt for ${key}`);
    return a;
  }

  start() {
    this.task = taskTransition(this.task, { type: "start" }, this.now).state;
    this.schedule();
  }

  /** The scheduler's pass: pick, then dispatch to each node's agent, which reports the start. */
  schedule() {
    const ready: ReadyStep[] = [];
    const busy = new Set<string>();
    const running = new Map<string, number>();
    for (const e of this.entries.values()) {
      if (!e.step) continue;
      if (e.step.status === "ready")
        ready.push({
          key: e.key,
          nodeId: e.nodeId,
          group: e.group,
          queuedSince: e.step.queuedSince ?? this.now,
        });
      if (e.step.status === "running") {
        busy.add(e.nodeId);
        running.set(e.group, (running.get(e.group) ?? 0) + 1);
      }
    }
    const groups = Object.fromEntries(
      this.plan.groups.map((g) => [
        g.stepId,
        { running: running.get(g.stepId) ?? 0, strategy: g.strategy },
      ]),
    );
    const picked = pickAttemptsToStart({
      ready,
      groups,
      busyNodes: busy,
      maxNodesInFlight: this.maxNodesInFlight,
      halted: this.task.halted,
      paused: this.task.status === "paused",
    });
    for (const key of picked) {
      const e = this.entries.get(key) as Entry;
      const r = this.stepEvent(e, { type: "attempt-started" });
      for (const c of r)
        if (c.type === "start-attempt") {
          const a = newAttempt(`a${++this.seq}`, c.number, this.now);
          this.attempts.set(key, [...(this.attempts.get(key) ?? []), a]);
          this.report(key, { type: "dispatch", epoch: this.epochs.get(e.nodeId) ?? 1 });
          this.report(key, { type: "started", epoch: this.epochs.get(e.nodeId) ?? 1 });
        }
    }
    return picked;
  }

  /** An agent (or the sweeper) reports on the latest attempt of `key`. */
  report(key: string, event: AttemptEvent) {
    const e = this.entries.get(key) as Entry;
    const list = this.attempts.get(key) as AttemptState[];
    const r = attemptTransition(list[list.length - 1] as AttemptState, event, this.now, e.timeouts);
    if (r.ignored) {
      this.ignored.push(r.ignored.code);
      return r;
    }
    list[list.length - 1] = r.state;
    for (const c of r.commands) {
      if (c.type === "send-kill") this.kills.push(`${key}:${c.reason}`);
      if (c.type === "attempt-final" && c.status !== "queued" && FINAL_ATTEMPT.has(c.status))
        this.stepEvent(e, {
          type: "attempt-ended",
          status: c.status as Extract<StepEvent, { type: "attempt-ended" }>["status"],
          exitCode: c.exitCode,
        });
    }
    return r;
  }

  stepEvent(e: Entry, event: StepEvent) {
    const r = stepTransition(e.step as StepState, event, this.now);
    if (r.ignored) {
      this.ignored.push(r.ignored.code);
      return [];
    }
    e.step = r.state;
    for (const c of r.commands) if (c.type === "step-final") this.finished(e.key);
    return r.commands;
  }

  /** A final entry updates its dependents' counters, cascading through barriers. */
  finished(key: string) {
    const status = this.status(key);
    const deps = (this.dependents.get(key) ?? []).map((k): JoinCounter => {
      const d = this.entries.get(k) as Entry;
      return {
        key: k,
        kind: d.kind,
        join: d.join,
        total: d.total,
        remaining: d.remaining,
        failedDeps: d.failedDeps,
        status: this.status(k),
      };
    });
    const fx = dependencyEffects({ key, status }, deps);
    for (const c of fx.counters) Object.assign(this.entries.get(c.key) as Entry, c);
    for (const s of fx.steps) this.stepEvent(this.entries.get(s.key) as Entry, s.event);
    for (const b of fx.barriers) {
      (this.entries.get(b.key) as Entry).barrierStatus = b.status;
      this.finished(b.key);
    }
    this.progress();
  }

  progress() {
    const counts = { total: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0, running: 0 };
    const failedByGroup = new Map<string, number>();
    for (const e of this.entries.values()) {
      if (!e.step) continue;
      counts.total++;
      const s = e.step.status;
      if (s === "succeeded" || s === "failed" || s === "skipped" || s === "cancelled") counts[s]++;
      if (s === "running") counts.running++;
      if (s === "failed") failedByGroup.set(e.group, (failedByGroup.get(e.group) ?? 0) + 1);
    }
    const tolerance = exceededTolerance(
      this.plan.groups.map((g) => ({
        group: g.stepId,
        failed: failedByGroup.get(g.stepId) ?? 0,
        tolerated: g.toleratedFailures,
      })),
    );
    const r = taskTransition(
      this.task,
      {
        type: "progress",
        counts,
        toleranceExceeded: tolerance !== null,
        ...(tolerance ? { tolerance } : {}),
      },
      this.now,
    );
    this.apply(r);
  }

  private apply(r: ReturnType<typeof taskTransition>) {
    if (r.ignored) {
      this.ignored.push(r.ignored.code);
      return;
    }
    this.task = r.state;
    for (const c of r.commands)
      if (c.type === "cancel-running")
        for (const e of this.entries.values()) {
          if (!e.step || FINAL_STEP.has(e.step.status)) continue;
          if (e.step.status === "running") this.report(e.key, { type: "cancel" });
          else this.stepEvent(e, { type: "cancel" });
        }
  }

  taskEvent(event: Parameters<typeof taskTransition>[1]) {
    this.apply(taskTransition(this.task, event, this.now));
    this.progress();
  }

  /** Moves the fake clock and fires every timer that is due, as the sweeper would. */
  advance(seconds: number) {
    this.now += seconds * S;
    for (const e of this.entries.values()) {
      if (!e.step) continue;
      if (e.step.status === "retry_wait" && e.step.readyAt !== null && e.step.readyAt <= this.now)
        this.stepEvent(e, { type: "retry-due" });
      const list = this.attempts.get(e.key);
      const a = list?.[list.length - 1];
      if (!a || FINAL_ATTEMPT.has(a.status)) continue;
      if (a.heartbeatDeadlineAt !== null && a.heartbeatDeadlineAt <= this.now)
        this.report(e.key, { type: "heartbeat-expired" });
      else if (a.status === "running" && a.deadlineAt !== null && a.deadlineAt <= this.now)
        this.report(e.key, { type: "deadline" });
    }
  }

  exit(key: string, exitCode: number) {
    return this.report(key, { type: "exited", epoch: this.latest(key).epoch, exitCode });
  }
}

/** A step with the defaults every scenario shares (shell, on all nodes) filled in. */
type Spec = Partial<StepInput> & { id: string };

function graph(...steps: Spec[]) {
  return taskGraphSchema.parse({
    name: "deploy",
    steps: steps.map((s) => ({
      type: "shell",
      script: `steps/${s.id}.sh`,
      selector: { all: true },
      ...s,
    })),
  });
}

function planOf(steps: Spec[], nodes: PlanNode[]): Plan {
  return expandPlan(graph(...steps), { nodes, changedSettings: [], intentKind: "deploy" });
}

const one: PlanNode[] = [{ id: "n1", roles: ["compute"] }];

describe("retries", () => {
  it("retry then success: the step shows succeeded with 2 attempts, both kept", () => {
    const sim = new Sim(
      planOf([{ id: "install", retry: { maxAttempts: 3, initialIntervalSeconds: 5 } }], one),
    );
    sim.start();
    sim.advance(1);
    sim.exit("install@n1", 1);
    expect(sim.step("install@n1")).toMatchObject({
      status: "retry_wait",
      readyAt: sim.now + 5 * S,
    });
    sim.advance(4);
    expect(sim.step("install@n1").status).toBe("retry_wait");
    sim.advance(1);
    expect(sim.step("install@n1").status).toBe("ready");
    sim.schedule();
    sim.exit("install@n1", 0);
    expect(sim.step("install@n1")).toMatchObject({
      status: "succeeded",
      attempts: 2,
      reason: null,
    });
    expect(sim.attempts.get("install@n1")?.map((a) => [a.number, a.status, a.exitCode])).toEqual([
      [1, "failed", 1],
      [2, "succeeded", 0],
    ]);
    expect(sim.task.status).toBe("succeeded");
  });

  it("a non-retryable exit fails at once, and the task fails", () => {
    const sim = new Sim(
      planOf([{ id: "install", retry: { maxAttempts: 5, nonRetryableExitCodes: [3] } }], one),
    );
    sim.start();
    sim.exit("install@n1", 3);
    expect(sim.step("install@n1")).toMatchObject({
      status: "failed",
      attempts: 1,
      reason: { code: "step.not-retryable" },
    });
    // Fault tolerance 0 (the default) makes the first failure halt the task, and say so.
    expect(sim.task).toMatchObject({
      status: "failed",
      halted: true,
      reason: {
        code: "task.tolerance-exceeded",
        params: { group: "install", failed: 1, tolerated: 0 },
      },
    });
  });

  it("heartbeat-expired → lost → retried per policy", () => {
    const sim = new Sim(
      planOf([{ id: "install", retry: { maxAttempts: 2, initialIntervalSeconds: 2 } }], one),
    );
    sim.start();
    sim.advance(29);
    sim.report("install@n1", { type: "heartbeat", epoch: 1 });
    sim.advance(29);
    expect(sim.latest("install@n1").status).toBe("running");
    sim.advance(2);
    expect(sim.latest("install@n1").status).toBe("lost");
    expect(sim.step("install@n1").status).toBe("retry_wait");
    sim.advance(2);
    sim.schedule();
    sim.advance(31);
    expect(sim.step("install@n1")).toMatchObject({ status: "failed", attempts: 2 });
    expect(sim.step("install@n1").reason?.message.en).toContain("agent silent for more than 30 s");
  });
});

describe("timeouts and epochs", () => {
  it("timeout → killing → timed_out only after kill-confirmed, then retried", () => {
    const sim = new Sim(
      planOf([{ id: "install", timeoutSeconds: 60, retry: { maxAttempts: 2 } }], one),
      { attemptSeconds: 60, heartbeatSeconds: 30, queueSeconds: 0 },
    );
    sim.start();
    for (let i = 0; i < 3; i++) {
      sim.advance(20);
      sim.report("install@n1", { type: "heartbeat", epoch: 1 });
    }
    expect(sim.latest("install@n1").status).toBe("killing");
    expect(sim.kills).toEqual(["install@n1:timeout"]);
    sim.advance(5);
    sim.exit("install@n1", 137);
    expect(sim.latest("install@n1").status).toBe("killing");
    expect(sim.step("install@n1").status).toBe("running");
    sim.report("install@n1", { type: "kill-confirmed", epoch: 1 });
    expect(sim.latest("install@n1")).toMatchObject({ status: "timed_out", exitCode: 137 });
    expect(sim.step("install@n1").status).toBe("retry_wait");
  });

  it("a report from a stale epoch is ignored and the current agent's report counts", () => {
    const sim = new Sim(
      planOf([{ id: "install", retry: { maxAttempts: 2, initialIntervalSeconds: 1 } }], one),
    );
    sim.start();
    sim.advance(31);
    expect(sim.latest("install@n1").status).toBe("lost");
    // The agent re-registered: its lease moved to epoch 2, and the retry is dispatched under it.
    sim.epochs.set("n1", 2);
    sim.advance(1);
    sim.schedule();
    expect(sim.latest("install@n1")).toMatchObject({ number: 2, epoch: 2 });
    const stale = sim.report("install@n1", { type: "exited", epoch: 1, exitCode: 0 });
    expect(stale.stale).toBe(true);
    expect(sim.latest("install@n1").status).toBe("running");
    sim.report("install@n1", { type: "exited", epoch: 2, exitCode: 0 });
    expect(sim.step("install@n1")).toMatchObject({ status: "succeeded", attempts: 2 });
  });
});

describe("cancel and pause", () => {
  const two: Spec[] = [{ id: "prepare" }, { id: "install", requires: ["prepare"] }];

  it("cancel mid-run kills the running attempt, cancels waiting steps, then the task is cancelled", () => {
    const sim = new Sim(planOf(two, one));
    sim.start();
    sim.advance(1);
    sim.taskEvent({ type: "cancel" });
    expect(sim.task.status).toBe("cancelling");
    expect(sim.kills).toEqual(["prepare@n1:cancel"]);
    expect(sim.step("install@n1")).toMatchObject({
      status: "cancelled",
      reason: { code: "step.cancelled-waiting" },
    });
    expect(sim.step("prepare@n1").status).toBe("running");
    sim.report("prepare@n1", { type: "kill-confirmed", epoch: 1 });
    expect(sim.step("prepare@n1")).toMatchObject({
      status: "cancelled",
      reason: { code: "step.cancelled-running" },
    });
    expect(sim.task).toMatchObject({ status: "cancelled", reason: { code: "task.cancel" } });
  });

  it("pause lets running attempts finish and starts nothing new; resume continues", () => {
    const sim = new Sim(planOf(two, one));
    sim.start();
    sim.taskEvent({ type: "pause" });
    sim.exit("prepare@n1", 0);
    expect(sim.step("install@n1").status).toBe("ready");
    expect(sim.schedule()).toEqual([]);
    expect(sim.task.status).toBe("paused");
    sim.taskEvent({ type: "resume" });
    expect(sim.schedule()).toEqual(["install@n1"]);
    sim.exit("install@n1", 0);
    expect(sim.task.status).toBe("succeeded");
  });
});

describe("strategies and fault tolerance", () => {
  const nodes: PlanNode[] = ["n1", "n2", "n3", "n4", "n5", "n6"].map((id) => ({
    id,
    roles: ["storage"],
  }));

  it("parallel amount caps attempts in flight; the global limit caps nodes", () => {
    const sim = new Sim(planOf([{ id: "osd", strategy: { type: "parallel", amount: 2 } }], nodes));
    sim.start();
    const running = () =>
      [...sim.entries.values()].filter((e) => e.step?.status === "running").length;
    expect(running()).toBe(2);
    sim.exit("osd@n1", 0);
    sim.schedule();
    expect(running()).toBe(2);
    expect(sim.step("osd@n3").status).toBe("running");

    const limited = new Sim(planOf([{ id: "osd" }], nodes), undefined, 4);
    limited.start();
    expect([...limited.entries.values()].filter((e) => e.step?.status === "running")).toHaveLength(
      4,
    );
  });

  it("one_by_one runs the nodes in turn", () => {
    const sim = new Sim(
      planOf([{ id: "db", strategy: { type: "one_by_one" } }], nodes.slice(0, 3)),
    );
    sim.start();
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      const running = [...sim.entries.values()]
        .filter((e) => e.step?.status === "running")
        .map((e) => e.key);
      expect(running).toHaveLength(1);
      order.push(running[0] as string);
      sim.exit(running[0] as string, 0);
      sim.schedule();
    }
    expect(order).toEqual(["db@n1", "db@n2", "db@n3"]);
    expect(sim.task.status).toBe("succeeded");
  });

  it("a failure beyond the group's tolerance halts scheduling; the task fails when the running ones end", () => {
    const sim = new Sim(
      planOf([{ id: "osd", strategy: { type: "parallel", amount: 3 }, faultTolerance: 1 }], nodes),
    );
    sim.start();
    sim.exit("osd@n1", 1);
    expect(sim.task.halted).toBe(false);
    sim.schedule();
    sim.exit("osd@n2", 1);
    expect(sim.task).toMatchObject({ status: "running", halted: true });
    expect(sim.task.reason?.params).toEqual({ group: "osd", failed: 2, tolerated: 1 });
    expect(sim.schedule()).toEqual([]);
    sim.exit("osd@n3", 0);
    sim.exit("osd@n4", 0);
    expect(sim.task).toMatchObject({
      status: "failed",
      reason: { code: "task.tolerance-exceeded" },
    });
    expect(sim.step("osd@n6").status).toBe("ready");
  });
});

describe("dependency failure propagation", () => {
  const nodes: PlanNode[] = [
    { id: "c1", roles: ["controller"] },
    { id: "c2", roles: ["controller"] },
    { id: "s1", roles: ["storage"] },
    { id: "s2", roles: ["storage"] },
  ];
  const steps: Spec[] = [
    // Tolerating one monitor keeps scheduling going after the first failure.
    { id: "mon", selector: { roles: ["controller"] }, faultTolerance: 1 },
    {
      id: "osd",
      selector: { roles: ["storage"] },
      crossDepends: [{ step: "mon", role: "controller", policy: "all" }],
    },
    {
      id: "client",
      selector: { roles: ["storage"] },
      crossDepends: [{ step: "mon", role: "controller", policy: "any" }],
    },
    { id: "verify", selector: { roles: ["storage"] }, requires: ["osd"] },
  ];

  it("through an all-barrier at the first failure; an any-barrier still passes with one good member", () => {
    const sim = new Sim(planOf(steps, nodes));
    sim.start();
    sim.exit("mon@c1", 1);
    expect(sim.status("mon#all:controller")).toBe("failed");
    expect(sim.step("osd@s1")).toMatchObject({
      status: "cancelled",
      reason: { code: "step.dependency-failed", params: { dependency: "mon#all:controller" } },
    });
    // The cancel cascades to same-node dependents of the cancelled step.
    expect(sim.step("verify@s2")).toMatchObject({
      status: "cancelled",
      reason: { params: { dependency: "osd@s2" } },
    });
    expect(sim.status("mon#any:controller")).toBe("blocked");
    expect(sim.task.status).toBe("running");
    sim.exit("mon@c2", 0);
    expect(sim.status("mon#any:controller")).toBe("succeeded");
    expect(sim.step("client@s1").status).toBe("ready");
    sim.schedule();
    sim.exit("client@s1", 0);
    sim.exit("client@s2", 0);
    expect(sim.task).toMatchObject({
      status: "failed",
      reason: { code: "task.steps-failed", params: { failed: 1, cancelled: 4, total: 8 } },
    });
  });

  it("an any-barrier fails only when every member failed", () => {
    const sim = new Sim(planOf(steps, nodes));
    sim.start();
    sim.exit("mon@c1", 1);
    expect(sim.status("mon#any:controller")).toBe("blocked");
    sim.exit("mon@c2", 1);
    expect(sim.status("mon#any:controller")).toBe("failed");
    expect(sim.step("client@s2")).toMatchObject({
      status: "cancelled",
      reason: { params: { dependency: "mon#any:controller" } },
    });
    expect(sim.task.status).toBe("failed");
  });

  it("all good: both barriers pass and every step runs", () => {
    const sim = new Sim(planOf(steps, nodes));
    sim.start();
    for (let round = 0; round < 4 && sim.task.status === "running"; round++) {
      for (const e of sim.entries.values()) if (e.step?.status === "running") sim.exit(e.key, 0);
      sim.schedule();
    }
    expect(sim.task.status).toBe("succeeded");
    expect(sim.ignored).toEqual([]);
  });
});
