/**
 * Expands a task graph for a cluster and an intent into a DAG of (step, node) entries. The engine
 * executes this plan; the UI previews it ("dry run"), including why a step is skipped on a node.
 *
 * DAG representation
 * - A *step entry* `${stepId}@${nodeId}` exists for every node the step's selector picks. Its
 *   status is `planned`, or `skipped` with a reason (condition false). A skipped entry is satisfied
 *   at once, so dependents never wait for it.
 * - Same-node `requires` (and `requiredFor`, its mirror) become direct edges `Y@n → X@n`, only when
 *   both steps are on node n (Fuel's semantics: `requires` orders work within a node).
 * - Cross-node dependencies go through a *barrier* `${stepId}#${policy}:${role}`: one per distinct
 *   (step, role, policy) in the graph, depending on every entry of that step on the nodes matching
 *   the role. Consumers depend on the barrier, not on each member. "X waits for Y on all 5,000
 *   nodes" is then 5,000 + 5,000 edges instead of 25,000,000. A barrier's `join` says when it is
 *   satisfied: `all` members finished, or `any` one member finished (skipped counts as finished; an
 *   empty barrier is satisfied at once; an `any` barrier whose members all failed fails).
 *   Role `self` needs no barrier: it is a direct same-node edge.
 * - `entries` is in a deterministic topological order: steps in dependency order (ties keep the
 *   graph's order), nodes by id, each barrier right after the entries of its step.
 * - Every step entry of a step shares one `retry` and one `strategy` object: 100,000 entries cost
 *   no more policy objects than the graph has steps.
 */
import { localize, type Localized, type Params } from "../i18n";
import type { IntentKind } from "../model";
import {
  findCycles,
  type FaultTolerance,
  type RetryOverride,
  type RetryPolicy,
  type Step,
  type StepType,
  type Strategy,
  type TaskGraph,
} from "./schema";

export interface PlanNode {
  id: string;
  roles: readonly string[];
  /** Services the node carries through its roles (the caller resolves them from the catalog). */
  services?: readonly string[];
  tags?: readonly string[];
  /** Joining the cluster in this operation. */
  added?: boolean;
  /** Leaving the cluster in this operation. */
  removed?: boolean;
  /** The region's provisioning node (DHCP/PXE host). */
  provisioningNode?: boolean;
}

export interface PlanInput {
  nodes: readonly PlanNode[];
  /** Dotted settings paths changed since the last successful deploy (e.g. `ntp.servers`). */
  changedSettings: readonly string[];
  intentKind: IntentKind;
  /** The per-launch retry override, applied through `mergeRetryPolicy`. */
  retryOverride?: RetryOverride;
}

export type SkipCode = "not-added" | "not-removed" | "node-removed" | "settings-unchanged";

export interface SkipReason {
  code: SkipCode;
  message: Localized;
  params: Params;
}

export interface PlannedStep {
  kind: "step";
  /** `${stepId}@${nodeId}` */
  id: string;
  stepId: string;
  nodeId: string;
  type: StepType;
  script?: string;
  description?: Localized;
  status: "planned" | "skipped";
  reason?: SkipReason;
  /** Entries that must finish first (all of them). */
  dependsOn: string[];
  timeoutSeconds: number;
  retry: RetryPolicy;
  strategy: Strategy;
  /** The strategy and fault tolerance group: all entries of one step. */
  group: string;
}

export interface PlanBarrier {
  kind: "barrier";
  /** `${stepId}#${policy}:${role}` */
  id: string;
  stepId: string;
  role: string;
  policy: "all" | "any";
  join: "all" | "any";
  /** The member step entries. */
  dependsOn: string[];
}

export type PlanEntry = PlannedStep | PlanBarrier;

export interface PlanGroup {
  stepId: string;
  strategy: Strategy;
  faultTolerance: FaultTolerance;
  /** Failed nodes the step tolerates, resolved from a count or a percentage of planned nodes. */
  toleratedFailures: number;
  planned: number;
  skipped: number;
}

export interface Plan {
  graph: string;
  intentKind: IntentKind;
  entries: PlanEntry[];
  groups: PlanGroup[];
  counts: { planned: number; skipped: number; barriers: number; edges: number };
}

