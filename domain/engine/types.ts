/**
 * The engine's states, events and commands: the contract between the pure transition functions
 * (domain/engine/*.ts) and the executor that persists states and carries out commands
 * (server/engine). Times are epoch milliseconds passed in as `now`; nothing here reads a clock.
 */
import type { Localized, Params } from "../i18n";
import type { RetryPolicy } from "../taskgraph/schema";

export const TASK_STATUSES = [
  "pending",
  "running",
  "paused",
  "cancelling",
  "cancelled",
  "succeeded",
  "failed",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const STEP_STATUSES = [
  "blocked",
  "ready",
  "running",
  "retry_wait",
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export const ATTEMPT_STATUSES = [
  "queued",
  "dispatched",
  "running",
  "killing",
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
  "lost",
] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

export const TASK_MODES = ["plan", "noop", "apply"] as const;
export type TaskMode = (typeof TASK_MODES)[number];

export const FINAL_ATTEMPT: ReadonlySet<AttemptStatus> = new Set([
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
  "lost",
]);
export const FINAL_STEP: ReadonlySet<StepStatus> = new Set([
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
]);
export const FINAL_TASK: ReadonlySet<TaskStatus> = new Set(["cancelled", "succeeded", "failed"]);

/** Why something ended or waits, in both languages, with the facts as params. */
export interface Reason {
  code: string;
  message: Localized;
  params: Params;
}

export interface Timeouts {
  /** Per attempt, from start on the agent. */
  attemptSeconds: number;
  /** Agent silence tolerated while an attempt is dispatched/running/killing. */
  heartbeatSeconds: number;
  /** Longest wait in `ready` before the step fails with queue-timeout (0 = unlimited). */
  queueSeconds: number;
}

export interface AttemptState {
  id: string;
  number: number;
  status: AttemptStatus;
  /** Lease epoch: a report carrying an older epoch is stale and refused. */
  epoch: number;
  exitCode: number | null;
  reason: Reason | null;
  /** Why a kill was asked for; the final status follows it once the agent confirms. */
  killFor: "timeout" | "cancel" | null;
  queuedAt: number;
  dispatchedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Attempt deadline (start + attemptSeconds), checked by the sweeper. */
  deadlineAt: number | null;
  /** Last sign of life from the agent + heartbeatSeconds. */
  heartbeatDeadlineAt: number | null;
}

export type AttemptEvent =
  | { type: "dispatch"; epoch: number }
  | { type: "started"; epoch: number }
  | { type: "heartbeat"; epoch: number }
  | { type: "exited"; epoch: number; exitCode: number }
  | { type: "deadline" }
  | { type: "heartbeat-expired" }
  | { type: "cancel" }
  | { type: "kill-confirmed"; epoch: number }
  /** The agent stopped the attempt at its own deadline (the server may have been away) and confirms
   * no process of it is left. */
  | { type: "agent-timeout"; epoch: number };

export type AttemptCommand =
  | { type: "send-kill"; attemptId: string; epoch: number; reason: "timeout" | "cancel" }
  | { type: "attempt-final"; attemptId: string; status: AttemptStatus; exitCode: number | null };

export interface StepState {
  key: string;
  status: StepStatus;
  attempts: number;
  retry: RetryPolicy;
  timeouts: Timeouts;
  /** When a `retry_wait` step becomes ready again, or when a `ready` step times out in the queue. */
  readyAt: number | null;
  queuedSince: number | null;
  reason: Reason | null;
  /**
   * Attempts made before the last `reset` (absent = 0). Numbering continues across a reset, but the
   * retry policy counts only the attempts since it, so "retry failed" gets a fresh retry budget.
   */
  attemptsAtReset?: number;
}

export type StepEvent =
  | { type: "dependencies-met" }
  | { type: "dependency-failed"; dependency: string }
  | { type: "attempt-started" }
  | {
      type: "attempt-ended";
      status: Extract<AttemptStatus, "succeeded" | "failed" | "timed_out" | "cancelled" | "lost">;
      exitCode: number | null;
    }
  | { type: "retry-due" }
  | { type: "queue-timeout" }
  | { type: "cancel" }
  /** Retry failed / retry from step: a final step goes back to blocked or ready. */
  | { type: "reset"; dependenciesMet: boolean };

export type StepCommand =
  | { type: "start-attempt"; stepKey: string; number: number }
  | { type: "schedule-retry"; stepKey: string; at: number }
  | { type: "step-final"; stepKey: string; status: StepStatus };

export interface TaskCounts {
  total: number;
  succeeded: number;
  failed: number;
  skipped: number;
  cancelled: number;
  running: number;
}

export interface TaskState {
  status: TaskStatus;
  startedAt: number | null;
  endedAt: number | null;
  deadlineAt: number | null;
  /** A group's failures exceeded its fault tolerance: no new attempts start. */
  halted: boolean;
  reason: Reason | null;
}

export type TaskEvent =
  | { type: "start" }
  | {
      type: "progress";
      counts: TaskCounts;
      toleranceExceeded: boolean;
      /** The group that exceeded its fault tolerance, for the reason's numbers. */
      tolerance?: { group: string; failed: number; tolerated: number };
    }
  | { type: "cancel" }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "deadline" }
  /**
   * "Retry failed" / "retry from step": reopens a final task (the only event a final task takes);
   * the executor resets the chosen steps in the same transaction. A new deadline may come with it.
   */
  | { type: "retry"; deadlineAt?: number | null };

export type TaskCommand =
  | { type: "cancel-running"; reason: "cancel" | "deadline" }
  | { type: "task-final"; status: TaskStatus };

export interface Transition<S, C> {
  state: S;
  commands: C[];
  /**
   * Set when the event changed nothing (not applicable in this state, early timer, duplicate,
   * stale report); `state` is then the very object passed in. The executor logs it.
   */
  ignored?: Reason;
  /** The report came from an older lease epoch than the attempt's current one. */
  stale?: boolean;
}
