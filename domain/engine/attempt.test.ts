import { describe, expect, it } from "vitest";
import { attemptTransition, newAttempt } from "./attempt";
import {
  ATTEMPT_STATUSES,
  FINAL_ATTEMPT,
  type AttemptEvent,
  type AttemptState,
  type AttemptStatus,
  type Timeouts,
} from "./types";

const T0 = 1_700_000_000_000;
const S = 1000;
const timeouts: Timeouts = { attemptSeconds: 300, heartbeatSeconds: 30, queueSeconds: 600 };
/** Past every deadline the fixtures carry, so timer events are due. */
const LATE = T0 + 400 * S;
const EPOCH = 3;

function at(status: AttemptStatus): AttemptState {
  const base = { ...newAttempt("a-1", 1, T0 - 10 * S) };
  switch (status) {
    case "queued":
      return base;
    case "dispatched":
      return { ...base, status, epoch: EPOCH, dispatchedAt: T0, heartbeatDeadlineAt: T0 + 30 * S };
    case "running":
      return {
        ...base,
        status,
        epoch: EPOCH,
        dispatchedAt: T0,
        startedAt: T0,
        deadlineAt: T0 + 300 * S,
        heartbeatDeadlineAt: T0 + 30 * S,
      };
    case "killing":
      return { ...at("running"), status, killFor: "timeout" };
    default:
      return {
        ...at("running"),
        status,
        endedAt: T0 + 5 * S,
        exitCode: status === "succeeded" ? 0 : 1,
      };
  }
}

const EVENTS: Record<AttemptEvent["type"], AttemptEvent> = {
  dispatch: { type: "dispatch", epoch: EPOCH },
  started: { type: "started", epoch: EPOCH },
  heartbeat: { type: "heartbeat", epoch: EPOCH },
  exited: { type: "exited", epoch: EPOCH, exitCode: 0 },
  deadline: { type: "deadline" },
  "heartbeat-expired": { type: "heartbeat-expired" },
  cancel: { type: "cancel" },
  "kill-confirmed": { type: "kill-confirmed", epoch: EPOCH },
  "agent-timeout": { type: "agent-timeout", epoch: EPOCH },
};

type Row = [AttemptStatus, AttemptEvent["type"], AttemptStatus, string[], string | null];
const NA = "ignored.not-applicable";

/** Every non-final state × every event: resulting status, command types, ignored reason code. */
const TABLE: Row[] = [
  ["queued", "dispatch", "dispatched", [], null],
  ["queued", "started", "queued", [], NA],
  ["queued", "heartbeat", "queued", [], NA],
  ["queued", "exited", "queued", [], NA],
  ["queued", "deadline", "queued", [], NA],
  ["queued", "heartbeat-expired", "queued", [], NA],
  ["queued", "cancel", "cancelled", ["attempt-final"], null],
  ["queued", "kill-confirmed", "queued", [], NA],
  ["queued", "agent-timeout", "queued", [], NA],

  ["dispatched", "dispatch", "dispatched", [], NA],
  ["dispatched", "started", "running", [], null],
  ["dispatched", "heartbeat", "dispatched", [], null],
  ["dispatched", "exited", "succeeded", ["attempt-final"], null],
  ["dispatched", "deadline", "dispatched", [], NA],
  ["dispatched", "heartbeat-expired", "lost", ["attempt-final"], null],
  ["dispatched", "cancel", "killing", ["send-kill"], null],
  ["dispatched", "kill-confirmed", "dispatched", [], NA],
  ["dispatched", "agent-timeout", "timed_out", ["attempt-final"], null],

  ["running", "dispatch", "running", [], NA],
  ["running", "started", "running", [], "ignored.duplicate"],
  ["running", "heartbeat", "running", [], null],
  ["running", "exited", "succeeded", ["attempt-final"], null],
  ["running", "deadline", "killing", ["send-kill"], null],
  ["running", "heartbeat-expired", "lost", ["attempt-final"], null],
  ["running", "cancel", "killing", ["send-kill"], null],
  ["running", "kill-confirmed", "running", [], NA],
  ["running", "agent-timeout", "timed_out", ["attempt-final"], null],

  ["killing", "dispatch", "killing", [], NA],
  ["killing", "started", "killing", [], NA],
  ["killing", "heartbeat", "killing", [], null],
  ["killing", "exited", "killing", [], null],
  ["killing", "deadline", "killing", [], NA],
  ["killing", "heartbeat-expired", "lost", ["attempt-final"], null],
  ["killing", "cancel", "killing", [], NA],
  ["killing", "kill-confirmed", "timed_out", ["attempt-final"], null],
  ["killing", "agent-timeout", "timed_out", ["attempt-final"], null],
];

