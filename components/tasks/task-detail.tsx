"use client";
import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useNow, useTranslations } from "next-intl";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { useDateTime } from "@/components/format";
import { useMe } from "@/components/use-me";
import { Button } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { FINAL_TASK, STEP_STATUSES, type StepStatus, type TaskStatus } from "@/domain/engine/types";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { cn } from "@/lib/utils";
import type { LogFilter } from "./log-rows";
import { LogViewer } from "./log-viewer";
import { barSegments, elapsedMs, progressOf, remainingMs, type Progress } from "./progress";
import { AttemptStatusBadge, StepStatusBadge, TaskStatusBadge, useDuration } from "./status";
import { TaskActions, type RetryFromChoice } from "./task-actions";
import { VirtualList } from "./virtual-list";

/** How often a task that still runs is read again. */
const LIVE_MS = 2000;
const NODE_FILTERS = ["all", "failed", "running", "waiting", "done"] as const;
type NodeFilter = (typeof NODE_FILTERS)[number];

interface PickedStep {
  id: string;
  stepId: string;
  nodeId: string | null;
  hostname: string | null;
}

/**
 * A task as it runs: status and why, progress (steps and per node), time so far and left, the
 * steps grouped by graph step with counts (readable at 1,000 nodes), the attempts of a chosen
 * step, the live log, and the actions the engine allows in this state.
 */