const SKIP_TEXT = {
  "not-added": {
    en: "Runs only on nodes added by this operation; {node} is already in the cluster.",
    "zh-CN": "仅在本次操作新增的节点上运行；{node} 已在集群中。",
  },
  "not-removed": {
    en: "Runs only on nodes being removed; {node} stays in the cluster.",
    "zh-CN": "仅在要移除的节点上运行；{node} 将保留在集群中。",
  },
  "node-removed": {
    en: "{node} is being removed; only removal steps run on it.",
    "zh-CN": "{node} 正在被移除；只在其上运行移除相关的步骤。",
  },
  "settings-unchanged": {
    en: "Runs only when {settings} change; unchanged since the last deploy.",
    "zh-CN": "仅在 {settings} 变更时运行；自上次部署以来未变更。",
  },
} as const satisfies Record<SkipCode, Localized>;

/**
 * The one place a per-launch override changes a step's retry policy (the brief: "one retry policy
 * per step, overridable per task at launch, nowhere else"). `retries: n` means n + 1 attempts.
 */
export function mergeRetryPolicy(step: RetryPolicy, override?: RetryOverride): RetryPolicy {
  if (!override) return step;
  if (override.retries !== undefined && override.maxAttempts !== undefined)
    throw new Error("a retry override gives either retries or maxAttempts, not both");
  const merged: RetryPolicy = {
    maxAttempts:
      override.retries !== undefined
        ? override.retries + 1
        : (override.maxAttempts ?? step.maxAttempts),
    initialIntervalSeconds: override.initialIntervalSeconds ?? step.initialIntervalSeconds,
    backoffCoefficient: override.backoffCoefficient ?? step.backoffCoefficient,
    maxIntervalSeconds: override.maxIntervalSeconds ?? step.maxIntervalSeconds,
    nonRetryableExitCodes: override.nonRetryableExitCodes ?? step.nonRetryableExitCodes,
  };
  // A longer initial interval from the launch must not be cut below itself by the step's cap.
  if (merged.maxIntervalSeconds < merged.initialIntervalSeconds)
    merged.maxIntervalSeconds = merged.initialIntervalSeconds;
  return merged;
}

/**
 * Seconds to wait before the next attempt after attempt `attempt` (1-based) failed with
 * `exitCode`, or `null` when no attempt follows (attempts used up, or a non-retryable exit code).
 * Delay: initial × coefficient^(attempt − 1), capped at the maximum interval.
 */
export function nextRetryDelaySeconds(
  policy: RetryPolicy,
  attempt: number,
  exitCode: number | null,
): number | null {
  if (attempt >= policy.maxAttempts) return null;
  if (exitCode !== null && policy.nonRetryableExitCodes.includes(exitCode)) return null;
  const delay = policy.initialIntervalSeconds * policy.backoffCoefficient ** (attempt - 1);
  return Math.min(delay, policy.maxIntervalSeconds);
}

/** Failures a group tolerates: a count as given, or a percentage of its planned nodes (rounded down). */
export function toleratedFailures(faultTolerance: FaultTolerance, planned: number): number {
  if (typeof faultTolerance === "number") return Math.min(faultTolerance, planned);
  return Math.floor((planned * Number(faultTolerance.slice(0, -1))) / 100);
}

function hasAny(values: readonly string[] | undefined, wanted: ReadonlySet<string>): boolean {
  if (!values || wanted.size === 0) return false;
  for (const v of values) if (wanted.has(v)) return true;
  return false;
}

interface CompiledSelector {
  all: boolean;
  provisioningNode: boolean;
  roles: Set<string>;
  services: Set<string>;
  tags: Set<string>;
}

function compileSelector(step: Step): CompiledSelector {
  const s = step.selector;
  return {
    all: s.all === true,
    provisioningNode: s.provisioningNode === true,
    roles: new Set(s.roles ?? []),
    services: new Set(s.services ?? []),
    tags: new Set(s.tags ?? []),
  };
}

function selects(selector: CompiledSelector, node: PlanNode): boolean {
  return (
    selector.all ||
    (selector.provisioningNode && node.provisioningNode === true) ||
    hasAny(node.roles, selector.roles) ||
    hasAny(node.services, selector.services) ||
    hasAny(node.tags, selector.tags)
  );
}

