"use client";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useEffect, useState, type ReactNode } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Select } from "@/components/ui/input";
import type { TaskStatus } from "@/domain/engine/types";
import { useTRPC } from "@/lib/trpc";
import { cn } from "@/lib/utils";
import type { Progress } from "./progress";
import { StepStatusBadge } from "./status";
import { VirtualList } from "./virtual-list";

const ACTIVE: ReadonlySet<TaskStatus> = new Set(["pending", "running", "paused"]);
const RETRYABLE: ReadonlySet<TaskStatus> = new Set(["failed", "cancelled", "succeeded"]);

export interface RetryFromChoice {
  stepId: string;
  /** Preselected nodes (a step picked on the page); empty = choose in the dialog. */
  nodeIds: string[];
}

function useInvalidateTask() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.task.pathKey() });
}

/**
 * What an operator can do to a task in its state, each confirmed with exactly what it will do:
 * cancel (graceful), pause / resume, retry the failed steps, retry from a step on chosen nodes.
 */
export function TaskActions({
  taskId,
  status,
  mode,
  progress,
  steps,
  retryFrom,
  onRetryFrom,
}: {
  taskId: string;
  status: TaskStatus;
  mode: string;
  progress: Progress;
  /** Graph steps in plan order, for "retry from". */
  steps: readonly { stepId: string; total: number }[];
  /** Open "retry from" with this choice (from a step picked on the page); null = closed. */
  retryFrom: RetryFromChoice | null;
  onRetryFrom: (choice: RetryFromChoice | null) => void;
}) {
  const t = useTranslations("tasks.actions");
  const [open, setOpen] = useState<"cancel" | "pause" | "resume" | "retry" | null>(null);
  if (mode === "plan") return <p className="text-xs text-zinc-500">{t("planOnly")}</p>;
  const toRetry = progress.failed + progress.cancelled;
  return (
    <>
      {status === "running" ? (
        <Button variant="secondary" onClick={() => setOpen("pause")}>
          {t("pause")}
        </Button>
      ) : null}
      {status === "paused" ? (
        <Button variant="secondary" onClick={() => setOpen("resume")}>
          {t("resume")}
        </Button>
      ) : null}
      {ACTIVE.has(status) ? (
        <Button variant="danger" onClick={() => setOpen("cancel")}>
          {t("cancel")}
        </Button>
      ) : null}
      {RETRYABLE.has(status) && toRetry > 0 ? (
        <Button onClick={() => setOpen("retry")}>{t("retryFailed")}</Button>
      ) : null}
      {RETRYABLE.has(status) && steps.length > 0 ? (
        <Button
          variant="secondary"
          onClick={() => onRetryFrom({ stepId: steps[0]!.stepId, nodeIds: [] })}
        >
          {t("retryFrom")}
        </Button>
      ) : null}

      <ConfirmAction
        open={open === "cancel"}
        onClose={() => setOpen(null)}
        title={t("cancelTitle")}
        confirm={t("cancelConfirm")}
        danger
        run={(trpc) => trpc.cancel}
        taskId={taskId}
      >
        <p>{t("cancelBody", { running: progress.running, waiting: progress.waiting })}</p>
      </ConfirmAction>
      <ConfirmAction
        open={open === "pause"}
        onClose={() => setOpen(null)}
        title={t("pauseTitle")}
        confirm={t("pause")}
        run={(trpc) => trpc.pause}
        taskId={taskId}
      >
        <p>{t("pauseBody", { running: progress.running })}</p>
      </ConfirmAction>
      <ConfirmAction
        open={open === "resume"}
        onClose={() => setOpen(null)}
        title={t("resumeTitle")}
        confirm={t("resume")}
        run={(trpc) => trpc.resume}
        taskId={taskId}
      >
        <p>{t("resumeBody", { waiting: progress.waiting })}</p>
      </ConfirmAction>
      <RetryFailedDialog
        open={open === "retry"}
        onClose={() => setOpen(null)}
        taskId={taskId}
        progress={progress}
      />
      {retryFrom ? (
        <RetryFromDialog
          taskId={taskId}
          steps={steps}
          initial={retryFrom}
          status={status}
          onClose={() => onRetryFrom(null)}
        />
      ) : null}
    </>
  );
}

type TaskRouter = ReturnType<typeof useTRPC>["task"];

