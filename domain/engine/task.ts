/**
 * A task: pending → running → succeeded | failed, with paused (graceful stop) and cancelling →
 * cancelled. The executor feeds `progress` with the step counts after every step change; the task
 * decides from them whether it has ended.
 *
 * Decisions
 * - Ending: when every step is final, the task succeeded if none failed or was cancelled (skipped
 *   counts as success), otherwise it failed. A cancelled step outside a cancel can only come from a
 *   failed dependency, so it is counted as a failure of the task.
 * - Fault tolerance: `toleranceExceeded` sets `halted` (the scheduler starts nothing new); the task
 *   fails as soon as nothing runs any more, even though steps that never started are not final.
 * - `paused` is a graceful stop: nothing new starts, running attempts finish. A paused task whose
 *   steps all end still ends; one whose running attempts finish stays paused until resumed.
 * - `cancel` and `deadline` move to `cancelling` and emit `cancel-running` (the executor cancels
 *   waiting steps directly and running ones through their attempts); the task is `cancelled` once
 *   nothing runs. If every step had already succeeded by then, the task says `succeeded`: the work
 *   is done, and reporting otherwise would hide a changed cluster. A pending task is cancelled at
 *   once: nothing runs yet.
 * - Final states ignore every event except `retry`, which reopens the task for "retry failed" /
 *   "retry from step" (the executor resets the chosen steps in the same transaction).
 */
import { MACHINE, reason } from "./reasons";
import {
  FINAL_TASK,
  type Reason,
  type TaskCommand,
  type TaskCounts,
  type TaskEvent,
  type TaskState,
  type TaskStatus,
  type Transition,
} from "./types";

type T = Transition<TaskState, TaskCommand>;
type Progress = Extract<TaskEvent, { type: "progress" }>;

function ignore(state: TaskState, ignored: Reason): T {
  return { state, commands: [], ignored };
}

function notApplicable(state: TaskState, event: TaskEvent): T {
  return ignore(
    state,
    reason(
      FINAL_TASK.has(state.status) ? "ignored.final" : "ignored.not-applicable",
      { event: event.type, status: state.status },
      { machine: { message: MACHINE.task } },
    ),
  );
}

function end(state: TaskState, status: TaskStatus, now: number, why: Reason | null): T {
  return {
    state: { ...state, status, endedAt: now, reason: why },
    commands: [{ type: "task-final", status }],
  };
}

function allFinal(c: TaskCounts): boolean {
  return c.succeeded + c.failed + c.skipped + c.cancelled >= c.total && c.running === 0;
}

function cleanSuccess(c: TaskCounts): boolean {
  return allFinal(c) && c.failed === 0 && c.cancelled === 0;
}

function toleranceReason(event: Progress): Reason {
  return event.tolerance
    ? reason("task.tolerance-exceeded", { ...event.tolerance })
    : reason("task.halted");
}

function progress(state: TaskState, event: Progress, now: number): T {
  const c = event.counts;
  let next = state;
  if (event.toleranceExceeded && !state.halted)
    next = {
      ...state,
      halted: true,
      // While cancelling, the cancel stays the task's story; the halt only stops scheduling.
      reason: state.status === "cancelling" ? state.reason : toleranceReason(event),
    };

  if (next.status === "cancelling") {
    if (c.running > 0) return { state: next, commands: [] };
    if (cleanSuccess(c)) return end(next, "succeeded", now, reason("task.finished-before-cancel"));
    return end(next, "cancelled", now, next.reason);
  }

  if (allFinal(c)) {
    if (cleanSuccess(c)) return end(next, "succeeded", now, null);
    // A halt's reason names the group and its numbers, which says more than the totals.
    const why = next.halted
      ? next.reason
      : reason("task.steps-failed", { failed: c.failed, total: c.total, cancelled: c.cancelled });
    return end(next, "failed", now, why);
  }
  if (next.halted && c.running === 0) return end(next, "failed", now, next.reason);
  return { state: next, commands: [] };
}

export function taskTransition(state: TaskState, event: TaskEvent, now: number): T {
  if (FINAL_TASK.has(state.status) && event.type !== "retry") return notApplicable(state, event);

  switch (event.type) {
    case "start":
      if (state.status !== "pending") return notApplicable(state, event);
      return { state: { ...state, status: "running", startedAt: now }, commands: [] };

    case "progress":
      if (state.status === "pending") return notApplicable(state, event);
      return progress(state, event, now);

    case "cancel":
      if (state.status === "pending") return end(state, "cancelled", now, reason("task.cancel"));
      if (state.status === "cancelling") return notApplicable(state, event);
      return {
        state: { ...state, status: "cancelling", reason: reason("task.cancel") },
        commands: [{ type: "cancel-running", reason: "cancel" }],
      };

    case "deadline": {
      if (state.status === "cancelling") return notApplicable(state, event);
      if (state.deadlineAt === null)
        return ignore(state, reason("ignored.deadline-unset", { event: event.type }));
      if (now < state.deadlineAt)
        return ignore(
          state,
          reason("ignored.early", {
            event: event.type,
            due: state.deadlineAt,
            earlyMs: state.deadlineAt - now,
          }),
        );
      if (state.status === "pending" || state.startedAt === null)
        return end(state, "cancelled", now, reason("task.deadline-before-start"));
      const seconds = Math.round((state.deadlineAt - state.startedAt) / 1000);
      return {
        state: { ...state, status: "cancelling", reason: reason("task.deadline", { seconds }) },
        commands: [{ type: "cancel-running", reason: "deadline" }],
      };
    }

    case "pause":
      if (state.status !== "running") return notApplicable(state, event);
      // A halt's reason outlives a pause: it is why the task will fail, the pause is not.
      return {
        state: {
          ...state,
          status: "paused",
          reason: state.halted ? state.reason : reason("task.paused"),
        },
        commands: [],
      };

    case "resume":
      if (state.status !== "paused") return notApplicable(state, event);
      return {
        state: { ...state, status: "running", reason: state.halted ? state.reason : null },
        commands: [],
      };

    case "retry":
      if (!FINAL_TASK.has(state.status)) return notApplicable(state, event);
      return {
        state: {
          ...state,
          status: "running",
          endedAt: null,
          halted: false,
          reason: null,
          startedAt: state.startedAt ?? now,
          deadlineAt: event.deadlineAt === undefined ? state.deadlineAt : event.deadlineAt,
        },
        commands: [],
      };
  }
}

/** A task row as launched: pending, with an optional deadline. */
export function newTask(deadlineAt: number | null = null): TaskState {
  return {
    status: "pending",
    startedAt: null,
    endedAt: null,
    deadlineAt,
    halted: false,
    reason: null,
  };
}
