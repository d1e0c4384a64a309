import { describe, expect, it } from "vitest";
import {
  applyOutcome,
  dependencyEffects,
  exceededTolerance,
  joinState,
  outcomeOf,
  pickAttemptsToStart,
  recount,
  strategyLimit,
  type GroupSlots,
  type JoinCounter,
  type ReadyStep,
  type ScheduleInput,
} from "./schedule";

const T0 = 1_700_000_000_000;

function ready(key: string, nodeId: string, group: string, queuedSince = T0): ReadyStep {
  return { key, nodeId, group, queuedSince };
}

function input(extra: Partial<ScheduleInput>): ScheduleInput {
  return {
    ready: [],
    groups: {},
    busyNodes: new Set(),
    maxNodesInFlight: 0,
    halted: false,
    paused: false,
    ...extra,
  };
}

/** `n` ready steps of group `g` on nodes n1…n`n`, all queued at the same time. */
function many(g: string, n: number): ReadyStep[] {
  return Array.from({ length: n }, (_, i) => ready(`${g}@n${i + 1}`, `n${i + 1}`, g));
}

describe("pickAttemptsToStart", () => {
  it("starts the oldest first, then by key", () => {
    const picked = pickAttemptsToStart(
      input({
        ready: [
          ready("b@n2", "n2", "b", T0 + 5),
          ready("c@n3", "n3", "c", T0),
          ready("a@n1", "n1", "a", T0),
        ],
      }),
    );
    expect(picked).toEqual(["a@n1", "c@n3", "b@n2"]);
  });

  it("parallel with an amount starts up to the amount, counting what already runs", () => {
    const groups = {
      osd: { running: 0, strategy: { type: "parallel", amount: 3 } },
    } satisfies Record<string, GroupSlots>;
    expect(pickAttemptsToStart(input({ ready: many("osd", 10), groups }))).toHaveLength(3);
    const busier = {
      osd: { running: 2, strategy: { type: "parallel", amount: 3 } },
    } satisfies Record<string, GroupSlots>;
    expect(pickAttemptsToStart(input({ ready: many("osd", 10), groups: busier }))).toEqual([
      "osd@n1",
    ]);
  });

  it("parallel without an amount is limited only globally", () => {
    const groups = { osd: { running: 0, strategy: { type: "parallel" } } } satisfies Record<
      string,
      GroupSlots
    >;
    expect(pickAttemptsToStart(input({ ready: many("osd", 10), groups }))).toHaveLength(10);
    expect(
      pickAttemptsToStart(input({ ready: many("osd", 10), groups, maxNodesInFlight: 4 })),
    ).toHaveLength(4);
  });

  it("one_by_one starts one, and none while one runs", () => {
    const idle = new Map<string, GroupSlots>([
      ["db", { running: 0, strategy: { type: "one_by_one" } }],
    ]);
    expect(pickAttemptsToStart(input({ ready: many("db", 3), groups: idle }))).toEqual(["db@n1"]);
    const running = new Map<string, GroupSlots>([
      ["db", { running: 1, strategy: { type: "one_by_one" } }],
    ]);
    expect(pickAttemptsToStart(input({ ready: many("db", 3), groups: running }))).toEqual([]);
  });

  it("a group limit may come as a number (0 = none), as the executor stores it", () => {
    expect(
      pickAttemptsToStart(input({ ready: many("g", 5), groups: { g: { running: 1, limit: 2 } } })),
    ).toHaveLength(1);
    expect(
      pickAttemptsToStart(input({ ready: many("g", 5), groups: { g: { running: 9, limit: 0 } } })),
    ).toHaveLength(5);
  });

  it("a node runs one attempt at a time: busy nodes are skipped, and one pick per node", () => {
    const steps = [
      ready("a@n1", "n1", "a"),
      ready("b@n1", "n1", "b"),
      ready("a@n2", "n2", "a"),
      ready("a@n3", "n3", "a"),
    ];
    expect(pickAttemptsToStart(input({ ready: steps, busyNodes: new Set(["n2"]) }))).toEqual([
      "a@n1",
      "a@n3",
    ]);
  });

  it("the global limit counts nodes already in flight", () => {
    const steps = many("g", 10);
    expect(
      pickAttemptsToStart(
        input({ ready: steps, maxNodesInFlight: 5, busyNodes: new Set(["x", "y"]) }),
      ),
    ).toHaveLength(3);
    expect(
      pickAttemptsToStart(input({ ready: steps, maxNodesInFlight: 5, nodesInFlight: 5 })),
    ).toEqual([]);
  });

  it("a full group does not block other groups", () => {
    const groups = { db: { running: 1, strategy: { type: "one_by_one" } } } satisfies Record<
      string,
      GroupSlots
    >;
    const steps = [ready("db@n1", "n1", "db", T0), ready("web@n2", "n2", "web", T0 + 1)];
    expect(pickAttemptsToStart(input({ ready: steps, groups }))).toEqual(["web@n2"]);
  });

  it("a halted or paused task starts nothing", () => {
    expect(pickAttemptsToStart(input({ ready: many("g", 3), halted: true }))).toEqual([]);
    expect(pickAttemptsToStart(input({ ready: many("g", 3), paused: true }))).toEqual([]);
  });

  it("does not reorder its input", () => {
    const steps = [ready("b@n2", "n2", "g", T0 + 1), ready("a@n1", "n1", "g", T0)];
    pickAttemptsToStart(input({ ready: steps }));
    expect(steps.map((s) => s.key)).toEqual(["b@n2", "a@n1"]);
  });

  it("handles 20,000 ready steps in one sort and pass", () => {
    const steps: ReadyStep[] = [];
    for (let i = 0; i < 20_000; i++) {
      const node = `n${i % 1000}`;
      steps.push(ready(`s${i % 20}@${node}`, node, `s${i % 20}`, T0 + ((i * 7919) % 20_000)));
    }
    const groups = Object.fromEntries(
      Array.from({ length: 20 }, (_, g) => [
        `s${g}`,
        { running: 0, strategy: { type: "parallel" as const, amount: 30 } },
      ]),
    );
    const started = performance.now();
    const picked = pickAttemptsToStart(input({ ready: steps, groups, maxNodesInFlight: 500 }));
    const ms = performance.now() - started;
    expect(picked).toHaveLength(500);
    expect(new Set(picked.map((k) => k.split("@")[1])).size).toBe(500);
    // Generous for a loaded 2-core runner; a quadratic pass takes seconds here.
    expect(ms).toBeLessThan(500);
  });

  it("strategyLimit", () => {
    expect(strategyLimit({ type: "one_by_one" })).toBe(1);
    expect(strategyLimit({ type: "parallel", amount: 7 })).toBe(7);
    expect(strategyLimit({ type: "parallel" })).toBe(0);
  });
});

