import { describe, expect, it } from "vitest";
import type { RetryPolicy } from "../taskgraph/schema";
import { newStep, stepTransition } from "./step";
import {
  FINAL_STEP,
  STEP_STATUSES,
  type StepEvent,
  type StepState,
  type StepStatus,
} from "./types";

const T0 = 1_700_000_000_000;
const S = 1000;
const retry: RetryPolicy = {
  maxAttempts: 3,
  initialIntervalSeconds: 1,
  backoffCoefficient: 2,
  maxIntervalSeconds: 60,
  nonRetryableExitCodes: [2],
};
const timeouts = { attemptSeconds: 300, heartbeatSeconds: 30, queueSeconds: 600 };
/** Past the queue deadline and the retry time of the fixtures. */
const LATE = T0 + 1000 * S;

function at(status: StepStatus, extra: Partial<StepState> = {}): StepState {
  const base = newStep("install@n1", retry, timeouts);
  switch (status) {
    case "blocked":
      return { ...base, ...extra };
    case "ready":
      return { ...base, status, queuedSince: T0, readyAt: T0 + 600 * S, ...extra };
    case "running":
      return { ...base, status, attempts: 1, ...extra };
    case "retry_wait":
      return { ...base, status, attempts: 1, readyAt: T0 + S, ...extra };
    default:
      return { ...base, status, attempts: status === "skipped" ? 0 : 1, ...extra };
  }
}

const EVENTS: Record<StepEvent["type"], StepEvent> = {
  "dependencies-met": { type: "dependencies-met" },
  "dependency-failed": { type: "dependency-failed", dependency: "base@n1" },
  "attempt-started": { type: "attempt-started" },
  "attempt-ended": { type: "attempt-ended", status: "failed", exitCode: 1 },
  "retry-due": { type: "retry-due" },
  "queue-timeout": { type: "queue-timeout" },
  cancel: { type: "cancel" },
  reset: { type: "reset", dependenciesMet: true },
};

type Row = [StepStatus, StepEvent["type"], StepStatus, string[], string | null];
const NA = "ignored.not-applicable";

const TABLE: Row[] = [
  ["blocked", "dependencies-met", "ready", [], null],
  ["blocked", "dependency-failed", "cancelled", ["step-final"], null],
  ["blocked", "attempt-started", "blocked", [], NA],
  ["blocked", "attempt-ended", "blocked", [], NA],
  ["blocked", "retry-due", "blocked", [], NA],
  ["blocked", "queue-timeout", "blocked", [], NA],
  ["blocked", "cancel", "cancelled", ["step-final"], null],
  ["blocked", "reset", "blocked", [], NA],

  ["ready", "dependencies-met", "ready", [], NA],
  ["ready", "dependency-failed", "ready", [], NA],
  ["ready", "attempt-started", "running", ["start-attempt"], null],
  ["ready", "attempt-ended", "ready", [], NA],
  ["ready", "retry-due", "ready", [], NA],
  ["ready", "queue-timeout", "failed", ["step-final"], null],
  ["ready", "cancel", "cancelled", ["step-final"], null],
  ["ready", "reset", "ready", [], NA],

  ["running", "dependencies-met", "running", [], NA],
  ["running", "dependency-failed", "running", [], NA],
  ["running", "attempt-started", "running", [], NA],
  ["running", "attempt-ended", "retry_wait", ["schedule-retry"], null],
  ["running", "retry-due", "running", [], NA],
  ["running", "queue-timeout", "running", [], NA],
  ["running", "cancel", "running", [], "ignored.cancel-through-attempt"],
  ["running", "reset", "running", [], NA],

  ["retry_wait", "dependencies-met", "retry_wait", [], NA],
  ["retry_wait", "dependency-failed", "retry_wait", [], NA],
  ["retry_wait", "attempt-started", "retry_wait", [], NA],
  ["retry_wait", "attempt-ended", "retry_wait", [], NA],
  ["retry_wait", "retry-due", "ready", [], null],
  ["retry_wait", "queue-timeout", "retry_wait", [], NA],
  ["retry_wait", "cancel", "cancelled", ["step-final"], null],
  ["retry_wait", "reset", "retry_wait", [], NA],
];

const FINAL_ROWS: Row[] = STEP_STATUSES.filter((s) => FINAL_STEP.has(s)).flatMap((status) =>
  (Object.keys(EVENTS) as StepEvent["type"][]).map((event): Row => {
    if (event !== "reset") return [status, event, status, [], "ignored.final"];
    return status === "skipped"
      ? [status, event, status, [], "ignored.skipped-not-reset"]
      : [status, event, "ready", [], null];
  }),
);