const FINAL_ROWS: Row[] = ATTEMPT_STATUSES.filter((s) => FINAL_ATTEMPT.has(s)).flatMap((status) =>
  (Object.keys(EVENTS) as AttemptEvent["type"][]).map((event): Row => [
    status,
    event,
    status,
    [],
    "ignored.final",
  ]),
);

describe("attemptTransition: every state × every event", () => {
  it("covers all 9 states × 9 events", () => {
    const seen = new Set([...TABLE, ...FINAL_ROWS].map(([s, e]) => `${s}/${e}`));
    expect(seen.size).toBe(ATTEMPT_STATUSES.length * Object.keys(EVENTS).length);
  });

  it.each([...TABLE, ...FINAL_ROWS])(
    "%s + %s → %s %j (ignored: %s)",
    (from, event, to, commands, ignored) => {
      const state = at(from);
      const result = attemptTransition(state, EVENTS[event], LATE, timeouts);
      expect(result.state.status).toBe(to);
      expect(result.commands.map((c) => c.type)).toEqual(commands);
      expect(result.ignored?.code ?? null).toBe(ignored);
      if (ignored) {
        // An ignored event changes nothing: the executor can skip the write.
        expect(result.state).toBe(state);
        expect(result.ignored?.message.en).toContain(event);
        expect(result.ignored?.message["zh-CN"]).toContain(event);
      }
      expect(result.stale).toBeUndefined();
      for (const c of result.commands) if (c.type === "attempt-final") expect(c.status).toBe(to);
    },
  );
});

describe("attempt timers and fields", () => {
  it("dispatch records the lease epoch and a heartbeat deadline", () => {
    const { state } = attemptTransition(at("queued"), { type: "dispatch", epoch: 7 }, T0, timeouts);
    expect(state).toMatchObject({ epoch: 7, dispatchedAt: T0, heartbeatDeadlineAt: T0 + 30 * S });
  });

  it("started sets the attempt deadline from the start and refreshes the heartbeat deadline", () => {
    const { state } = attemptTransition(at("dispatched"), EVENTS.started, T0 + 2 * S, timeouts);
    expect(state).toMatchObject({
      startedAt: T0 + 2 * S,
      deadlineAt: T0 + 302 * S,
      heartbeatDeadlineAt: T0 + 32 * S,
    });
  });

  it("each heartbeat moves the heartbeat deadline", () => {
    const { state } = attemptTransition(at("running"), EVENTS.heartbeat, T0 + 25 * S, timeouts);
    expect(state.heartbeatDeadlineAt).toBe(T0 + 55 * S);
    expect(state.deadlineAt).toBe(T0 + 300 * S);
  });

  it("a timeout of 0 s sets no deadline", () => {
    const none = { ...timeouts, attemptSeconds: 0 };
    const { state } = attemptTransition(at("dispatched"), EVENTS.started, T0, none);
    expect(state.deadlineAt).toBeNull();
    const r = attemptTransition(state, EVENTS.deadline, LATE, none);
    expect(r.ignored?.code).toBe("ignored.deadline-unset");
  });

  it("a deadline event that comes early (a racing sweeper) is ignored with the numbers", () => {
    const state = at("running");
    const r = attemptTransition(state, EVENTS.deadline, T0 + 299 * S, timeouts);
    expect(r.state).toBe(state);
    expect(r.ignored).toMatchObject({
      code: "ignored.early",
      params: { due: T0 + 300 * S, earlyMs: S },
    });
    expect(attemptTransition(state, EVENTS.deadline, T0 + 300 * S, timeouts).state.status).toBe(
      "killing",
    );
  });

  it("heartbeat-expired before the heartbeat deadline is ignored: a heartbeat won the race", () => {
    for (const status of ["dispatched", "running", "killing"] as const) {
      const state = at(status);
      const early = attemptTransition(state, EVENTS["heartbeat-expired"], T0 + 29 * S, timeouts);
      expect(early.ignored?.code).toBe("ignored.early");
      const due = attemptTransition(state, EVENTS["heartbeat-expired"], T0 + 30 * S, timeouts);
      expect(due.state.status).toBe("lost");
      expect(due.state.endedAt).toBe(T0 + 30 * S);
    }
  });

  it("a non-zero exit fails the attempt with the exit code in both languages", () => {
    const r = attemptTransition(
      at("running"),
      { type: "exited", epoch: EPOCH, exitCode: 2 },
      T0 + 9 * S,
      timeouts,
    );
    expect(r.state).toMatchObject({ status: "failed", exitCode: 2, endedAt: T0 + 9 * S });
    expect(r.state.reason).toMatchObject({ code: "attempt.exit-failed", params: { exitCode: 2 } });
    expect(r.state.reason?.message.en).toContain("2");
    expect(r.state.reason?.message["zh-CN"]).toContain("退出码 2");
    expect(r.commands).toEqual([
      { type: "attempt-final", attemptId: "a-1", status: "failed", exitCode: 2 },
    ]);
  });

  it("an exit reported without a start keeps startedAt empty", () => {
    const r = attemptTransition(
      at("dispatched"),
      { type: "exited", epoch: EPOCH, exitCode: 1 },
      T0,
      timeouts,
    );
    expect(r.state).toMatchObject({ status: "failed", startedAt: null, exitCode: 1 });
    expect(r.state.reason?.code).toBe("attempt.exit-started-unreported");
  });

  it("cancel of a queued attempt ends it at once; nothing is sent to a node", () => {
    const r = attemptTransition(at("queued"), EVENTS.cancel, T0, timeouts);
    expect(r.state.reason?.code).toBe("attempt.cancelled-queued");
    expect(r.commands.map((c) => c.type)).toEqual(["attempt-final"]);
  });
});