function counter(
  key: string,
  join: "all" | "any",
  total: number,
  extra: Partial<JoinCounter> = {},
): JoinCounter {
  const kind = key.includes("#") ? "barrier" : "step";
  return {
    key,
    kind,
    join,
    total,
    ...recount(join, Array(total).fill("blocked")),
    status: "blocked",
    ...extra,
  };
}

describe("dependency counters", () => {
  it.each([
    ["succeeded", "satisfied"],
    ["skipped", "satisfied"],
    ["failed", "failed"],
    ["cancelled", "failed"],
    ["running", null],
    ["retry_wait", null],
    ["blocked", null],
  ] as const)("outcomeOf(%s) = %s", (status, outcome) => {
    expect(outcomeOf(status)).toBe(outcome);
  });

  it.each([
    ["all", 3, 3, 0, "waiting"],
    ["all", 3, 0, 0, "met"],
    ["all", 3, 2, 1, "failed"],
    ["all", 0, 0, 0, "met"],
    ["any", 3, 1, 0, "waiting"],
    ["any", 3, 1, 2, "waiting"],
    ["any", 3, 1, 3, "failed"],
    ["any", 3, 0, 2, "met"],
    ["any", 0, 0, 0, "met"],
  ] as const)(
    "joinState(%s, total %i, remaining %i, failed %i) = %s",
    (join, total, remaining, failedDeps, state) => {
      expect(joinState({ join, total, remaining, failedDeps })).toBe(state);
    },
  );

  it("applyOutcome: one decrement or one increment", () => {
    expect(applyOutcome({ join: "all", remaining: 3, failedDeps: 0 }, "satisfied")).toEqual({
      remaining: 2,
      failedDeps: 0,
    });
    expect(applyOutcome({ join: "any", remaining: 1, failedDeps: 0 }, "satisfied")).toEqual({
      remaining: 0,
      failedDeps: 0,
    });
    expect(applyOutcome({ join: "all", remaining: 3, failedDeps: 0 }, "failed")).toEqual({
      remaining: 3,
      failedDeps: 1,
    });
  });

  it("recount from the dependencies' statuses", () => {
    expect(recount("all", ["succeeded", "skipped", "running", "failed"])).toEqual({
      remaining: 2,
      failedDeps: 1,
    });
    expect(recount("any", ["failed", "blocked"])).toEqual({ remaining: 1, failedDeps: 1 });
    expect(recount("any", ["failed", "succeeded"])).toEqual({ remaining: 0, failedDeps: 1 });
    expect(recount("any", [])).toEqual({ remaining: 0, failedDeps: 0 });
  });
});