/** A watched path matches a changed one when either contains the other (`ntp` ~ `ntp.servers`). */
function settingsTouched(watched: readonly string[], changed: readonly string[]): boolean {
  return watched.some((w) =>
    changed.some((c) => c === w || c.startsWith(`${w}.`) || w.startsWith(`${c}.`)),
  );
}

function skipReason(code: SkipCode, params: Params): SkipReason {
  return { code, message: localize(SKIP_TEXT[code], params), params };
}

/**
 * Why a step does not run on a node, or `undefined` when it runs. A first `deploy` installs
 * everything: every node counts as added and every setting as changed.
 */
function conditionSkip(
  step: Step,
  node: PlanNode,
  input: PlanInput,
  settingsChanged: boolean,
): SkipReason | undefined {
  const { when } = step.condition;
  if (node.removed === true && when !== "removed-nodes")
    return skipReason("node-removed", { node: node.id });
  switch (when) {
    case "always":
      return undefined;
    case "added-nodes":
      return input.intentKind === "deploy" || node.added === true
        ? undefined
        : skipReason("not-added", { node: node.id });
    case "removed-nodes":
      return node.removed === true ? undefined : skipReason("not-removed", { node: node.id });
    case "settings-changed":
      return settingsChanged
        ? undefined
        : skipReason("settings-unchanged", {
            node: node.id,
            settings: (step.condition.settings ?? []).join(", "),
          });
  }
}

/** Steps in dependency order; ties keep the graph's order. Throws on a cycle (validate first). */
function stepOrder(graph: TaskGraph): Step[] {
  const waitsFor = new Map<string, Set<string>>(graph.steps.map((s) => [s.id, new Set<string>()]));
  for (const step of graph.steps) {
    for (const r of step.requires) waitsFor.get(step.id)?.add(r);
    for (const r of step.requiredFor) waitsFor.get(r)?.add(step.id);
    for (const c of step.crossDepends) waitsFor.get(step.id)?.add(c.step);
  }
  const done = new Set<string>();
  const order: Step[] = [];
  while (order.length < graph.steps.length) {
    const next = graph.steps.find(
      (s) => !done.has(s.id) && [...(waitsFor.get(s.id) ?? [])].every((d) => done.has(d)),
    );
    if (!next) {
      const cycle = findCycles(graph)[0] ?? [];
      throw new Error(
        `task graph ${graph.name} has a cycle (${cycle.join(" → ")}); validate it before planning`,
      );
    }
    done.add(next.id);
    order.push(next);
  }
  return order;
}

