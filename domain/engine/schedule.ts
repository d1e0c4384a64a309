/**
 * Which ready steps start now, and what a finished step does to the entries waiting for it. Both
 * are pure and deterministic, and work on the counters an executor keeps in columns, so neither
 * needs the whole plan in memory.
 *
 * Dependency counters (one row per dependent entry; `total` is the length of its `dependsOn`):
 * - `remaining`: for an all-join, dependencies not yet finished well; for an any-join, 1 until one
 *   finishes well, then 0. The entry may run when it reaches 0.
 * - `failedDeps`: dependencies that finished badly (failed, or cancelled because their own
 *   dependency failed). An all-join fails at the first one; an any-join when all `total` have.
 * A finished entry updates each dependent with one `remaining - 1` / `failedDeps + 1`, so the
 * executor can apply it as a single UPDATE … RETURNING and pass the rows read back here.
 * Finishing well means `succeeded` or `skipped` (a skipped step satisfies its dependents).
 *
 * Barriers (cross-node joins) have no attempts: they resolve the moment their join does, met →
 * `succeeded`, failed → `failed`, and the executor feeds each resolved barrier back in as the next
 * finished entry until nothing more resolves.
 */
import type { Strategy } from "../taskgraph/schema";
import { reason } from "./reasons";
import type { Reason, StepEvent, StepStatus } from "./types";

export interface ReadyStep {
  key: string;
  nodeId: string;
  group: string;
  /** When the step became ready (epoch ms): the oldest starts first, then by key. */
  queuedSince: number;
}

/** A group's attempts in flight, and its limit as a strategy or as a number (0 = no limit). */
export type GroupSlots =
  { running: number; strategy: Strategy } | { running: number; limit: number };

export interface ScheduleInput {
  ready: readonly ReadyStep[];
  /** Per group; a group not listed has no limit of its own. */
  groups: ReadonlyMap<string, GroupSlots> | Readonly<Record<string, GroupSlots>>;
  /** Nodes that already run an attempt: a node runs one attempt at a time. */
  busyNodes: ReadonlySet<string>;
  /** Nodes with an attempt in flight under the global limit; defaults to `busyNodes.size`. */
  nodesInFlight?: number;
  /** Global limit of nodes in flight; 0 means none. */
  maxNodesInFlight: number;
  halted: boolean;
  paused: boolean;
}

/** Attempts a strategy allows at once: one_by_one → 1, parallel → its amount, 0 = no limit. */
export function strategyLimit(strategy: Strategy): number {
  return strategy.type === "one_by_one" ? 1 : (strategy.amount ?? 0);
}

function limitOf(slots: GroupSlots): number {
  return "strategy" in slots ? strategyLimit(slots.strategy) : slots.limit;
}