describe("attempt kill path", () => {
  it("timeout → killing → timed_out only on kill-confirmed", () => {
    const running = at("running");
    const kill = attemptTransition(running, EVENTS.deadline, T0 + 300 * S, timeouts);
    expect(kill.state).toMatchObject({ status: "killing", killFor: "timeout" });
    expect(kill.commands).toEqual([
      { type: "send-kill", attemptId: "a-1", epoch: EPOCH, reason: "timeout" },
    ]);
    expect(kill.state.reason?.params).toEqual({ seconds: 300 });

    const hb = attemptTransition(kill.state, EVENTS.heartbeat, T0 + 301 * S, timeouts);
    expect(hb.state.status).toBe("killing");
    const exited = attemptTransition(
      hb.state,
      { type: "exited", epoch: EPOCH, exitCode: 143 },
      T0 + 302 * S,
      timeouts,
    );
    expect(exited.state).toMatchObject({ status: "killing", exitCode: 143 });
    expect(exited.commands).toEqual([]);

    const done = attemptTransition(exited.state, EVENTS["kill-confirmed"], T0 + 303 * S, timeouts);
    expect(done.state).toMatchObject({ status: "timed_out", exitCode: 143, endedAt: T0 + 303 * S });
    expect(done.state.reason?.code).toBe("attempt.timed-out");
    expect(done.commands).toEqual([
      { type: "attempt-final", attemptId: "a-1", status: "timed_out", exitCode: 143 },
    ]);
  });

  it("cancel → killing → cancelled on kill-confirmed", () => {
    const kill = attemptTransition(at("running"), EVENTS.cancel, T0 + S, timeouts);
    expect(kill.commands).toEqual([
      { type: "send-kill", attemptId: "a-1", epoch: EPOCH, reason: "cancel" },
    ]);
    const done = attemptTransition(kill.state, EVENTS["kill-confirmed"], T0 + 2 * S, timeouts);
    expect(done.state.status).toBe("cancelled");
    expect(done.state.reason?.code).toBe("attempt.cancelled");
  });

  it("an exit 0 during a kill means the work finished by itself: succeeded", () => {
    const kill = attemptTransition(at("running"), EVENTS.cancel, T0 + S, timeouts);
    const exited = attemptTransition(
      kill.state,
      { type: "exited", epoch: EPOCH, exitCode: 0 },
      T0 + 2 * S,
      timeouts,
    );
    expect(exited.state.status).toBe("killing");
    const done = attemptTransition(exited.state, EVENTS["kill-confirmed"], T0 + 3 * S, timeouts);
    expect(done.state).toMatchObject({ status: "succeeded", exitCode: 0 });
    expect(done.state.reason?.code).toBe("attempt.finished-before-kill");
  });

  it("a non-zero exit during a cancel is the kill's doing: cancelled, never failed", () => {
    const kill = attemptTransition(at("running"), EVENTS.cancel, T0 + S, timeouts);
    const exited = attemptTransition(
      kill.state,
      { type: "exited", epoch: EPOCH, exitCode: 1 },
      T0 + 2 * S,
      timeouts,
    );
    const done = attemptTransition(exited.state, EVENTS["kill-confirmed"], T0 + 3 * S, timeouts);
    expect(done.state).toMatchObject({ status: "cancelled", exitCode: 1 });
  });

  it("a second exit report while killing is a duplicate", () => {
    const killing = { ...at("killing"), exitCode: 143 };
    const r = attemptTransition(
      killing,
      { type: "exited", epoch: EPOCH, exitCode: 0 },
      T0,
      timeouts,
    );
    expect(r.state).toBe(killing);
    expect(r.ignored?.code).toBe("ignored.duplicate");
  });

  it("an agent that goes silent while killing leaves the attempt lost, with a warning to check the node", () => {
    const r = attemptTransition(at("killing"), EVENTS["heartbeat-expired"], LATE, timeouts);
    expect(r.state.status).toBe("lost");
    expect(r.state.reason).toMatchObject({
      code: "attempt.lost-while-killing",
      params: { seconds: 30 },
    });
    expect(r.state.reason?.message["zh-CN"]).toContain("30 秒");
  });
});