describe("dependencyEffects", () => {
  it("an all-join step becomes ready only when its last dependency finishes well", () => {
    const d = counter("deploy@n1", "all", 2);
    const first = dependencyEffects({ key: "a@n1", status: "succeeded" }, [d]);
    expect(first.counters).toEqual([{ key: "deploy@n1", remaining: 1, failedDeps: 0 }]);
    expect(first.steps).toEqual([]);
    const second = dependencyEffects({ key: "b@n1", status: "skipped" }, [{ ...d, remaining: 1 }]);
    expect(second.steps).toEqual([{ key: "deploy@n1", event: { type: "dependencies-met" } }]);
  });

  it("an all-join step fails at the first failed dependency, and only once", () => {
    const d = counter("deploy@n1", "all", 3);
    const first = dependencyEffects({ key: "a@n1", status: "failed" }, [d]);
    expect(first.steps).toEqual([
      { key: "deploy@n1", event: { type: "dependency-failed", dependency: "a@n1" } },
    ]);
    const later = dependencyEffects({ key: "b@n1", status: "cancelled" }, [
      { ...d, failedDeps: 1, status: "cancelled" },
    ]);
    expect(later.steps).toEqual([]);
    expect(later.counters).toEqual([{ key: "deploy@n1", remaining: 3, failedDeps: 2 }]);
  });

  it("an all-barrier resolves failed at the first failed member", () => {
    const b = counter("mon#all:controller", "all", 3);
    const r = dependencyEffects({ key: "mon@c2", status: "failed" }, [b]);
    expect(r.barriers).toHaveLength(1);
    expect(r.barriers[0]).toMatchObject({
      key: "mon#all:controller",
      status: "failed",
      reason: { params: { dependency: "mon@c2" } },
    });
  });

  it("an any-barrier is met by its first good member and fails only when all members failed", () => {
    const b = counter("mon#any:controller", "any", 2);
    const met = dependencyEffects({ key: "mon@c1", status: "succeeded" }, [b]);
    expect(met.barriers).toEqual([
      { key: "mon#any:controller", status: "succeeded", reason: null },
    ]);
    const oneFailed = dependencyEffects({ key: "mon@c1", status: "failed" }, [b]);
    expect(oneFailed.barriers).toEqual([]);
    const allFailed = dependencyEffects({ key: "mon@c2", status: "failed" }, [
      { ...b, failedDeps: 1 },
    ]);
    expect(allFailed.barriers.map((x) => x.status)).toEqual(["failed"]);
  });

  it("a dependent that is not blocked gets no event", () => {
    const d = counter("deploy@n1", "all", 1, { status: "cancelled" });
    expect(dependencyEffects({ key: "a@n1", status: "succeeded" }, [d]).steps).toEqual([]);
  });

  it("an entry that has not finished has no effect", () => {
    const r = dependencyEffects({ key: "a@n1", status: "running" }, [
      counter("deploy@n1", "all", 1),
    ]);
    expect(r).toEqual({ counters: [], steps: [], barriers: [] });
  });
});

describe("exceededTolerance", () => {
  it("names the first group over its tolerance, by name", () => {
    expect(
      exceededTolerance([
        { group: "osd", failed: 6, tolerated: 5 },
        { group: "mon", failed: 1, tolerated: 0 },
        { group: "web", failed: 2, tolerated: 2 },
      ]),
    ).toEqual({ group: "mon", failed: 1, tolerated: 0 });
    expect(exceededTolerance([{ group: "web", failed: 2, tolerated: 2 }])).toBeNull();
  });
});
