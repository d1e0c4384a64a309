"use client";
import { useFormatter, useTranslations } from "next-intl";
import type { ComponentProps } from "react";
import { Badge } from "@/components/ui/card";
import type { AttemptStatus, StepStatus, TaskStatus } from "@/domain/engine/types";
import { splitDuration } from "./progress";

type Tone = NonNullable<ComponentProps<typeof Badge>["tone"]>;

export const TASK_TONE: Record<TaskStatus, Tone> = {
  pending: "neutral",
  running: "info",
  paused: "warn",
  cancelling: "warn",
  cancelled: "neutral",
  succeeded: "ok",
  failed: "bad",
};

export const STEP_TONE: Record<StepStatus, Tone> = {
  blocked: "neutral",
  ready: "neutral",
  running: "info",
  retry_wait: "warn",
  succeeded: "ok",
  failed: "bad",
  skipped: "neutral",
  cancelled: "neutral",
};

export const ATTEMPT_TONE: Record<AttemptStatus, Tone> = {
  queued: "neutral",
  dispatched: "info",
  running: "info",
  killing: "warn",
  succeeded: "ok",
  failed: "bad",
  timed_out: "bad",
  cancelled: "neutral",
  lost: "bad",
};

export function TaskStatusBadge({
  status,
  ...props
}: { status: TaskStatus } & ComponentProps<"span">) {
  const t = useTranslations("tasks.taskStatuses");
  return (
    <Badge tone={TASK_TONE[status]} data-status={status} {...props}>
      {t(status)}
    </Badge>
  );
}

const NOT_STARTED: ReadonlySet<StepStatus> = new Set(["blocked", "ready", "retry_wait"]);

/**
 * A step's status. In a task that has ended, a step still waiting will not run unless the task
 * is retried: it reads "not started" rather than "ready".
 */
export function StepStatusBadge({
  status,
  ended = false,
  count,
  ...props
}: { status: StepStatus; ended?: boolean; count?: number } & ComponentProps<"span">) {
  const t = useTranslations("tasks.stepStatuses");
  const label = ended && NOT_STARTED.has(status) ? t("notStarted") : t(status);
  return (
    <Badge tone={STEP_TONE[status]} data-status={status} {...props}>
      {label}
      {count !== undefined ? <span className="ml-1 tabular-nums">{count}</span> : null}
    </Badge>
  );
}

export function AttemptStatusBadge({
  status,
  ...props
}: { status: AttemptStatus } & ComponentProps<"span">) {
  const t = useTranslations("tasks.attemptStatuses");
  return (
    <Badge tone={ATTEMPT_TONE[status]} data-status={status} {...props}>
      {t(status)}
    </Badge>
  );
}

/** "4.2 s", "3 min 05 s", "1 h 02 min" in the reader's language. */
export function useDuration() {
  const t = useTranslations("tasks.duration");
  const format = useFormatter();
  return (ms: number) => {
    const { h, m, s } = splitDuration(ms);
    if (h > 0) return t("hm", { h, m: String(m).padStart(2, "0") });
    if (m > 0) return t("ms", { m, s: String(s).padStart(2, "0") });
    return t("s", { s: format.number(s, { maximumFractionDigits: 1 }) });
  };
}