function compareIds(a: PlanNode, b: PlanNode): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Expands `graph` for the cluster's nodes and the intent. Pure and deterministic. */
export function expandPlan(graph: TaskGraph, input: PlanInput): Plan {
  const nodes = [...input.nodes].sort(compareIds);
  for (let i = 1; i < nodes.length; i++)
    if ((nodes[i] as PlanNode).id === (nodes[i - 1] as PlanNode).id)
      throw new Error(`node ${(nodes[i] as PlanNode).id} is listed twice`);

  const ids = new Set(graph.steps.map((s) => s.id));
  for (const step of graph.steps)
    for (const ref of [
      ...step.requires,
      ...step.requiredFor,
      ...step.crossDepends.map((c) => c.step),
    ])
      if (!ids.has(ref))
        throw new Error(
          `step ${step.id} names unknown step ${ref}; validate the graph before planning`,
        );
  const order = stepOrder(graph);
  // `requiredFor` is `requires` written on the other step: Y.requiredFor = [X] means X requires Y.
  const alsoRequires = new Map<string, string[]>();
  for (const step of graph.steps)
    for (const dependent of step.requiredFor)
      alsoRequires.set(dependent, [...(alsoRequires.get(dependent) ?? []), step.id]);

  // Which nodes each step runs on, as a per-step bitmap over the sorted nodes.
  const selected = new Map<string, Uint8Array>();
  for (const step of graph.steps) {
    const selector = compileSelector(step);
    const mask = new Uint8Array(nodes.length);
    nodes.forEach((node, i) => {
      if (selects(selector, node)) mask[i] = 1;
    });
    selected.set(step.id, mask);
  }

  // Barriers, one per distinct (step, role, policy) that some step waits for across nodes.
  const barriers = new Map<string, PlanBarrier>();
  const barrierId = (stepId: string, policy: string, role: string) => `${stepId}#${policy}:${role}`;
  for (const step of graph.steps) {
    for (const c of step.crossDepends) {
      if (c.role === "self") continue;
      const id = barrierId(c.step, c.policy, c.role);
      if (barriers.has(id)) continue;
      const mask = selected.get(c.step) as Uint8Array;
      const members: string[] = [];
      nodes.forEach((node, i) => {
        if (mask[i] !== 1) return;
        if (
          c.role === "*" ||
          node.roles.includes(c.role) ||
          (node.services?.includes(c.role) ?? false)
        )
          members.push(`${c.step}@${node.id}`);
      });
      barriers.set(id, {
        kind: "barrier",
        id,
        stepId: c.step,
        role: c.role,
        policy: c.policy,
        join: c.policy,
        dependsOn: members,
      });
    }
  }
  const barriersOf = new Map<string, PlanBarrier[]>();
  for (const barrier of [...barriers.values()].sort((a, b) => (a.id < b.id ? -1 : 1)))
    barriersOf.set(barrier.stepId, [...(barriersOf.get(barrier.stepId) ?? []), barrier]);

  const entries: PlanEntry[] = [];
  const groups: PlanGroup[] = [];
  let planned = 0;
  let skipped = 0;
  let edges = 0;
  for (const step of order) {
    const mask = selected.get(step.id) as Uint8Array;
    const retry = mergeRetryPolicy(step.retry, input.retryOverride);
    const sameNode = [...step.requires, ...(alsoRequires.get(step.id) ?? [])].filter(
      (d, i, all) => all.indexOf(d) === i,
    );
    const sameNodeMasks = sameNode.map((d) => [d, selected.get(d) as Uint8Array] as const);
    const selfCross = step.crossDepends
      .filter((c) => c.role === "self")
      .map((c) => [c.step, selected.get(c.step) as Uint8Array] as const);
    const barrierDeps = step.crossDepends
      .filter((c) => c.role !== "self")
      .map((c) => barrierId(c.step, c.policy, c.role))
      .filter((d, i, all) => all.indexOf(d) === i);
    const settingsChanged =
      step.condition.when === "settings-changed" &&
      (input.intentKind === "deploy" ||
        settingsTouched(step.condition.settings ?? [], input.changedSettings));
    let groupPlanned = 0;
    let groupSkipped = 0;
    nodes.forEach((node, i) => {
      if (mask[i] !== 1) return;
      const dependsOn: string[] = [];
      for (const [dep, depMask] of sameNodeMasks)
        if (depMask[i] === 1) dependsOn.push(`${dep}@${node.id}`);
      for (const [dep, depMask] of selfCross) {
        const id = `${dep}@${node.id}`;
        if (depMask[i] === 1 && !dependsOn.includes(id)) dependsOn.push(id);
      }
      for (const b of barrierDeps) dependsOn.push(b);
      edges += dependsOn.length;
      const reason = conditionSkip(step, node, input, settingsChanged);
      const entry: PlannedStep = {
        kind: "step",
        id: `${step.id}@${node.id}`,
        stepId: step.id,
        nodeId: node.id,
        type: step.type,
        ...(step.script !== undefined ? { script: step.script } : {}),
        ...(step.description !== undefined ? { description: step.description } : {}),
        status: reason ? "skipped" : "planned",
        ...(reason ? { reason } : {}),
        dependsOn,
        timeoutSeconds: step.timeoutSeconds,
        retry,
        strategy: step.strategy,
        group: step.id,
      };
      if (reason) groupSkipped++;
      else groupPlanned++;
      entries.push(entry);
    });
    for (const barrier of barriersOf.get(step.id) ?? []) {
      edges += barrier.dependsOn.length;
      entries.push(barrier);
    }
    planned += groupPlanned;
    skipped += groupSkipped;
    groups.push({
      stepId: step.id,
      strategy: step.strategy,
      faultTolerance: step.faultTolerance,
      toleratedFailures: toleratedFailures(step.faultTolerance, groupPlanned),
      planned: groupPlanned,
      skipped: groupSkipped,
    });
  }
  return {
    graph: graph.name,
    intentKind: input.intentKind,
    entries,
    groups,
    counts: { planned, skipped, barriers: barriers.size, edges },
  };
}