describe("stepTransition: every state × every event", () => {
  it("covers all 8 states × 8 events", () => {
    const seen = new Set([...TABLE, ...FINAL_ROWS].map(([s, e]) => `${s}/${e}`));
    expect(seen.size).toBe(STEP_STATUSES.length * Object.keys(EVENTS).length);
  });

  it.each([...TABLE, ...FINAL_ROWS])(
    "%s + %s → %s %j (ignored: %s)",
    (from, event, to, commands, ignored) => {
      const state = at(from);
      const r = stepTransition(state, EVENTS[event], LATE);
      expect(r.state.status).toBe(to);
      expect(r.commands.map((c) => c.type)).toEqual(commands);
      expect(r.ignored?.code ?? null).toBe(ignored);
      if (ignored) expect(r.state).toBe(state);
      for (const c of r.commands) if (c.type === "step-final") expect(c.status).toBe(to);
    },
  );
});

const failed = (exitCode: number): StepEvent => ({
  type: "attempt-ended",
  status: "failed",
  exitCode,
});

describe("step readiness and attempts", () => {
  it("dependencies-met makes the step ready with its queue deadline; nothing starts by itself", () => {
    const r = stepTransition(at("blocked"), EVENTS["dependencies-met"], T0);
    expect(r.state).toMatchObject({ status: "ready", queuedSince: T0, readyAt: T0 + 600 * S });
    expect(r.commands).toEqual([]);
  });

  it("a queue timeout of 0 s means no queue deadline", () => {
    const step = { ...at("blocked"), timeouts: { ...timeouts, queueSeconds: 0 } };
    const ready = stepTransition(step, EVENTS["dependencies-met"], T0).state;
    expect(ready.readyAt).toBeNull();
    expect(stepTransition(ready, EVENTS["queue-timeout"], LATE).ignored?.code).toBe(
      "ignored.deadline-unset",
    );
  });

  it("attempt-started asks for the next attempt number", () => {
    const r = stepTransition(at("ready", { attempts: 4 }), EVENTS["attempt-started"], T0);
    expect(r.state).toMatchObject({
      status: "running",
      attempts: 5,
      queuedSince: null,
      readyAt: null,
    });
    expect(r.commands).toEqual([{ type: "start-attempt", stepKey: "install@n1", number: 5 }]);
  });

  it("a queue timeout fails the step with the wait and the limit", () => {
    const r = stepTransition(at("ready"), EVENTS["queue-timeout"], T0 + 600 * S);
    expect(r.state.status).toBe("failed");
    expect(r.state.reason).toMatchObject({
      code: "step.queue-timeout",
      params: { waitedSeconds: 600, limitSeconds: 600 },
    });
  });

  it("an early queue-timeout or retry-due is ignored", () => {
    expect(stepTransition(at("ready"), EVENTS["queue-timeout"], T0 + 599 * S).ignored?.code).toBe(
      "ignored.early",
    );
    expect(stepTransition(at("retry_wait"), EVENTS["retry-due"], T0).ignored).toMatchObject({
      code: "ignored.early",
      params: { earlyMs: S },
    });
  });

  it("dependency-failed cancels the step with the dependency's name in both languages", () => {
    const r = stepTransition(at("blocked"), EVENTS["dependency-failed"], T0);
    expect(r.state.reason).toMatchObject({
      code: "step.dependency-failed",
      params: { dependency: "base@n1" },
    });
    expect(r.state.reason?.message.en).toBe("Not run: dependency base@n1 failed.");
    expect(r.state.reason?.message["zh-CN"]).toBe("未运行：依赖项 base@n1 失败。");
  });
});

