import { describe, expect, it } from "vitest";
import { newTask, taskTransition } from "./task";
import {
  FINAL_TASK,
  TASK_STATUSES,
  type TaskCounts,
  type TaskEvent,
  type TaskState,
  type TaskStatus,
} from "./types";

const T0 = 1_700_000_000_000;
const S = 1000;
const DEADLINE = T0 + 3600 * S;
const LATE = DEADLINE + S;

function at(status: TaskStatus, extra: Partial<TaskState> = {}): TaskState {
  const base = newTask(DEADLINE);
  if (status === "pending") return { ...base, ...extra };
  const started = { ...base, status, startedAt: T0 };
  return FINAL_TASK.has(status)
    ? { ...started, endedAt: T0 + 60 * S, ...extra }
    : { ...started, ...extra };
}

function counts(c: Partial<TaskCounts>): TaskCounts {
  return { total: 10, succeeded: 0, failed: 0, skipped: 0, cancelled: 0, running: 0, ...c };
}

const busy = counts({ succeeded: 3, running: 2 });
const EVENTS: Record<TaskEvent["type"], TaskEvent> = {
  start: { type: "start" },
  progress: { type: "progress", counts: busy, toleranceExceeded: false },
  cancel: { type: "cancel" },
  pause: { type: "pause" },
  resume: { type: "resume" },
  deadline: { type: "deadline" },
  retry: { type: "retry" },
};

type Row = [TaskStatus, TaskEvent["type"], TaskStatus, string[], string | null];
const NA = "ignored.not-applicable";

const TABLE: Row[] = [
  ["pending", "start", "running", [], null],
  ["pending", "progress", "pending", [], NA],
  ["pending", "cancel", "cancelled", ["task-final"], null],
  ["pending", "pause", "pending", [], NA],
  ["pending", "resume", "pending", [], NA],
  ["pending", "deadline", "cancelled", ["task-final"], null],
  ["pending", "retry", "pending", [], NA],

  ["running", "start", "running", [], NA],
  ["running", "progress", "running", [], null],
  ["running", "cancel", "cancelling", ["cancel-running"], null],
  ["running", "pause", "paused", [], null],
  ["running", "resume", "running", [], NA],
  ["running", "deadline", "cancelling", ["cancel-running"], null],
  ["running", "retry", "running", [], NA],

  ["paused", "start", "paused", [], NA],
  ["paused", "progress", "paused", [], null],
  ["paused", "cancel", "cancelling", ["cancel-running"], null],
  ["paused", "pause", "paused", [], NA],
  ["paused", "resume", "running", [], null],
  ["paused", "deadline", "cancelling", ["cancel-running"], null],
  ["paused", "retry", "paused", [], NA],

  ["cancelling", "start", "cancelling", [], NA],
  ["cancelling", "progress", "cancelling", [], null],
  ["cancelling", "cancel", "cancelling", [], NA],
  ["cancelling", "pause", "cancelling", [], NA],
  ["cancelling", "resume", "cancelling", [], NA],
  ["cancelling", "deadline", "cancelling", [], NA],
  ["cancelling", "retry", "cancelling", [], NA],
];

const FINAL_ROWS: Row[] = TASK_STATUSES.filter((s) => FINAL_TASK.has(s)).flatMap((status) =>
  (Object.keys(EVENTS) as TaskEvent["type"][]).map((event): Row =>
    event === "retry"
      ? [status, event, "running", [], null]
      : [status, event, status, [], "ignored.final"],
  ),
);

describe("taskTransition: every state × every event", () => {
  it("covers all 7 states × 7 events", () => {
    const seen = new Set([...TABLE, ...FINAL_ROWS].map(([s, e]) => `${s}/${e}`));
    expect(seen.size).toBe(TASK_STATUSES.length * Object.keys(EVENTS).length);
  });

  it.each([...TABLE, ...FINAL_ROWS])(
    "%s + %s → %s %j (ignored: %s)",
    (from, event, to, commands, ignored) => {
      const state = at(from);
      const r = taskTransition(state, EVENTS[event], LATE);
      expect(r.state.status).toBe(to);
      expect(r.commands.map((c) => c.type)).toEqual(commands);
      expect(r.ignored?.code ?? null).toBe(ignored);
      if (ignored) expect(r.state).toBe(state);
      for (const c of r.commands) if (c.type === "task-final") expect(c.status).toBe(to);
    },
  );
});

const progress = (
  c: Partial<TaskCounts>,
  extra: Partial<Extract<TaskEvent, { type: "progress" }>> = {},
): TaskEvent => ({
  type: "progress",
  counts: counts(c),
  toleranceExceeded: false,
  ...extra,
});

describe("task completion", () => {
  it("start records the start time", () => {
    expect(taskTransition(at("pending"), EVENTS.start, T0).state).toMatchObject({
      status: "running",
      startedAt: T0,
    });
  });

  it("succeeds when every step succeeded or was skipped", () => {
    const r = taskTransition(at("running"), progress({ succeeded: 7, skipped: 3 }), T0 + S);
    expect(r.state).toMatchObject({ status: "succeeded", endedAt: T0 + S, reason: null });
    expect(r.commands).toEqual([{ type: "task-final", status: "succeeded" }]);
  });

  it("an empty plan succeeds on its first progress", () => {
    const r = taskTransition(at("running"), progress({ total: 0 }), T0);
    expect(r.state.status).toBe("succeeded");
  });

  it("fails when all steps are final and some failed, with the numbers", () => {
    const r = taskTransition(
      at("running"),
      progress({ succeeded: 6, failed: 1, cancelled: 3 }),
      T0,
    );
    expect(r.state.status).toBe("failed");
    expect(r.state.reason).toMatchObject({
      code: "task.steps-failed",
      params: { failed: 1, total: 10, cancelled: 3 },
    });
    expect(r.state.reason?.message.en).toContain("1 of 10 steps failed and 3 did not run");
    expect(r.state.reason?.message["zh-CN"]).toContain("10 个步骤中有 1 个失败，3 个未运行");
  });

  it("stays running while steps remain, and returns the same state", () => {
    const state = at("running");
    const r = taskTransition(state, progress({ succeeded: 9, running: 1 }), T0);
    expect(r.state).toBe(state);
    expect(r.ignored).toBeUndefined();
  });

  it("a paused task whose running attempts finish stays paused; one whose steps all end, ends", () => {
    expect(taskTransition(at("paused"), progress({ succeeded: 4 }), T0).state.status).toBe(
      "paused",
    );
    expect(taskTransition(at("paused"), progress({ succeeded: 10 }), T0).state.status).toBe(
      "succeeded",
    );
  });
});