export function TaskDetail({ id }: { id: string }) {
  const t = useTranslations("tasks");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const locale = useCairnLocale();
  const when = useDateTime();
  const duration = useDuration();
  const { canOperate } = useMe();
  const now = useNow({ updateInterval: 1000 }).getTime();
  const [picked, setPicked] = useState<PickedStep | null>(null);
  const [retryFrom, setRetryFrom] = useState<RetryFromChoice | null>(null);
  const [logFilter, setLogFilter] = useState<LogFilter>({});
  const [focus, setFocus] = useState<{ attemptId: string; line: number; nonce: number } | null>(
    null,
  );
  const logRef = useRef<HTMLDivElement>(null);

  const task = useQuery(
    trpc.task.get.queryOptions(
      { id },
      {
        refetchInterval: (q) =>
          q.state.data && FINAL_TASK.has(q.state.data.status) ? false : LIVE_MS,
      },
    ),
  );
  const live = task.data ? !FINAL_TASK.has(task.data.status) : false;
  const refetchInterval = live ? LIVE_MS : false;
  // Every part of the page follows the task's status: when it changes (the task ends, a retry
  // reopens it) the lists are read again at once instead of at their next tick — an ended task's
  // lists are not refreshed after that.
  const queryClient = useQueryClient();
  const status = task.data?.status;
  const seenStatus = useRef(status);
  useEffect(() => {
    if (seenStatus.current !== undefined && status !== seenStatus.current)
      void queryClient.invalidateQueries({ queryKey: trpc.task.pathKey() });
    seenStatus.current = status;
  }, [status, queryClient, trpc]);
  const groups = useQuery(trpc.task.stepGroups.queryOptions({ taskId: id }, { refetchInterval }));
  const nodesForFilter = useQuery(
    trpc.task.nodes.queryOptions({ taskId: id, limit: 1000 }, { staleTime: 60_000 }),
  );

  if (task.error) return <ErrorNotice error={task.error} />;
  if (!task.data) return <p className="text-sm text-zinc-500">{tc("loading")}</p>;
  const data = task.data;
  const progress = progressOf(data.counts);
  const elapsed = elapsedMs(data, now);
  const left = remainingMs(data.status, progress, elapsed);
  const stepList = (groups.data ?? []).map((g) => ({ stepId: g.stepId, total: g.total }));
  const showLog = (filter: LogFilter) => {
    setLogFilter(filter);
    logRef.current?.scrollIntoView({ behavior: "smooth", block: "start" });
  };

  return (
    <>
      <Link
        href="/tasks"
        className="mb-2 inline-block text-sm text-sky-700 hover:underline dark:text-sky-400"
      >
        ← {t("back")}
      </Link>
      <PageHeader
        title={t("title", { kind: data.kind, cluster: data.cluster?.name ?? "—" })}
        actions={
          canOperate ? (
            <TaskActions
              taskId={id}
              status={data.status}
              mode={data.mode}
              progress={progress}
              steps={stepList}
              retryFrom={retryFrom}
              onRetryFrom={setRetryFrom}
            />
          ) : undefined
        }
      />
      <div className="mb-4 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-zinc-600 dark:text-zinc-400">
        <TaskStatusBadge status={data.status} data-testid="task-status" />
        <Badge tone={data.mode === "apply" ? "info" : "neutral"}>{t(`modes.${data.mode}`)}</Badge>
        {data.cluster ? (
          <span>
            {t("cluster")}{" "}
            <Link
              href={`/clusters/${data.cluster.id}`}
              className="font-mono text-sky-700 hover:underline dark:text-sky-400"
            >
              {data.cluster.name}
            </Link>
          </span>
        ) : null}
        <span>{t("launchedBy", { who: data.launchedBy ?? "—" })}</span>
        <span>{t("createdAt", { when: when(data.createdAt) })}</span>
        <span className="font-mono text-xs text-zinc-400" title={t("taskId")}>
          {data.id}
        </span>
      </div>

      {data.reason ? (
        <div
          role={data.status === "failed" ? "alert" : "status"}
          data-testid="task-reason"
          className={cn(
            "mb-4 rounded-md border px-3 py-2 text-sm",
            data.status === "failed"
              ? "border-red-300 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950/50 dark:text-red-200"
              : "border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-900 dark:bg-amber-950/40 dark:text-amber-200",
          )}
        >
          {data.reason.message[locale]}
        </div>
      ) : null}

      <ProgressCard
        progress={progress}
        elapsed={duration(elapsed)}
        left={left === null ? null : duration(left)}
        status={data.status}
      />

      {progress.failed > 0 ? (
        <FailedSteps
          taskId={id}
          live={live}
          onShowLog={(s) => showLog({ nodeId: s.nodeId ?? undefined, stepId: s.stepId })}
          onPick={setPicked}
        />
      ) : null}

      <div className="mb-4 grid gap-4 xl:grid-cols-2">
        <StepGroups
          taskId={id}
          live={live}
          groups={groups.data ?? []}
          error={groups.error}
          picked={picked}
          onPick={setPicked}
        />
        <NodeProgressCard taskId={id} live={live} onShowLog={(nodeId) => showLog({ nodeId })} />
      </div>

      {picked ? (
        <PickedStepCard
          step={picked}
          live={live}
          canRetry={canOperate && FINAL_TASK.has(data.status) && data.mode !== "plan"}
          onClose={() => setPicked(null)}
          onShowAttempt={(attemptId) => {
            setLogFilter({ nodeId: picked.nodeId ?? undefined, stepId: picked.stepId });
            setFocus({ attemptId, line: 0, nonce: Date.now() });
            logRef.current?.scrollIntoView({ behavior: "smooth", block: "start" });
          }}
          onRetryFrom={() =>
            setRetryFrom({ stepId: picked.stepId, nodeIds: picked.nodeId ? [picked.nodeId] : [] })
          }
        />
      ) : null}

      <div ref={logRef} className="scroll-mt-4">
        <Card>
          <h2 className="mb-3 text-base font-semibold">{t("log")}</h2>
          <LogViewer
            taskId={id}
            live={live}
            filter={logFilter}
            onFilterChange={setLogFilter}
            nodes={(nodesForFilter.data?.items ?? []).map((n) => ({
              id: n.nodeId,
              label: n.hostname ?? n.nodeId,
            }))}
            steps={stepList.map((s) => s.stepId)}
            focus={focus}
          />
        </Card>
      </div>
    </>
  );
}

