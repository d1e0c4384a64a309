/**
 * Turns a plan into the engine's initial step rows: dependency counters filled in, entries whose
 * dependencies are already satisfied made ready, skipped entries final, barriers with nothing to
 * wait for resolved. Pure: the executor inserts what this returns in the launch transaction.
 */
import type { Plan, PlanEntry } from "../taskgraph/plan";
import type { RetryPolicy, Strategy } from "../taskgraph/schema";
import type { Reason, StepStatus } from "./types";

export interface InitialStep {
  key: string;
  kind: "step" | "barrier";
  stepId: string;
  nodeId: string | null;
  type: string;
  script: string | null;
  status: StepStatus;
  dependsOn: string[];
  join: "all" | "any";
  remaining: number;
  groupKey: string;
  retry: RetryPolicy | null;
  strategy: Strategy | null;
  timeoutSeconds: number;
  reason: Reason | null;
  ordinal: number;
}

export interface InitialGroup {
  groupKey: string;
  /** 0 means no limit. */
  limit: number;
  tolerated: number;
}

/** The group a barrier belongs to never limits anything; it exists so every row has one. */
export const BARRIER_GROUP = "#barriers";

export function groupLimit(strategy: Strategy): number {
  return strategy.type === "one_by_one" ? 1 : (strategy.amount ?? 0);
}

const finishedWell = (status: StepStatus | undefined) =>
  status === "succeeded" || status === "skipped";

export function initialSteps(plan: Plan): { steps: InitialStep[]; groups: InitialGroup[] } {
  const status = new Map<string, StepStatus>();
  const steps: InitialStep[] = plan.entries.map((entry: PlanEntry, ordinal) => {
    const done = entry.dependsOn.reduce((n, d) => n + (finishedWell(status.get(d)) ? 1 : 0), 0);
    const join = entry.kind === "barrier" ? entry.join : "all";
    const remaining =
      join === "all"
        ? entry.dependsOn.length - done
        : entry.dependsOn.length === 0 || done > 0
          ? 0
          : 1;
    let s: StepStatus;
    if (entry.kind === "step" && entry.status === "skipped") s = "skipped";
    else if (remaining > 0) s = "blocked";
    else s = entry.kind === "barrier" ? "succeeded" : "ready";
    status.set(entry.id, s);
    if (entry.kind === "barrier")
      return {
        key: entry.id,
        kind: "barrier",
        stepId: entry.stepId,
        nodeId: null,
        type: "barrier",
        script: null,
        status: s,
        dependsOn: entry.dependsOn,
        join,
        remaining,
        groupKey: BARRIER_GROUP,
        retry: null,
        strategy: null,
        timeoutSeconds: 0,
        reason: null,
        ordinal,
      };
    return {
      key: entry.id,
      kind: "step",
      stepId: entry.stepId,
      nodeId: entry.nodeId,
      type: entry.type,
      script: entry.script ?? null,
      status: s,
      dependsOn: entry.dependsOn,
      join,
      remaining,
      groupKey: entry.group,
      retry: entry.retry,
      strategy: entry.strategy,
      timeoutSeconds: entry.timeoutSeconds,
      reason: entry.reason
        ? { code: entry.reason.code, message: entry.reason.message, params: entry.reason.params }
        : null,
      ordinal,
    };
  });
  const groups: InitialGroup[] = [
    { groupKey: BARRIER_GROUP, limit: 0, tolerated: 0 },
    ...plan.groups.map((g) => ({
      // The planner groups the entries of one graph step under that step's id.
      groupKey: g.stepId,
      limit: groupLimit(g.strategy),
      tolerated: g.toleratedFailures,
    })),
  ];
  return { steps, groups };
}