describe("step retries", () => {
  it("backs off 1 s, then 2 s, then fails after 3 of 3 attempts with the last exit code", () => {
    let s = at("ready");
    const waits: number[] = [];
    let now = T0;
    for (let i = 0; i < 3; i++) {
      s = stepTransition(s, EVENTS["attempt-started"], now).state;
      const r = stepTransition(s, failed(1), now);
      s = r.state;
      if (s.status === "retry_wait") {
        const cmd = r.commands[0];
        expect(cmd?.type).toBe("schedule-retry");
        if (cmd?.type === "schedule-retry") waits.push((cmd.at - now) / S);
        now = s.readyAt as number;
        s = stepTransition(s, EVENTS["retry-due"], now).state;
      }
    }
    expect(waits).toEqual([1, 2]);
    expect(s).toMatchObject({ status: "failed", attempts: 3 });
    expect(s.reason).toMatchObject({
      code: "step.retries-exhausted",
      params: { attempt: 3, maxAttempts: 3, exitCode: 1 },
    });
    expect(s.reason?.message.en).toBe(
      "Failed after 3 of 3 attempts; last: exit code 1. Fix the cause, then retry the step.",
    );
    expect(s.reason?.message["zh-CN"]).toContain("退出码 1");
  });

  it("the retry reason says which attempt failed and when the next starts", () => {
    const r = stepTransition(at("running"), failed(1), T0);
    expect(r.state.reason?.message.en).toBe(
      "Attempt 1 of 3 failed (exit code 1); the next attempt starts in 1 s.",
    );
    expect(r.state.readyAt).toBe(T0 + S);
  });

  it("a non-retryable exit code fails at once", () => {
    const r = stepTransition(at("running"), failed(2), T0);
    expect(r.state.status).toBe("failed");
    expect(r.state.reason).toMatchObject({
      code: "step.not-retryable",
      params: { exitCode: 2, attempt: 1, maxAttempts: 3 },
    });
    expect(r.state.reason?.message.en).toContain("Exit code 2 is not retryable");
  });

  it("timed_out and lost are retried; their reasons carry the limits", () => {
    const t = stepTransition(
      at("running"),
      { type: "attempt-ended", status: "timed_out", exitCode: 143 },
      T0,
    );
    expect(t.state.status).toBe("retry_wait");
    expect(t.state.reason?.message.en).toContain("timed out after 300 s");
    const last = { ...at("running"), attempts: 3 };
    const lost = stepTransition(
      last,
      { type: "attempt-ended", status: "lost", exitCode: null },
      T0,
    );
    expect(lost.state.status).toBe("failed");
    expect(lost.state.reason?.message.en).toContain("agent silent for more than 30 s");
  });

  it("a timeout whose kill produced a non-retryable code is still retried (the code is the kill's)", () => {
    const r = stepTransition(
      at("running"),
      { type: "attempt-ended", status: "timed_out", exitCode: 2 },
      T0,
    );
    expect(r.state.status).toBe("retry_wait");
  });

  it("with one attempt allowed, the reason says so and how to get more", () => {
    const once = { ...at("running"), retry: { ...retry, maxAttempts: 1 } };
    const r = stepTransition(once, failed(1), T0);
    expect(r.state.reason?.code).toBe("step.failed-no-retries");
    expect(r.state.reason?.message.en).toBe(
      "Failed (exit code 1); its retry policy allows 1 attempt. Fix the cause and retry the step, or launch with more retries.",
    );
  });

  it("a success after a failure shows succeeded, with the attempt count kept", () => {
    let s = stepTransition(at("running"), failed(1), T0).state;
    s = stepTransition(s, EVENTS["retry-due"], T0 + S).state;
    s = stepTransition(s, EVENTS["attempt-started"], T0 + S).state;
    const r = stepTransition(
      s,
      { type: "attempt-ended", status: "succeeded", exitCode: 0 },
      T0 + 2 * S,
    );
    expect(r.state).toMatchObject({ status: "succeeded", attempts: 2, reason: null });
    expect(r.commands).toEqual([
      { type: "step-final", stepKey: "install@n1", status: "succeeded" },
    ]);
  });

  it("an attempt ended by a cancel cancels the running step", () => {
    const r = stepTransition(
      at("running", { attempts: 2 }),
      { type: "attempt-ended", status: "cancelled", exitCode: null },
      T0,
    );
    expect(r.state.status).toBe("cancelled");
    expect(r.state.reason).toMatchObject({
      code: "step.cancelled-running",
      params: { attempt: 2 },
    });
  });
});

describe("step reset", () => {
  it("keeps the attempt count, continues numbering and gives a fresh retry budget", () => {
    const exhausted = { ...at("failed"), attempts: 3 };
    const reset = stepTransition(exhausted, { type: "reset", dependenciesMet: true }, T0);
    expect(reset.state).toMatchObject({
      status: "ready",
      attempts: 3,
      attemptsAtReset: 3,
      reason: null,
    });
    const started = stepTransition(reset.state, EVENTS["attempt-started"], T0);
    expect(started.commands).toEqual([{ type: "start-attempt", stepKey: "install@n1", number: 4 }]);
    const r = stepTransition(started.state, failed(1), T0);
    expect(r.state.status).toBe("retry_wait");
    expect(r.state.reason?.params).toMatchObject({ attempt: 1, maxAttempts: 3 });
  });

  it("goes back to blocked when its dependencies must run again", () => {
    const r = stepTransition(at("succeeded"), { type: "reset", dependenciesMet: false }, T0);
    expect(r.state).toMatchObject({ status: "blocked", queuedSince: null, readyAt: null });
  });
});