function ProgressCard({
  progress,
  elapsed,
  left,
  status,
}: {
  progress: Progress;
  elapsed: string;
  left: string | null;
  status: TaskStatus;
}) {
  const t = useTranslations("tasks");
  const bar = barSegments(progress);
  const pct = progress.total ? Math.floor((progress.done / progress.total) * 100) : 0;
  return (
    <Card className="mb-4">
      <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
        <h2 className="text-base font-semibold">{t("progress")}</h2>
        <span className="text-sm text-zinc-600 dark:text-zinc-400" data-testid="task-progress">
          {t("stepsDone", { done: progress.done, total: progress.total, pct })}
        </span>
      </div>
      <div
        role="progressbar"
        aria-label={t("progress")}
        aria-valuemin={0}
        aria-valuemax={progress.total}
        aria-valuenow={progress.done}
        className="flex h-3 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
      >
        <div className="bg-emerald-500" style={{ width: `${bar.done}%` }} />
        <div className="bg-red-500" style={{ width: `${bar.failed}%` }} />
        <div className="bg-zinc-400 dark:bg-zinc-600" style={{ width: `${bar.cancelled}%` }} />
        <div className="animate-pulse bg-sky-500" style={{ width: `${bar.running}%` }} />
      </div>
      <dl className="mt-3 flex flex-wrap gap-x-6 gap-y-1 text-sm">
        <Legend color="bg-emerald-500" label={t("legend.done")} value={progress.done} />
        <Legend color="bg-red-500" label={t("legend.failed")} value={progress.failed} />
        <Legend color="bg-sky-500" label={t("legend.running")} value={progress.running} />
        <Legend
          color="bg-zinc-200 dark:bg-zinc-700"
          label={FINAL_TASK.has(status) ? t("legend.notStarted") : t("legend.waiting")}
          value={progress.waiting}
        />
        <Legend
          color="bg-zinc-400 dark:bg-zinc-600"
          label={t("legend.cancelled")}
          value={progress.cancelled}
        />
        <div className="ml-auto flex gap-6 text-zinc-600 dark:text-zinc-400">
          <span>{t("elapsed", { time: elapsed })}</span>
          {left !== null ? (
            <span data-testid="task-remaining">{t("remaining", { time: left })}</span>
          ) : status === "running" ? (
            <span>{t("remainingUnknown")}</span>
          ) : null}
        </div>
      </dl>
    </Card>
  );
}

function Legend({ color, label, value }: { color: string; label: string; value: number }) {
  return (
    <div className="flex items-center gap-1.5">
      <span aria-hidden className={cn("inline-block h-2.5 w-2.5 rounded-sm", color)} />
      <dt className="text-zinc-600 dark:text-zinc-400">{label}</dt>
      <dd className="font-medium tabular-nums">{value}</dd>
    </div>
  );
}

function FailedSteps({
  taskId,
  live,
  onShowLog,
  onPick,
}: {
  taskId: string;
  live: boolean;
  onShowLog: (s: PickedStep) => void;
  onPick: (s: PickedStep) => void;
}) {
  const t = useTranslations("tasks");
  const locale = useCairnLocale();
  const failed = useQuery(trpc_steps(useTRPC(), { taskId, status: ["failed"], limit: 50 }, live));
  const items = failed.data?.items ?? [];
  return (
    <Card className="mb-4 border-red-200 dark:border-red-900/60" data-testid="failed-steps">
      <h2 className="mb-2 text-base font-semibold">{t("failedTitle")}</h2>
      <ErrorNotice error={failed.error} />
      <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
        {items.map((s) => {
          const pick = { id: s.id, stepId: s.stepId, nodeId: s.nodeId, hostname: s.hostname };
          return (
            <li key={s.id} className="flex flex-wrap items-start gap-x-3 gap-y-1 py-2 text-sm">
              <span className="font-mono font-medium">{s.hostname ?? s.nodeId}</span>
              <span className="font-mono text-sky-700 dark:text-sky-400">{s.stepId}</span>
              <StepStatusBadge status={s.status} />
              <span className="text-xs text-zinc-500">
                {t("attemptsCount", { count: s.attempts })}
                {s.lastExitCode !== null ? ` · ${t("exitCode", { code: s.lastExitCode })}` : ""}
              </span>
              <span className="ml-auto flex gap-1.5">
                <Button size="sm" variant="secondary" onClick={() => onPick(pick)}>
                  {t("showAttempts")}
                </Button>
                <Button size="sm" variant="secondary" onClick={() => onShowLog(pick)}>
                  {t("showLog")}
                </Button>
              </span>
              {s.reason ? (
                <p className="w-full text-zinc-700 dark:text-zinc-300" data-testid="step-reason">
                  {s.reason.message[locale]}
                </p>
              ) : null}
            </li>
          );
        })}
      </ul>
      {failed.data?.nextAfterOrdinal !== null && items.length ? (
        <p className="mt-1 text-xs text-zinc-500">{t("failedMore")}</p>
      ) : null}
    </Card>
  );
}

