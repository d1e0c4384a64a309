/**
 * One (graph step, node) entry: blocked → ready → running → succeeded | failed | cancelled, with
 * running → retry_wait → ready between attempts. The step's status always comes from its latest
 * attempt, so a retry that succeeds shows `succeeded` (the old system kept showing the error).
 *
 * Decisions
 * - `ready` does not start anything: the scheduler (`pickAttemptsToStart`) chooses which ready
 *   steps start. `attempt-started` is the executor telling the step it has been picked; the step
 *   answers with `start-attempt` carrying the attempt number to insert (numbers never repeat).
 * - The retry policy is the one in the step (the plan merged the launch override into it);
 *   `nextRetryDelaySeconds` decides, counting attempts since the last reset. Non-retryable exit
 *   codes apply to a process that exited by itself (`failed`); a timed-out or lost attempt has no
 *   exit code of its own and is retried while attempts remain.
 * - A step whose dependency failed never runs: it becomes `cancelled` with the reason "dependency X
 *   failed", not `skipped`. `skipped` means "the plan decided this step need not run" and satisfies
 *   dependents; a failed dependency must instead propagate to them, which `cancelled` does.
 * - A running step is cancelled through its attempt (`cancel` on a running step is ignored): the
 *   step ends `cancelled` when its attempt ends cancelled, so no process is left behind unseen.
 * - `reset` (retry failed / retry from step) moves a final step back to blocked or ready, keeps
 *   `attempts` (numbering continues, history stays) and starts a fresh retry budget. A step the
 *   plan skipped is not reset: its condition, not a failure, kept it from running.
 */
import { nextRetryDelaySeconds } from "../taskgraph/plan";
import { MACHINE, reason } from "./reasons";
import {
  FINAL_STEP,
  type Reason,
  type StepCommand,
  type StepEvent,
  type StepState,
  type StepStatus,
  type Transition,
} from "./types";

type T = Transition<StepState, StepCommand>;
type AttemptEnded = Extract<StepEvent, { type: "attempt-ended" }>;

function ignore(state: StepState, ignored: Reason): T {
  return { state, commands: [], ignored };
}

function notApplicable(state: StepState, event: StepEvent): T {
  return ignore(
    state,
    reason(
      FINAL_STEP.has(state.status) ? "ignored.final" : "ignored.not-applicable",
      { event: event.type, status: state.status },
      { machine: { message: MACHINE.step } },
    ),
  );
}

function end(state: StepState, status: StepStatus, why: Reason | null): T {
  return {
    state: { ...state, status, reason: why, readyAt: null, queuedSince: null },
    commands: [{ type: "step-final", stepKey: state.key, status }],
  };
}

function makeReady(state: StepState, now: number, why: Reason | null): StepState {
  const queue = state.timeouts.queueSeconds;
  return {
    ...state,
    status: "ready",
    queuedSince: now,
    readyAt: queue > 0 ? now + queue * 1000 : null,
    reason: why,
  };
}

/** How the attempt failed, as a nested text for the step's reason. */
function failureOf(state: StepState, event: AttemptEnded) {
  if (event.status === "timed_out")
    return reason("failure.timeout", { seconds: state.timeouts.attemptSeconds });
  if (event.status === "lost")
    return reason("failure.lost", { heartbeatSeconds: state.timeouts.heartbeatSeconds });
  return reason("failure.exit", { exitCode: event.exitCode ?? "none" });
}