describe("attempt lease epochs", () => {
  const reports: AttemptEvent[] = [
    { type: "started", epoch: EPOCH - 1 },
    { type: "heartbeat", epoch: EPOCH - 1 },
    { type: "exited", epoch: EPOCH - 1, exitCode: 0 },
    { type: "kill-confirmed", epoch: EPOCH - 1 },
  ];

  it.each(reports)("a %j report from an older epoch is stale and changes nothing", (event) => {
    for (const status of ["dispatched", "running", "killing", "succeeded"] as const) {
      const state = at(status);
      const r = attemptTransition(state, event, LATE, timeouts);
      expect(r.stale).toBe(true);
      expect(r.state).toBe(state);
      expect(r.commands).toEqual([]);
      expect(r.ignored).toMatchObject({
        code: "ignored.stale-epoch",
        params: { epoch: 2, current: 3 },
      });
    }
  });

  it("a report from the current epoch is not stale", () => {
    const r = attemptTransition(
      at("running"),
      { type: "exited", epoch: EPOCH, exitCode: 0 },
      LATE,
      timeouts,
    );
    expect(r.stale).toBeUndefined();
    expect(r.state.status).toBe("succeeded");
  });

  it("a report from an epoch no dispatch issued is refused, not trusted", () => {
    const state = at("running");
    const r = attemptTransition(
      state,
      { type: "exited", epoch: EPOCH + 1, exitCode: 0 },
      LATE,
      timeouts,
    );
    expect(r.state).toBe(state);
    expect(r.ignored?.code).toBe("ignored.unknown-epoch");
    expect(r.stale).toBeUndefined();
  });

  it("a dispatch under an older lease than the attempt already saw is stale", () => {
    const queued = { ...at("queued"), epoch: 5 };
    const r = attemptTransition(queued, { type: "dispatch", epoch: 4 }, T0, timeouts);
    expect(r.stale).toBe(true);
    expect(r.state).toBe(queued);
  });
});

describe("agent-side deadline", () => {
  it("an agent that stopped the attempt at its own deadline ends it timed_out with a reason in both languages", () => {
    const r = attemptTransition(
      at("running"),
      { type: "agent-timeout", epoch: EPOCH },
      LATE,
      timeouts,
    );
    expect(r.state.status).toBe("timed_out");
    expect(r.state.reason?.code).toBe("attempt.timed-out-agent");
    expect(r.state.reason?.message["zh-CN"]).toContain("超时");
  });

  it("while the engine's kill for a cancel is on its way, the agent's own timeout still ends it cancelled", () => {
    const killing = { ...at("killing"), killFor: "cancel" as const };
    const r = attemptTransition(killing, { type: "agent-timeout", epoch: EPOCH }, LATE, timeouts);
    expect(r.state.status).toBe("cancelled");
  });

  it("a stale epoch's agent timeout is ignored", () => {
    const r = attemptTransition(
      at("running"),
      { type: "agent-timeout", epoch: EPOCH - 1 },
      LATE,
      timeouts,
    );
    expect(r.stale).toBe(true);
    expect(r.state.status).toBe("running");
  });
});