function ConfirmAction({
  open,
  onClose,
  title,
  confirm,
  danger = false,
  run,
  taskId,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  confirm: string;
  danger?: boolean;
  run: (trpc: TaskRouter) => TaskRouter["cancel"] | TaskRouter["pause"] | TaskRouter["resume"];
  taskId: string;
  children: ReactNode;
}) {
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateTask();
  const mutation = useMutation(
    run(trpc.task).mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onClose();
      },
    }),
  );
  return (
    <Dialog
      open={open}
      onClose={() => {
        mutation.reset();
        onClose();
      }}
      title={title}
    >
      <div className="space-y-3 text-sm text-zinc-700 dark:text-zinc-300">
        {children}
        <ErrorNotice error={mutation.error} />
        <div className="flex justify-end gap-2 pt-1">
          <Button variant="secondary" onClick={onClose}>
            {tc("cancel")}
          </Button>
          <Button
            variant={danger ? "danger" : "primary"}
            disabled={mutation.isPending}
            onClick={() => mutation.mutate({ id: taskId })}
          >
            {confirm}
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

function RetryFailedDialog({
  open,
  onClose,
  taskId,
  progress,
}: {
  open: boolean;
  onClose: () => void;
  taskId: string;
  progress: Progress;
}) {
  const t = useTranslations("tasks.actions");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateTask();
  const retry = useMutation(
    trpc.task.retry.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onClose();
      },
    }),
  );
  return (
    <Dialog
      open={open}
      onClose={() => {
        retry.reset();
        onClose();
      }}
      title={t("retryFailedTitle")}
    >
      <div className="space-y-3 text-sm text-zinc-700 dark:text-zinc-300">
        <p>{t("retryFailedBody", { failed: progress.failed, cancelled: progress.cancelled })}</p>
        <p>{t("retryKeepsHistory")}</p>
        <ErrorNotice error={retry.error} />
        <div className="flex justify-end gap-2 pt-1">
          <Button variant="secondary" onClick={onClose}>
            {tc("cancel")}
          </Button>
          <Button disabled={retry.isPending} onClick={() => retry.mutate({ taskId })}>
            {t("retryFailedConfirm")}
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

type Scope = "all" | "failed" | "chosen";

function RetryFromDialog({
  taskId,
  steps,
  initial,
  status,
  onClose,
}: {
  taskId: string;
  steps: readonly { stepId: string; total: number }[];
  initial: RetryFromChoice;
  status: TaskStatus;
  onClose: () => void;
}) {
  const t = useTranslations("tasks.actions");
  const ts = useTranslations("tasks");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const invalidate = useInvalidateTask();
  const [stepId, setStepId] = useState(initial.stepId);
  const [scope, setScope] = useState<Scope>(initial.nodeIds.length ? "chosen" : "all");
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(initial.nodeIds));
  const entries = useInfiniteQuery(
    trpc.task.steps.infiniteQueryOptions(
      { taskId, stepId, limit: 500 },
      { getNextPageParam: (page) => page.nextAfterOrdinal },
    ),
  );
  // Where the step failed or did not run, every page of it (a big failure can span pages).
  const failedEntries = useInfiniteQuery(
    trpc.task.steps.infiniteQueryOptions(
      { taskId, stepId, status: ["failed", "cancelled"], limit: 1000 },
      { getNextPageParam: (page) => page.nextAfterOrdinal },
    ),
  );
  useEffect(() => {
    if (failedEntries.hasNextPage && !failedEntries.isFetchingNextPage)
      void failedEntries.fetchNextPage();
  }, [failedEntries]);
  const rows = entries.data?.pages.flatMap((p) => p.items) ?? [];
  const notDone = failedEntries.data?.pages.flatMap((p) => p.items) ?? [];
  const complete = !failedEntries.hasNextPage && !failedEntries.isLoading;
  const total = steps.find((s) => s.stepId === stepId)?.total ?? rows.length;
  const nodeIds =
    scope === "all"
      ? undefined
      : scope === "failed"
        ? notDone.map((r) => r.nodeId ?? "")
        : [...chosen];
  const count = nodeIds ? nodeIds.length : total;
  const hostOf = new Map(
    [...rows, ...notDone].map((r) => [r.nodeId ?? "", r.hostname ?? r.nodeId]),
  );
  const names = (nodeIds ?? []).slice(0, 5).map((id) => hostOf.get(id) ?? id);
  const retry = useMutation(
    trpc.task.retry.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onClose();
      },
    }),
  );
  const ready = count > 0 && (scope !== "failed" || complete);
  return (
    <Dialog
      open
      onClose={() => {
        retry.reset();
        onClose();
      }}
      title={t("retryFromTitle")}
    >
      <div className="space-y-3 text-sm text-zinc-700 dark:text-zinc-300">
        <label className="block space-y-1">
          <span className="font-medium">{t("retryFromStep")}</span>
          <Select
            value={stepId}
            onChange={(e) => {
              setStepId(e.target.value);
              setChosen(new Set());
              if (scope === "chosen") setScope("all");
            }}
          >
            {steps.map((s) => (
              <option key={s.stepId} value={s.stepId}>
                {s.stepId}
              </option>
            ))}
          </Select>
        </label>
        <fieldset className="space-y-1.5">
          <legend className="mb-1 font-medium">{t("retryFromNodes")}</legend>
          <Radio checked={scope === "all"} onChange={() => setScope("all")}>
            {t("scopeAll", { count: total })}
          </Radio>
          <Radio
            checked={scope === "failed"}
            onChange={() => setScope("failed")}
            disabled={complete && notDone.length === 0}
          >
            {t("scopeFailed", { count: notDone.length })}
          </Radio>
          <Radio checked={scope === "chosen"} onChange={() => setScope("chosen")}>
            {t("scopeChosen", { count: chosen.size })}
          </Radio>
        </fieldset>
        {scope === "chosen" ? (
          <VirtualList
            items={rows}
            rowHeight={28}
            maxHeight={196}
            label={t("retryFromNodes")}
            className="rounded-md border border-zinc-200 dark:border-zinc-800"
            rowKey={(r) => r.id}
            onEndReached={() => {
              if (entries.hasNextPage && !entries.isFetchingNextPage) void entries.fetchNextPage();
            }}
            renderRow={(r) => (
              <label className="flex h-full items-center gap-2 px-2 hover:bg-zinc-50 dark:hover:bg-zinc-800/50">
                <input
                  type="checkbox"
                  checked={chosen.has(r.nodeId ?? "")}
                  onChange={(e) => {
                    const next = new Set(chosen);
                    if (e.target.checked) next.add(r.nodeId ?? "");
                    else next.delete(r.nodeId ?? "");
                    setChosen(next);
                  }}
                />
                <span className="font-mono text-xs">{r.hostname ?? r.nodeId}</span>
                <StepStatusBadge status={r.status} className="ml-auto" />
              </label>
            )}
          />
        ) : null}
        <p
          className="rounded-md bg-zinc-50 p-2.5 dark:bg-zinc-800/60"
          data-testid="retry-from-summary"
        >
          {count > 0
            ? t("retryFromBody", {
                step: stepId,
                count,
                nodes: nodeIds ? names.join(", ") + (nodeIds.length > names.length ? "…" : "") : "",
                all: nodeIds ? "no" : "yes",
              })
            : t("retryFromNone")}
        </p>
        {status === "succeeded" ? <p>{t("retryFromSucceeded")}</p> : null}
        <p>{t("retryKeepsHistory")}</p>
        <ErrorNotice error={retry.error} />
        <div className="flex justify-end gap-2 pt-1">
          <Button variant="secondary" onClick={onClose}>
            {tc("cancel")}
          </Button>
          <Button
            disabled={!ready || retry.isPending}
            onClick={() =>
              retry.mutate({
                taskId,
                from: { stepId, ...(nodeIds ? { nodeIds: nodeIds.filter(Boolean) } : {}) },
              })
            }
          >
            {ts("actions.retryFromConfirm", { count })}
          </Button>
        </div>
      </div>
    </Dialog>
  );
}

function Radio({
  checked,
  onChange,
  disabled,
  children,
}: {
  checked: boolean;
  onChange: () => void;
  disabled?: boolean;
  children: ReactNode;
}) {
  return (
    <label className={cn("flex items-center gap-2", disabled && "opacity-50")}>
      <input type="radio" checked={checked} onChange={onChange} disabled={disabled} />
      {children}
    </label>
  );
}