describe("task fault tolerance", () => {
  const tolerance = { group: "ceph-osd", failed: 7, tolerated: 5 };

  it("halts when a group's tolerance is exceeded, then fails once nothing runs", () => {
    const halted = taskTransition(
      at("running"),
      progress({ failed: 7, running: 2 }, { toleranceExceeded: true, tolerance }),
      T0,
    );
    expect(halted.state).toMatchObject({ status: "running", halted: true });
    expect(halted.state.reason?.message.en).toBe(
      "Failed nodes in step ceph-osd: 7, more than the 5 it tolerates; no new attempts start.",
    );
    expect(halted.commands).toEqual([]);
    const done = taskTransition(
      halted.state,
      progress({ failed: 7, succeeded: 2 }, { toleranceExceeded: true, tolerance }),
      T0 + S,
    );
    expect(done.state).toMatchObject({
      status: "failed",
      reason: { code: "task.tolerance-exceeded" },
    });
  });

  it("without group details the halt still says why", () => {
    const r = taskTransition(
      at("running"),
      progress({ failed: 1, running: 1 }, { toleranceExceeded: true }),
      T0,
    );
    expect(r.state.reason?.code).toBe("task.halted");
  });

  it("a halt survives pause and resume", () => {
    const halted = taskTransition(
      at("running"),
      progress({ failed: 7, running: 2 }, { toleranceExceeded: true, tolerance }),
      T0,
    ).state;
    const paused = taskTransition(halted, EVENTS.pause, T0).state;
    const resumed = taskTransition(paused, EVENTS.resume, T0).state;
    expect(resumed).toMatchObject({
      status: "running",
      halted: true,
      reason: { code: "task.tolerance-exceeded" },
    });
  });
});

describe("task cancel, pause, deadline, retry", () => {
  it("cancel → cancelling → cancelled once nothing runs", () => {
    const c = taskTransition(at("running"), EVENTS.cancel, T0);
    expect(c.commands).toEqual([{ type: "cancel-running", reason: "cancel" }]);
    expect(taskTransition(c.state, progress({ succeeded: 2, running: 1 }), T0).state.status).toBe(
      "cancelling",
    );
    const done = taskTransition(c.state, progress({ succeeded: 2, cancelled: 8 }), T0 + S);
    expect(done.state).toMatchObject({
      status: "cancelled",
      endedAt: T0 + S,
      reason: { code: "task.cancel" },
    });
    expect(done.commands).toEqual([{ type: "task-final", status: "cancelled" }]);
  });

  it("a cancel that arrives after every step succeeded ends succeeded", () => {
    const c = taskTransition(at("running"), EVENTS.cancel, T0).state;
    const done = taskTransition(c, progress({ succeeded: 10 }), T0);
    expect(done.state).toMatchObject({
      status: "succeeded",
      reason: { code: "task.finished-before-cancel" },
    });
  });

  it("pause and resume", () => {
    const p = taskTransition(at("running"), EVENTS.pause, T0);
    expect(p.state).toMatchObject({ status: "paused", reason: { code: "task.paused" } });
    const r = taskTransition(p.state, EVENTS.resume, T0);
    expect(r.state).toMatchObject({ status: "running", reason: null });
  });

  it("the deadline cancels with its length in the reason; early or unset deadlines are ignored", () => {
    const r = taskTransition(at("running"), EVENTS.deadline, DEADLINE);
    expect(r.state).toMatchObject({
      status: "cancelling",
      reason: { code: "task.deadline", params: { seconds: 3600 } },
    });
    expect(r.commands).toEqual([{ type: "cancel-running", reason: "deadline" }]);
    expect(taskTransition(at("running"), EVENTS.deadline, DEADLINE - 1).ignored?.code).toBe(
      "ignored.early",
    );
    expect(
      taskTransition(at("running", { deadlineAt: null }), EVENTS.deadline, LATE).ignored?.code,
    ).toBe("ignored.deadline-unset");
  });

  it("a pending task past its deadline is cancelled without running", () => {
    const r = taskTransition(at("pending"), EVENTS.deadline, LATE);
    expect(r.state.reason?.code).toBe("task.deadline-before-start");
  });

  it("retry reopens a failed task, clears the halt, and may set a new deadline", () => {
    const failed = at("failed", { halted: true });
    const r = taskTransition(failed, { type: "retry", deadlineAt: LATE + 3600 * S }, LATE);
    expect(r.state).toMatchObject({
      status: "running",
      halted: false,
      endedAt: null,
      startedAt: T0,
      deadlineAt: LATE + 3600 * S,
    });
    expect(taskTransition(failed, { type: "retry" }, LATE).state.deadlineAt).toBe(DEADLINE);
  });
});