/** `task.steps` query options, refreshed while the task runs. */
function trpc_steps(
  trpc: ReturnType<typeof useTRPC>,
  input: { taskId: string; status?: StepStatus[]; limit: number },
  live: boolean,
) {
  return trpc.task.steps.queryOptions(input, { refetchInterval: live ? LIVE_MS : false });
}

interface Group {
  stepId: string;
  total: number;
  counts: Partial<Record<StepStatus, number>>;
  startedAt: Date | null;
  endedAt: Date | null;
}

const GROUP_ORDER: StepStatus[] = [
  "failed",
  "running",
  "retry_wait",
  "ready",
  "blocked",
  "cancelled",
  "skipped",
  "succeeded",
];

function StepGroups({
  taskId,
  live,
  groups,
  error,
  picked,
  onPick,
}: {
  taskId: string;
  live: boolean;
  groups: readonly Group[];
  error: unknown;
  picked: PickedStep | null;
  onPick: (s: PickedStep) => void;
}) {
  const t = useTranslations("tasks");
  const duration = useDuration();
  const now = useNow({ updateInterval: live ? 1000 : 60_000 }).getTime();
  const [failedOnly, setFailedOnly] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const shown = failedOnly ? groups.filter((g) => (g.counts.failed ?? 0) > 0) : groups;
  return (
    <Card data-testid="step-groups">
      <div className="mb-2 flex items-center justify-between gap-2">
        <h2 className="text-base font-semibold">{t("stepsTitle")}</h2>
        <label className="flex items-center gap-1.5 text-sm">
          <input
            type="checkbox"
            checked={failedOnly}
            onChange={(e) => setFailedOnly(e.target.checked)}
          />
          {t("failedOnly")}
        </label>
      </div>
      <ErrorNotice error={error} />
      <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
        {shown.map((g) => {
          const expanded = open === g.stepId;
          const done = (g.counts.succeeded ?? 0) + (g.counts.skipped ?? 0);
          const running = (g.counts.running ?? 0) > 0;
          const took =
            g.startedAt && (g.endedAt || running)
              ? duration(
                  (running || !g.endedAt ? now : g.endedAt.getTime()) - g.startedAt.getTime(),
                )
              : null;
          return (
            <li key={g.stepId} data-testid="step-group" data-step={g.stepId}>
              <button
                type="button"
                aria-expanded={expanded}
                onClick={() => setOpen(expanded ? null : g.stepId)}
                className="flex w-full flex-wrap items-center gap-x-3 gap-y-1 py-2 text-left text-sm hover:bg-zinc-50 dark:hover:bg-zinc-800/40"
              >
                <span aria-hidden className="w-3 text-zinc-400">
                  {expanded ? "▾" : "▸"}
                </span>
                <span className="min-w-24 font-mono font-medium">{g.stepId}</span>
                <MiniBar counts={g.counts} total={g.total} />
                <span className="text-xs text-zinc-600 tabular-nums dark:text-zinc-400">
                  {t("groupDone", { done, total: g.total })}
                </span>
                <span className="flex flex-wrap gap-1">
                  {GROUP_ORDER.filter((s) => s !== "succeeded" && (g.counts[s] ?? 0) > 0).map(
                    (s) => (
                      <StepStatusBadge key={s} status={s} ended={!live} count={g.counts[s]} />
                    ),
                  )}
                </span>
                {took ? <span className="ml-auto text-xs text-zinc-500">{took}</span> : null}
              </button>
              {expanded ? (
                <GroupEntries
                  taskId={taskId}
                  stepId={g.stepId}
                  live={live}
                  failedOnly={failedOnly}
                  picked={picked}
                  onPick={onPick}
                />
              ) : null}
            </li>
          );
        })}
        {shown.length === 0 ? (
          <li className="py-6 text-center text-sm text-zinc-500">
            {failedOnly ? t("noFailedSteps") : t("noSteps")}
          </li>
        ) : null}
      </ul>
    </Card>
  );
}

