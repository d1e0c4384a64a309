/**
 * One attempt of a step on a node: queued → dispatched → running → succeeded | failed, with
 * timeout and cancel passing through `killing` until the agent confirms the process tree is gone,
 * and `lost` when the agent stays silent past its heartbeat deadline.
 *
 * Decisions
 * - Reports (started, heartbeat, exited, kill-confirmed) must carry the attempt's current lease
 *   epoch. An older epoch is a stale agent or replica: ignored with `stale: true`. A newer one was
 *   never issued by a dispatch, so it is ignored too (never trusted).
 * - Timer events (deadline, heartbeat-expired) are checked against the state's own deadline: a
 *   sweeper that read the row before a heartbeat moved the deadline cannot expire it early.
 * - `exited` while `killing` records the exit code and refreshes the heartbeat, but the attempt
 *   stays `killing`: only `kill-confirmed` proves that no child of the process is left (the old
 *   system's timeouts left processes running). On confirmation, exit code 0 means the work finished
 *   by itself before the kill landed → `succeeded`, because the node's state was changed and saying
 *   otherwise would be false. Any other exit, or none, is attributed to the kill and the status
 *   follows `killFor`: a SIGTERM handler typically exits non-zero, so a non-zero code during a kill
 *   cannot be told apart from the kill's own effect, and calling it `failed` would let a cancelled
 *   step be retried.
 * - `exited` while `dispatched` is accepted (the agent's `started` report may have been lost or
 *   coalesced with the exit); `startedAt` stays null rather than inventing a start time.
 * - `cancel` while `queued` ends the attempt at once (nothing was sent); from `dispatched` it goes
 *   through `killing`, since the agent may already have started the process.
 * - A timeout of 0 seconds means "no limit" (no deadline is set).
 * - `agent-timeout`: the agent enforces the deadline itself, so an attempt ends on time even when
 *   the server is unreachable; the agent reports it (after reconnecting) as final → `timed_out`.
 */
import { MACHINE, reason } from "./reasons";
import {
  FINAL_ATTEMPT,
  type AttemptCommand,
  type AttemptEvent,
  type AttemptState,
  type AttemptStatus,
  type Reason,
  type Timeouts,
  type Transition,
} from "./types";

type T = Transition<AttemptState, AttemptCommand>;

function after(now: number, seconds: number): number | null {
  return seconds > 0 ? now + seconds * 1000 : null;
}

function ignore(state: AttemptState, ignored: Reason, stale = false): T {
  return stale ? { state, commands: [], ignored, stale: true } : { state, commands: [], ignored };
}

function notApplicable(state: AttemptState, event: AttemptEvent): T {
  return ignore(
    state,
    reason(
      FINAL_ATTEMPT.has(state.status) ? "ignored.final" : "ignored.not-applicable",
      { event: event.type, status: state.status },
      { machine: { message: MACHINE.attempt } },
    ),
  );
}

function finish(
  state: AttemptState,
  status: AttemptStatus,
  now: number,
  why: Reason | null,
  exitCode: number | null = state.exitCode,
): T {
  const next: AttemptState = { ...state, status, exitCode, reason: why, endedAt: now };
  return {
    state: next,
    commands: [{ type: "attempt-final", attemptId: state.id, status, exitCode }],
  };
}

function startKill(state: AttemptState, killFor: "timeout" | "cancel", timeouts: Timeouts): T {
  const why =
    killFor === "timeout"
      ? reason("attempt.killing-timeout", { seconds: timeouts.attemptSeconds })
      : reason("attempt.killing-cancel");
  return {
    state: { ...state, status: "killing", killFor, reason: why },
    commands: [{ type: "send-kill", attemptId: state.id, epoch: state.epoch, reason: killFor }],
  };
}

/** `null` when the timer is due; otherwise why the event is ignored. */
function early(event: AttemptEvent, dueAt: number | null, now: number): Reason | null {
  if (dueAt === null) return reason("ignored.deadline-unset", { event: event.type });
  if (now < dueAt)
    return reason("ignored.early", { event: event.type, due: dueAt, earlyMs: dueAt - now });
  return null;
}

function exitStatus(exitCode: number): AttemptStatus {
  return exitCode === 0 ? "succeeded" : "failed";
}

