import { describe, expect, it } from "vitest";
import { barSegments, elapsedMs, progressOf, remainingMs, splitDuration } from "./progress";

describe("progress", () => {
  it("counts skipped steps as done and blocked, ready and retry_wait as waiting", () => {
    const p = progressOf({
      succeeded: 5,
      skipped: 1,
      failed: 1,
      running: 2,
      blocked: 3,
      ready: 1,
      retry_wait: 1,
      cancelled: 2,
    });
    expect(p).toMatchObject({
      total: 16,
      done: 6,
      failed: 1,
      running: 2,
      waiting: 5,
      cancelled: 2,
    });
    const bar = barSegments(p);
    expect(bar.done).toBeCloseTo(37.5);
    expect(bar.done + bar.failed + bar.cancelled + bar.running).toBeLessThanOrEqual(100);
    expect(barSegments(progressOf({}))).toEqual({ done: 0, failed: 0, cancelled: 0, running: 0 });
  });

  it("measures elapsed time until the end, or until now while running", () => {
    const createdAt = new Date(0);
    expect(
      elapsedMs({ createdAt, startedAt: new Date(1000), endedAt: new Date(61_000) }, 1e9),
    ).toBe(60_000);
    expect(elapsedMs({ createdAt, startedAt: null, endedAt: null }, 5000)).toBe(5000);
  });

  it("estimates the time left from the pace so far, and only for a running task", () => {
    const p = progressOf({ succeeded: 30, running: 10, blocked: 50 });
    // 30 finished in 60 s → 2 s each; 60 left → 120 s.
    expect(remainingMs("running", p, 60_000)).toBe(120_000);
    expect(remainingMs("running", progressOf({ running: 3 }), 60_000)).toBeNull();
    expect(remainingMs("paused", p, 60_000)).toBeNull();
    expect(remainingMs("succeeded", progressOf({ succeeded: 3 }), 1)).toBeNull();
    expect(remainingMs("running", progressOf({ succeeded: 3 }), 1000)).toBe(0);
  });

  it("splits durations into hours, minutes and seconds", () => {
    expect(splitDuration(4_240)).toEqual({ h: 0, m: 0, s: 4.2 });
    expect(splitDuration(3_725_000)).toEqual({ h: 1, m: 2, s: 5 });
    expect(splitDuration(59_960)).toEqual({ h: 0, m: 1, s: 0 });
    expect(splitDuration(-5)).toEqual({ h: 0, m: 0, s: 0 });
  });
});
