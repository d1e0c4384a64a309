"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useNow, useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { useDateTime } from "@/components/format";
import { LoadMore } from "@/components/lists/load-more";
import { Badge, PageHeader } from "@/components/ui/card";
import { Select } from "@/components/ui/input";
import { Table, Td, Th } from "@/components/ui/table";
import {
  FINAL_TASK,
  TASK_MODES,
  TASK_STATUSES,
  type TaskMode,
  type TaskStatus,
} from "@/domain/engine/types";
import { OPERATIONS } from "@/domain/release/bundle";
import { useTRPC } from "@/lib/trpc";
import { cn } from "@/lib/utils";
import { TaskStatusBadge, useDuration } from "./status";

const REFRESH_MS = 5000;
const COLUMNS = 7;
type Operation = (typeof OPERATIONS)[number];

/** Every task, newest first, paged on the server; filters by status, operation, mode, cluster. */
export function TaskList() {
  const t = useTranslations("tasks");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const when = useDateTime();
  const duration = useDuration();
  const now = useNow({ updateInterval: 5000 }).getTime();
  const params = useSearchParams();
  const [statuses, setStatuses] = useState<TaskStatus[]>([]);
  const [kind, setKind] = useState<Operation | "">("");
  const [mode, setMode] = useState<TaskMode | "">("");
  const [clusterId, setClusterId] = useState(params.get("cluster") ?? "");
  const clusters = useQuery(
    trpc.cluster.list.queryOptions({ limit: 200, sort: "name", order: "asc" }),
  );
  const list = useInfiniteQuery(
    trpc.task.list.infiniteQueryOptions(
      {
        limit: 50,
        ...(statuses.length ? { status: statuses } : {}),
        ...(kind ? { kind: [kind] } : {}),
        ...(mode ? { mode: [mode] } : {}),
        ...(clusterId ? { clusterId } : {}),
      },
      { getNextPageParam: (page) => page.nextCursor, refetchInterval: REFRESH_MS },
    ),
  );
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const toggle = (s: TaskStatus) =>
    setStatuses((c) => (c.includes(s) ? c.filter((x) => x !== s) : [...c, s]));
  const filtered = Boolean(statuses.length || kind || mode || clusterId);
  return (
    <>
      <PageHeader title={t("listTitle")} description={t("listDescription")} />
      <div role="group" aria-label={t("statusFilter")} className="mb-3 flex flex-wrap gap-1.5">
        <Chip pressed={statuses.length === 0} onClick={() => setStatuses([])}>
          {t("allStatuses")}
        </Chip>
        {TASK_STATUSES.map((s) => (
          <Chip key={s} pressed={statuses.includes(s)} onClick={() => toggle(s)}>
            {t(`taskStatuses.${s}`)}
          </Chip>
        ))}
      </div>
      <div className="mb-3 flex flex-wrap gap-2">
        <Select
          aria-label={t("operation")}
          className="w-52"
          value={kind}
          onChange={(e) => setKind(e.target.value as Operation | "")}
        >
          <option value="">{t("anyOperation")}</option>
          {OPERATIONS.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </Select>
        <Select
          aria-label={t("mode")}
          className="w-40"
          value={mode}
          onChange={(e) => setMode(e.target.value as TaskMode | "")}
        >
          <option value="">{t("anyMode")}</option>
          {TASK_MODES.map((m) => (
            <option key={m} value={m}>
              {t(`modes.${m}`)}
            </option>
          ))}
        </Select>
        <Select
          aria-label={t("cluster")}
          className="w-56"
          value={clusterId}
          onChange={(e) => setClusterId(e.target.value)}
        >
          <option value="">{t("anyCluster")}</option>
          {(clusters.data?.items ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </Select>
      </div>
      <ErrorNotice error={list.error} />
      <Table>
        <thead>
          <tr>
            <Th>{t("operation")}</Th>
            <Th>{t("status")}</Th>
            <Th>{t("mode")}</Th>
            <Th>{t("cluster")}</Th>
            <Th>{t("launchedByHeader")}</Th>
            <Th>{t("created")}</Th>
            <Th>{t("durationColumn")}</Th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const start = (r.startedAt ?? r.createdAt).getTime();
            const end = r.endedAt?.getTime() ?? (FINAL_TASK.has(r.status) ? start : now);
            return (
              <tr
                key={r.id}
                data-testid="task-row"
                className="hover:bg-zinc-50 dark:hover:bg-zinc-800/40"
              >
                <Td>
                  <Link
                    href={`/tasks/${r.id}`}
                    className="font-mono text-sky-700 hover:underline dark:text-sky-400"
                  >
                    {r.kind}
                  </Link>
                </Td>
                <Td>
                  <TaskStatusBadge status={r.status} />
                </Td>
                <Td>
                  <Badge tone={r.mode === "apply" ? "info" : "neutral"}>
                    {t(`modes.${r.mode}`)}
                  </Badge>
                </Td>
                <Td className="font-mono text-xs">
                  {r.clusterName ? (
                    <Link href={`/clusters/${r.clusterId}`} className="hover:underline">
                      {r.clusterName}
                    </Link>
                  ) : (
                    "—"
                  )}
                </Td>
                <Td className="text-xs">{r.launchedBy ?? "—"}</Td>
                <Td className="text-xs whitespace-nowrap text-zinc-500">{when(r.createdAt)}</Td>
                <Td className="text-xs whitespace-nowrap tabular-nums">
                  {r.startedAt ? duration(end - start) : "—"}
                </Td>
              </tr>
            );
          })}
          {!list.isLoading && !list.error && rows.length === 0 ? (
            <tr>
              <Td colSpan={COLUMNS} className="py-8 text-center text-zinc-500">
                {filtered ? tc("noMatches") : t("noTasks")}
              </Td>
            </tr>
          ) : null}
        </tbody>
      </Table>
      <LoadMore
        hasNextPage={list.hasNextPage}
        isFetching={list.isFetchingNextPage}
        onClick={() => list.fetchNextPage()}
      />
    </>
  );
}

function Chip({
  pressed,
  onClick,
  children,
}: {
  pressed: boolean;
  onClick: () => void;
  children: React.ReactNode;
}) {
  return (
    <button
      type="button"
      aria-pressed={pressed}
      onClick={onClick}
      className={cn(
        "inline-flex h-7 items-center rounded-full border px-3 text-xs font-medium transition-colors",
        pressed
          ? "border-sky-700 bg-sky-700 text-white dark:border-sky-500 dark:bg-sky-600"
          : "border-zinc-300 bg-white text-zinc-700 hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-300 dark:hover:bg-zinc-800",
      )}
    >
      {children}
    </button>
  );
}