export function attemptTransition(
  state: AttemptState,
  event: AttemptEvent,
  now: number,
  timeouts: Timeouts,
): T {
  if ("epoch" in event && event.type !== "dispatch" && state.status !== "queued") {
    if (event.epoch < state.epoch)
      return ignore(
        state,
        reason("ignored.stale-epoch", {
          event: event.type,
          epoch: event.epoch,
          current: state.epoch,
        }),
        true,
      );
    if (event.epoch > state.epoch)
      return ignore(
        state,
        reason("ignored.unknown-epoch", {
          event: event.type,
          epoch: event.epoch,
          current: state.epoch,
        }),
      );
  }

  switch (state.status) {
    case "queued":
      switch (event.type) {
        case "dispatch":
          if (event.epoch < state.epoch)
            return ignore(
              state,
              reason("ignored.stale-epoch", {
                event: event.type,
                epoch: event.epoch,
                current: state.epoch,
              }),
              true,
            );
          return {
            state: {
              ...state,
              status: "dispatched",
              epoch: event.epoch,
              dispatchedAt: now,
              heartbeatDeadlineAt: after(now, timeouts.heartbeatSeconds),
            },
            commands: [],
          };
        case "cancel":
          return finish(state, "cancelled", now, reason("attempt.cancelled-queued"));
        default:
          return notApplicable(state, event);
      }

    case "dispatched":
      switch (event.type) {
        case "started":
          return {
            state: {
              ...state,
              status: "running",
              startedAt: now,
              deadlineAt: after(now, timeouts.attemptSeconds),
              heartbeatDeadlineAt: after(now, timeouts.heartbeatSeconds),
            },
            commands: [],
          };
        case "heartbeat":
          return {
            state: { ...state, heartbeatDeadlineAt: after(now, timeouts.heartbeatSeconds) },
            commands: [],
          };
        case "exited":
          return finish(
            state,
            exitStatus(event.exitCode),
            now,
            event.exitCode === 0
              ? null
              : reason("attempt.exit-started-unreported", { exitCode: event.exitCode }),
            event.exitCode,
          );
        case "heartbeat-expired": {
          const notYet = early(event, state.heartbeatDeadlineAt, now);
          if (notYet) return ignore(state, notYet);
          return finish(
            state,
            "lost",
            now,
            reason("attempt.lost", { seconds: timeouts.heartbeatSeconds }),
          );
        }
        case "agent-timeout":
          return finish(
            state,
            "timed_out",
            now,
            reason("attempt.timed-out-agent", { seconds: timeouts.attemptSeconds }),
          );
        case "cancel":
          return startKill(state, "cancel", timeouts);
        default:
          return notApplicable(state, event);
      }

    case "running":
      switch (event.type) {
        case "heartbeat":
          return {
            state: { ...state, heartbeatDeadlineAt: after(now, timeouts.heartbeatSeconds) },
            commands: [],
          };
        case "started":
          return ignore(state, reason("ignored.duplicate", { event: event.type }));
        case "exited":
          return finish(
            state,
            exitStatus(event.exitCode),
            now,
            event.exitCode === 0
              ? null
              : reason("attempt.exit-failed", { exitCode: event.exitCode }),
            event.exitCode,
          );
        case "deadline": {
          const notYet = early(event, state.deadlineAt, now);
          if (notYet) return ignore(state, notYet);
          return startKill(state, "timeout", timeouts);
        }
        case "heartbeat-expired": {
          const notYet = early(event, state.heartbeatDeadlineAt, now);
          if (notYet) return ignore(state, notYet);
          return finish(
            state,
            "lost",
            now,
            reason("attempt.lost", { seconds: timeouts.heartbeatSeconds }),
          );
        }
        case "agent-timeout":
          return finish(
            state,
            "timed_out",
            now,
            reason("attempt.timed-out-agent", { seconds: timeouts.attemptSeconds }),
          );
        case "cancel":
          return startKill(state, "cancel", timeouts);
        default:
          return notApplicable(state, event);
      }

    case "killing":
      switch (event.type) {
        case "heartbeat":
          return {
            state: { ...state, heartbeatDeadlineAt: after(now, timeouts.heartbeatSeconds) },
            commands: [],
          };
        case "exited":
          if (state.exitCode !== null)
            return ignore(state, reason("ignored.duplicate", { event: event.type }));
          return {
            state: {
              ...state,
              exitCode: event.exitCode,
              heartbeatDeadlineAt: after(now, timeouts.heartbeatSeconds),
            },
            commands: [],
          };
        // The agent's own deadline may fire while the engine's kill is on its way: either way the
        // process tree is gone, and the status follows what the engine asked the kill for.
        case "agent-timeout":
        case "kill-confirmed":
          if (state.exitCode === 0)
            return finish(state, "succeeded", now, reason("attempt.finished-before-kill"));
          return state.killFor === "timeout"
            ? finish(
                state,
                "timed_out",
                now,
                reason("attempt.timed-out", { seconds: timeouts.attemptSeconds }),
              )
            : finish(state, "cancelled", now, reason("attempt.cancelled"));
        case "heartbeat-expired": {
          const notYet = early(event, state.heartbeatDeadlineAt, now);
          if (notYet) return ignore(state, notYet);
          return finish(
            state,
            "lost",
            now,
            reason("attempt.lost-while-killing", { seconds: timeouts.heartbeatSeconds }),
          );
        }
        default:
          return notApplicable(state, event);
      }

    default:
      return notApplicable(state, event);
  }
}

/** A fresh attempt row, as the executor inserts it on a step's `start-attempt` command. */
export function newAttempt(id: string, number: number, now: number): AttemptState {
  return {
    id,
    number,
    status: "queued",
    epoch: 0,
    exitCode: null,
    reason: null,
    killFor: null,
    queuedAt: now,
    dispatchedAt: null,
    startedAt: null,
    endedAt: null,
    deadlineAt: null,
    heartbeatDeadlineAt: null,
  };
}