function MiniBar({
  counts,
  total,
}: {
  counts: Partial<Record<StepStatus, number>>;
  total: number;
}) {
  const p = barSegments(progressOf(counts));
  if (total === 0) return null;
  return (
    <span
      aria-hidden
      className="flex h-2 w-28 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
    >
      <span className="bg-emerald-500" style={{ width: `${p.done}%` }} />
      <span className="bg-red-500" style={{ width: `${p.failed}%` }} />
      <span className="bg-zinc-400" style={{ width: `${p.cancelled}%` }} />
      <span className="bg-sky-500" style={{ width: `${p.running}%` }} />
    </span>
  );
}

function GroupEntries({
  taskId,
  stepId,
  live,
  failedOnly,
  picked,
  onPick,
}: {
  taskId: string;
  stepId: string;
  live: boolean;
  failedOnly: boolean;
  picked: PickedStep | null;
  onPick: (s: PickedStep) => void;
}) {
  const t = useTranslations("tasks");
  const trpc = useTRPC();
  const duration = useDuration();
  const locale = useCairnLocale();
  const [status, setStatus] = useState<StepStatus | "">(failedOnly ? "failed" : "");
  const entries = useInfiniteQuery(
    trpc.task.steps.infiniteQueryOptions(
      { taskId, stepId, limit: 200, ...(status ? { status: [status] } : {}) },
      {
        getNextPageParam: (page) => page.nextAfterOrdinal,
        refetchInterval: live ? LIVE_MS * 2 : false,
      },
    ),
  );
  const rows = entries.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="mb-2 ml-5 rounded-md border border-zinc-200 dark:border-zinc-800">
      <div className="flex items-center gap-2 border-b border-zinc-200 px-2 py-1.5 text-xs dark:border-zinc-800">
        <label className="flex items-center gap-1.5">
          {t("entriesStatus")}
          <select
            className="rounded border border-zinc-300 bg-white px-1 py-0.5 dark:border-zinc-700 dark:bg-zinc-900"
            value={status}
            onChange={(e) => setStatus(e.target.value as StepStatus | "")}
          >
            <option value="">{t("allStatuses")}</option>
            {STEP_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`stepStatuses.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <span className="ml-auto text-zinc-500">{t("entriesHint")}</span>
      </div>
      <ErrorNotice error={entries.error} />
      <VirtualList
        items={rows}
        rowHeight={32}
        maxHeight={320}
        label={t("entriesLabel", { step: stepId })}
        testId="step-entries"
        rowKey={(r) => r.id}
        onEndReached={() => {
          if (entries.hasNextPage && !entries.isFetchingNextPage) void entries.fetchNextPage();
        }}
        renderRow={(r) => {
          const took =
            r.lastStartedAt && r.lastEndedAt
              ? duration(r.lastEndedAt.getTime() - r.lastStartedAt.getTime())
              : null;
          return (
            <button
              type="button"
              onClick={() =>
                onPick({ id: r.id, stepId: r.stepId, nodeId: r.nodeId, hostname: r.hostname })
              }
              aria-pressed={picked?.id === r.id}
              title={r.reason ? r.reason.message[locale] : undefined}
              className={cn(
                "flex h-full w-full items-center gap-3 px-2 text-left text-sm hover:bg-zinc-50 dark:hover:bg-zinc-800/40",
                picked?.id === r.id && "bg-sky-50 dark:bg-sky-950/40",
              )}
            >
              <span className="w-40 truncate font-mono text-xs">{r.hostname ?? r.nodeId}</span>
              <StepStatusBadge status={r.status} ended={!live} />
              <span className="text-xs text-zinc-500 tabular-nums">
                {t("attemptsCount", { count: r.attempts })}
              </span>
              {r.lastExitCode !== null && r.lastExitCode !== 0 ? (
                <span className="text-xs text-red-700 dark:text-red-400">
                  {t("exitCode", { code: r.lastExitCode })}
                </span>
              ) : null}
              {took ? <span className="ml-auto text-xs text-zinc-500">{took}</span> : null}
            </button>
          );
        }}
      />
      {!entries.isLoading && rows.length === 0 ? (
        <p className="py-3 text-center text-xs text-zinc-500">{t("noEntries")}</p>
      ) : null}
    </div>
  );
}

function NodeProgressCard({
  taskId,
  live,
  onShowLog,
}: {
  taskId: string;
  live: boolean;
  onShowLog: (nodeId: string) => void;
}) {
  const t = useTranslations("tasks");
  const trpc = useTRPC();
  const [filter, setFilter] = useState<NodeFilter>("all");
  const [search, setSearch] = useState("");
  const nodes = useInfiniteQuery(
    trpc.task.nodes.infiniteQueryOptions(
      { taskId, filter, limit: 200, ...(search.trim() ? { search: search.trim() } : {}) },
      {
        getNextPageParam: (page) => page.nextCursor,
        refetchInterval: live ? LIVE_MS * 2 : false,
      },
    ),
  );
  const rows = nodes.data?.pages.flatMap((p) => p.items) ?? [];
  const totals = nodes.data?.pages[0]?.totals;
  return (
    <Card data-testid="node-progress">
      <div className="mb-2 flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-base font-semibold">{t("nodesTitle")}</h2>
        <Input
          type="search"
          aria-label={t("nodeSearch")}
          placeholder={t("nodeSearch")}
          className="h-8 w-44"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>
      <div role="group" aria-label={t("nodeFilter")} className="mb-2 flex flex-wrap gap-1.5">
        {NODE_FILTERS.map((f) => (
          <button
            key={f}
            type="button"
            aria-pressed={filter === f}
            onClick={() => setFilter(f)}
            className={cn(
              "inline-flex h-7 items-center gap-1.5 rounded-full border px-3 text-xs font-medium",
              filter === f
                ? "border-sky-700 bg-sky-700 text-white dark:border-sky-500 dark:bg-sky-600"
                : "border-zinc-300 bg-white text-zinc-700 hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-300",
            )}
          >
            {t(`nodeFilters.${f}`)}
            <span className="tabular-nums opacity-75">{totals?.[f] ?? "…"}</span>
          </button>
        ))}
      </div>
      <ErrorNotice error={nodes.error} />
      <VirtualList
        items={rows}
        rowHeight={32}
        maxHeight={360}
        label={t("nodesTitle")}
        testId="node-rows"
        rowKey={(n) => n.nodeId}
        onEndReached={() => {
          if (nodes.hasNextPage && !nodes.isFetchingNextPage) void nodes.fetchNextPage();
        }}
        renderRow={(n) => {
          const p = barSegments({
            total: n.total,
            done: n.done,
            failed: n.failed,
            cancelled: n.cancelled,
            running: n.running,
            succeeded: 0,
            skipped: 0,
            waiting: n.waiting,
          });
          return (
            <div className="flex h-full items-center gap-3 px-1 text-sm" data-testid="node-row">
              <span className="w-40 truncate font-mono text-xs">{n.hostname ?? n.nodeId}</span>
              <span
                aria-hidden
                className="flex h-2 w-32 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
              >
                <span className="bg-emerald-500" style={{ width: `${p.done}%` }} />
                <span className="bg-red-500" style={{ width: `${p.failed}%` }} />
                <span className="bg-zinc-400" style={{ width: `${p.cancelled}%` }} />
                <span className="bg-sky-500" style={{ width: `${p.running}%` }} />
              </span>
              <span className="text-xs text-zinc-600 tabular-nums dark:text-zinc-400">
                {t("nodeDone", { done: n.done, total: n.total })}
              </span>
              {n.failed ? (
                <span className="text-xs whitespace-nowrap text-red-700 dark:text-red-400">
                  {t("nodeFailed", { count: n.failed })}
                </span>
              ) : n.current ? (
                <span className="truncate text-xs text-sky-700 dark:text-sky-400">
                  {t("nodeRunning", { step: n.current })}
                </span>
              ) : null}
              <Button
                size="sm"
                variant="ghost"
                className="ml-auto"
                onClick={() => onShowLog(n.nodeId)}
              >
                {t("showLog")}
              </Button>
            </div>
          );
        }}
      />
      {!nodes.isLoading && rows.length === 0 ? (
        <p className="py-4 text-center text-sm text-zinc-500">{t("noNodes")}</p>
      ) : null}
    </Card>
  );
}

function PickedStepCard({
  step,
  live,
  canRetry,
  onClose,
  onShowAttempt,
  onRetryFrom,
}: {
  step: PickedStep;
  live: boolean;
  canRetry: boolean;
  onClose: () => void;
  onShowAttempt: (attemptId: string) => void;
  onRetryFrom: () => void;
}) {
  const t = useTranslations("tasks");
  const trpc = useTRPC();
  const locale = useCairnLocale();
  const when = useDateTime();
  const duration = useDuration();
  const attempts = useQuery(
    trpc.task.attempts.queryOptions(
      { stepId: step.id },
      { refetchInterval: live ? LIVE_MS : false },
    ),
  );
  const list = attempts.data ?? [];
  const latest = list.at(-1);
  return (
    <Card className="mb-4" data-testid="picked-step">
      <div className="mb-3 flex flex-wrap items-center gap-3">
        <h2 className="text-base font-semibold">
          {t("pickedTitle", { step: step.stepId, node: step.hostname ?? step.nodeId ?? "—" })}
        </h2>
        {latest ? (
          <span className="text-sm text-zinc-600 dark:text-zinc-400">
            {t("stepShows")} <AttemptStatusBadge status={latest.status} />
          </span>
        ) : null}
        <span className="ml-auto flex gap-2">
          {canRetry ? (
            <Button size="sm" variant="secondary" onClick={onRetryFrom}>
              {t("retryFromHere")}
            </Button>
          ) : null}
          <Button size="sm" variant="ghost" onClick={onClose}>
            {t("close")}
          </Button>
        </span>
      </div>
      <ErrorNotice error={attempts.error} />
      <div className="overflow-x-auto rounded-lg border border-zinc-200 dark:border-zinc-800">
        <table className="w-full text-left text-sm" data-testid="attempts">
          <thead>
            <tr className="bg-zinc-50 text-xs text-zinc-600 uppercase dark:bg-zinc-900 dark:text-zinc-400">
              <Th>{t("attempt")}</Th>
              <Th>{t("status")}</Th>
              <Th>{t("exitCodeHeader")}</Th>
              <Th>{t("reason")}</Th>
              <Th>{t("durationColumn")}</Th>
              <Th>{t("started")}</Th>
              <Th>{t("log")}</Th>
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr
                key={a.id}
                data-testid="attempt-row"
                className="border-t border-zinc-100 dark:border-zinc-800"
              >
                <Td className="tabular-nums">{a.number}</Td>
                <Td>
                  <AttemptStatusBadge status={a.status} />
                </Td>
                <Td className="font-mono">{a.exitCode ?? "—"}</Td>
                <Td className="text-xs">{a.reason ? a.reason.message[locale] : "—"}</Td>
                <Td className="whitespace-nowrap">
                  {a.startedAt
                    ? duration((a.endedAt?.getTime() ?? Date.now()) - a.startedAt.getTime())
                    : "—"}
                </Td>
                <Td className="text-xs whitespace-nowrap text-zinc-500">
                  {a.startedAt ? when(a.startedAt) : "—"}
                </Td>
                <Td>
                  <Button size="sm" variant="ghost" onClick={() => onShowAttempt(a.id)}>
                    {t("showLog")}
                  </Button>
                </Td>
              </tr>
            ))}
            {!attempts.isLoading && list.length === 0 ? (
              <tr>
                <Td colSpan={7} className="py-4 text-center text-zinc-500">
                  {t("noAttempts")}
                </Td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function Th({ children }: { children: ReactNode }) {
  return <th className="px-3 py-2 font-semibold tracking-wide">{children}</th>;
}

function Td({
  children,
  className,
  colSpan,
}: {
  children: ReactNode;
  className?: string;
  colSpan?: number;
}) {
  return (
    <td colSpan={colSpan} className={cn("px-3 py-2", className)}>
      {children}
    </td>
  );
}