function attemptEnded(state: StepState, event: AttemptEnded, now: number): T {
  if (event.status === "succeeded") return end(state, "succeeded", null);
  if (event.status === "cancelled")
    return end(state, "cancelled", reason("step.cancelled-running", { attempt: state.attempts }));

  const sinceReset = state.attempts - (state.attemptsAtReset ?? 0);
  const policy = state.retry;
  const exitCode = event.status === "failed" ? event.exitCode : null;
  const failure = failureOf(state, event);
  const numbers = { attempt: sinceReset, maxAttempts: policy.maxAttempts, status: event.status };
  const delay = nextRetryDelaySeconds(policy, sinceReset, exitCode);
  if (delay !== null) {
    const at = now + delay * 1000;
    return {
      state: {
        ...state,
        status: "retry_wait",
        readyAt: at,
        queuedSince: null,
        reason: reason("step.retrying", { ...numbers, delaySeconds: delay }, { failure }),
      },
      commands: [{ type: "schedule-retry", stepKey: state.key, at }],
    };
  }
  // Said first even on the last attempt: "retrying cannot help" is the more useful fact.
  if (exitCode !== null && policy.nonRetryableExitCodes.includes(exitCode))
    return end(state, "failed", reason("step.not-retryable", { ...numbers, exitCode }));
  if (policy.maxAttempts === 1)
    return end(state, "failed", reason("step.failed-no-retries", numbers, { failure }));
  return end(state, "failed", reason("step.retries-exhausted", numbers, { failure }));
}

export function stepTransition(state: StepState, event: StepEvent, now: number): T {
  switch (event.type) {
    case "dependencies-met":
      if (state.status !== "blocked") return notApplicable(state, event);
      return { state: makeReady(state, now, null), commands: [] };

    case "dependency-failed":
      if (state.status !== "blocked") return notApplicable(state, event);
      return end(
        state,
        "cancelled",
        reason("step.dependency-failed", { dependency: event.dependency }),
      );

    case "attempt-started": {
      if (state.status !== "ready") return notApplicable(state, event);
      const number = state.attempts + 1;
      return {
        state: { ...state, status: "running", attempts: number, readyAt: null, queuedSince: null },
        commands: [{ type: "start-attempt", stepKey: state.key, number }],
      };
    }

    case "attempt-ended":
      if (state.status !== "running") return notApplicable(state, event);
      return attemptEnded(state, event, now);

    case "retry-due":
      if (state.status !== "retry_wait") return notApplicable(state, event);
      if (state.readyAt !== null && now < state.readyAt)
        return ignore(
          state,
          reason("ignored.early", {
            event: event.type,
            due: state.readyAt,
            earlyMs: state.readyAt - now,
          }),
        );
      // The retry's reason stays visible while the step waits for its next slot.
      return { state: makeReady(state, now, state.reason), commands: [] };

    case "queue-timeout": {
      if (state.status !== "ready") return notApplicable(state, event);
      if (state.readyAt === null)
        return ignore(state, reason("ignored.deadline-unset", { event: event.type }));
      if (now < state.readyAt)
        return ignore(
          state,
          reason("ignored.early", {
            event: event.type,
            due: state.readyAt,
            earlyMs: state.readyAt - now,
          }),
        );
      const waited = Math.round((now - (state.queuedSince ?? now)) / 1000);
      return end(
        state,
        "failed",
        reason("step.queue-timeout", {
          waitedSeconds: waited,
          limitSeconds: state.timeouts.queueSeconds,
        }),
      );
    }

    case "cancel":
      switch (state.status) {
        case "blocked":
        case "ready":
          return end(state, "cancelled", reason("step.cancelled-waiting"));
        case "retry_wait":
          return end(
            state,
            "cancelled",
            reason("step.cancelled-retry-wait", { next: state.attempts + 1 }),
          );
        case "running":
          return ignore(state, reason("ignored.cancel-through-attempt"));
        default:
          return notApplicable(state, event);
      }

    case "reset":
      if (state.status === "skipped") return ignore(state, reason("ignored.skipped-not-reset"));
      if (!FINAL_STEP.has(state.status)) return notApplicable(state, event);
      {
        const base: StepState = { ...state, attemptsAtReset: state.attempts };
        if (event.dependenciesMet) return { state: makeReady(base, now, null), commands: [] };
        return {
          state: { ...base, status: "blocked", readyAt: null, queuedSince: null, reason: null },
          commands: [],
        };
      }
  }
}

/** A step row as the executor creates it, blocked until its dependencies are met. */
export function newStep(
  key: string,
  retry: StepState["retry"],
  timeouts: StepState["timeouts"],
): StepState {
  return {
    key,
    status: "blocked",
    attempts: 0,
    retry,
    timeouts,
    readyAt: null,
    queuedSince: null,
    reason: null,
    attemptsAtReset: 0,
  };
}
