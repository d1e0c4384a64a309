/**
 * Progress of a task as the page shows it: what is done, failed, running and waiting out of the
 * steps, how long it has run and roughly how long it still needs. Pure.
 */
import type { StepStatus, TaskStatus } from "@/domain/engine/types";
import { FINAL_TASK } from "@/domain/engine/types";

export interface Progress {
  total: number;
  /** Succeeded or skipped: nothing left to do. */
  done: number;
  succeeded: number;
  skipped: number;
  failed: number;
  running: number;
  /** Blocked, ready, or waiting for a retry. */
  waiting: number;
  cancelled: number;
}

export function progressOf(counts: Partial<Record<StepStatus, number>>): Progress {
  const n = (s: StepStatus) => counts[s] ?? 0;
  const p = {
    succeeded: n("succeeded"),
    skipped: n("skipped"),
    failed: n("failed"),
    running: n("running"),
    waiting: n("blocked") + n("ready") + n("retry_wait"),
    cancelled: n("cancelled"),
  };
  const total = p.succeeded + p.skipped + p.failed + p.running + p.waiting + p.cancelled;
  return { ...p, total, done: p.succeeded + p.skipped };
}

/** Percentages of the bar's segments (done, failed, cancelled, running), summing to ≤ 100. */
export function barSegments(p: Progress): {
  done: number;
  failed: number;
  cancelled: number;
  running: number;
} {
  if (p.total === 0) return { done: 0, failed: 0, cancelled: 0, running: 0 };
  const pc = (x: number) => (x / p.total) * 100;
  return {
    done: pc(p.done),
    failed: pc(p.failed),
    cancelled: pc(p.cancelled),
    running: pc(p.running),
  };
}

/** Milliseconds the task has run: until it ended, or until now. */
export function elapsedMs(
  task: { startedAt: Date | null; endedAt: Date | null; createdAt: Date },
  now: number,
): number {
  const start = (task.startedAt ?? task.createdAt).getTime();
  const end = task.endedAt?.getTime() ?? now;
  return Math.max(0, end - start);
}

/**
 * Time still needed, from the pace so far: the steps still to run at the rate steps have
 * finished. Null when there is nothing to go on (nothing finished yet, or the task is not
 * running) — a guess from no data would mislead more than it helps.
 */
export function remainingMs(status: TaskStatus, p: Progress, elapsed: number): number | null {
  if (status !== "running" || FINAL_TASK.has(status)) return null;
  const finished = p.done + p.failed + p.cancelled;
  const left = p.running + p.waiting;
  if (finished === 0 || left === 0 || elapsed <= 0) return left === 0 && finished > 0 ? 0 : null;
  return Math.round((elapsed / finished) * left);
}

/** 3,725,000 ms → { h: 1, m: 2, s: 5 }; below a minute the seconds keep one decimal. */
export function splitDuration(ms: number): { h: number; m: number; s: number } {
  const total = Math.max(0, ms) / 1000;
  if (total < 59.95) return { h: 0, m: 0, s: Math.round(total * 10) / 10 };
  const whole = Math.round(total);
  return { h: Math.floor(whole / 3600), m: Math.floor((whole % 3600) / 60), s: whole % 60 };
}