function byAge(a: ReadyStep, b: ReadyStep): number {
  if (a.queuedSince !== b.queuedSince) return a.queuedSince - b.queuedSince;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * Step keys to start now, oldest first. A halted (fault tolerance exceeded) or paused task starts
 * nothing. O(n log n) for n ready steps: one sort, then one pass with O(1) checks per step.
 */
export function pickAttemptsToStart(input: ScheduleInput): string[] {
  if (input.halted || input.paused) return [];
  const inFlight = input.nodesInFlight ?? input.busyNodes.size;
  let budget =
    input.maxNodesInFlight > 0 ? input.maxNodesInFlight - inFlight : Number.POSITIVE_INFINITY;
  if (budget <= 0) return [];

  const slotsOf =
    input.groups instanceof Map
      ? (g: string) => (input.groups as ReadonlyMap<string, GroupSlots>).get(g)
      : (g: string) => (input.groups as Readonly<Record<string, GroupSlots>>)[g];
  const used = new Map<string, number>();
  const full = new Set<string>();
  const takenNodes = new Set<string>();
  const picked: string[] = [];
  const sorted = [...input.ready].sort(byAge);

  for (const step of sorted) {
    if (full.has(step.group) || input.busyNodes.has(step.nodeId) || takenNodes.has(step.nodeId))
      continue;
    const slots = slotsOf(step.group);
    if (slots) {
      const limit = limitOf(slots);
      if (limit > 0) {
        const inUse = used.get(step.group) ?? slots.running;
        if (inUse >= limit) {
          full.add(step.group);
          continue;
        }
        used.set(step.group, inUse + 1);
      }
    }
    takenNodes.add(step.nodeId);
    picked.push(step.key);
    if (--budget <= 0) break;
  }
  return picked;
}

export type Outcome = "satisfied" | "failed";

/** How a final entry counts for its dependents; `null` while it has not finished. */
export function outcomeOf(status: StepStatus): Outcome | null {
  if (status === "succeeded" || status === "skipped") return "satisfied";
  if (status === "failed" || status === "cancelled") return "failed";
  return null;
}

export interface JoinCounter {
  key: string;
  kind: "step" | "barrier";
  join: "all" | "any";
  /** Number of dependencies. */
  total: number;
  remaining: number;
  failedDeps: number;
  /** The dependent's current status: only a `blocked` entry reacts. */
  status: StepStatus;
}

export type JoinState = "waiting" | "met" | "failed";

export function joinState(
  c: Pick<JoinCounter, "join" | "total" | "remaining" | "failedDeps">,
): JoinState {
  if (c.join === "all") {
    if (c.failedDeps > 0) return "failed";
    return c.remaining <= 0 ? "met" : "waiting";
  }
  if (c.remaining <= 0) return "met";
  return c.failedDeps >= c.total ? "failed" : "waiting";
}

/** The counters after one dependency finished with `outcome`. */
export function applyOutcome(
  c: Pick<JoinCounter, "join" | "remaining" | "failedDeps">,
  outcome: Outcome,
): { remaining: number; failedDeps: number } {
  if (outcome === "failed") return { remaining: c.remaining, failedDeps: c.failedDeps + 1 };
  return {
    remaining: c.join === "all" ? Math.max(0, c.remaining - 1) : 0,
    failedDeps: c.failedDeps,
  };
}

/**
 * Counters computed from the dependencies' current statuses: at launch, and for entries a
 * "retry failed" / "retry from step" resets (their old counts include outcomes being redone).
 */
export function recount(
  join: "all" | "any",
  dependencyStatuses: readonly StepStatus[],
): { remaining: number; failedDeps: number } {
  let well = 0;
  let failedDeps = 0;
  for (const s of dependencyStatuses) {
    const o = outcomeOf(s);
    if (o === "satisfied") well++;
    else if (o === "failed") failedDeps++;
  }
  const total = dependencyStatuses.length;
  return {
    remaining: join === "all" ? total - well : total === 0 || well > 0 ? 0 : 1,
    failedDeps,
  };
}

export type DependencyEvent = Extract<
  StepEvent,
  { type: "dependencies-met" | "dependency-failed" }
>;

export interface DependencyEffects {
  /** New counter values to store, one per dependent given. */
  counters: { key: string; remaining: number; failedDeps: number }[];
  /** Events for dependent steps, to apply with `stepTransition`. */
  steps: { key: string; event: DependencyEvent }[];
  /** Barriers resolved now: final at once, each to be fed back as the next finished entry. */
  barriers: { key: string; status: "succeeded" | "failed"; reason: Reason | null }[];
}

/**
 * What the entry `finished` (now in a final status) does to the entries that depend on it.
 * `dependents` carry their counters before this finish; a dependent that already resolved, or is
 * not `blocked`, has its counters updated but gets no event, so a late or repeated finish of a
 * dependency never starts or fails anything twice.
 */
export function dependencyEffects(
  finished: { key: string; status: StepStatus },
  dependents: readonly JoinCounter[],
): DependencyEffects {
  const effects: DependencyEffects = { counters: [], steps: [], barriers: [] };
  const outcome = outcomeOf(finished.status);
  if (outcome === null) return effects;
  for (const d of dependents) {
    const before = joinState(d);
    const after = applyOutcome(d, outcome);
    effects.counters.push({ key: d.key, ...after });
    if (before !== "waiting" || d.status !== "blocked") continue;
    const now = joinState({ join: d.join, total: d.total, ...after });
    if (now === "waiting") continue;
    if (d.kind === "barrier")
      effects.barriers.push(
        now === "met"
          ? { key: d.key, status: "succeeded", reason: null }
          : {
              key: d.key,
              status: "failed",
              reason: reason("step.dependency-failed", { dependency: finished.key }),
            },
      );
    else
      effects.steps.push({
        key: d.key,
        event:
          now === "met"
            ? { type: "dependencies-met" }
            : { type: "dependency-failed", dependency: finished.key },
      });
  }
  return effects;
}

/**
 * The first group (by name) whose failed nodes exceed what it tolerates, or `null`. Its figures go
 * into the task's `progress` event as `tolerance`.
 */
export function exceededTolerance(
  groups: Iterable<{ group: string; failed: number; tolerated: number }>,
): { group: string; failed: number; tolerated: number } | null {
  let first: { group: string; failed: number; tolerated: number } | null = null;
  for (const g of groups)
    if (g.failed > g.tolerated && (first === null || g.group < first.group))
      first = { group: g.group, failed: g.failed, tolerated: g.tolerated };
  return first;
}
