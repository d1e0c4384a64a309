"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { useDateTime } from "@/components/format";
import { LoadMore } from "@/components/lists/load-more";
import { SortHeader, type SortState } from "@/components/lists/sort-header";
import { useMe } from "@/components/use-me";
import { buttonVariants } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { Input, Select } from "@/components/ui/input";
import { Table, Td, Th } from "@/components/ui/table";
import { ARCHES, NODE_STATUSES, type Arch, type NodeStatus } from "@/domain/model";
import type { NODE_SORTS } from "@/domain/node";
import { useTRPC } from "@/lib/trpc";
import { cn } from "@/lib/utils";
import { agentCommand, CodeBlock, useOrigin } from "./agent-command";
import { useRelativeTime, useSizes } from "./format";
import { LabPanel } from "./lab-panel";
import { NodeStatusBadge } from "./node-status";

/** Lists refresh on their own: heartbeats and registrations change them while the page is open. */
const REFRESH_MS = 15_000;
const COLUMNS = 10;

export function NodeList() {
  const t = useTranslations("nodes");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const when = useDateTime();
  const ago = useRelativeTime();
  const sizes = useSizes();
  const params = useSearchParams();
  const { isAdmin } = useMe();
  // The region in view is the shell's region switcher (`?region=`), as on the clusters list.
  const regionId = params.get("region") || undefined;
  const [sort, setSort] = useState<SortState<(typeof NODE_SORTS)[number]>>({
    sort: "hostname",
    order: "asc",
  });
  const [search, setSearch] = useState("");
  const [role, setRole] = useState("");
  const [arch, setArch] = useState<Arch | "">("");
  const [statuses, setStatuses] = useState<NodeStatus[]>([]);

  const counts = useQuery(
    trpc.node.statusCounts.queryOptions({ regionId }, { refetchInterval: REFRESH_MS }),
  );
  const list = useInfiniteQuery(
    trpc.node.list.infiniteQueryOptions(
      {
        limit: 50,
        ...sort,
        regionId,
        search: search.trim() || undefined,
        role: role.trim() || undefined,
        arch: arch || undefined,
        status: statuses.length ? statuses : undefined,
      },
      { getNextPageParam: (page) => page.nextCursor, refetchInterval: REFRESH_MS },
    ),
  );
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(search.trim() || role.trim() || arch || statuses.length);
  const countOf = (s: NodeStatus) => counts.data?.find((c) => c.status === s)?.n ?? 0;
  const total = counts.data?.reduce((sum, c) => sum + c.n, 0) ?? 0;
  const toggle = (s: NodeStatus) =>
    setStatuses((current) =>
      current.includes(s) ? current.filter((x) => x !== s) : [...current, s],
    );
  const tokensHref = `/nodes/tokens${regionId ? `?region=${regionId}` : ""}`;
  const empty = !list.isLoading && !list.error && rows.length === 0;

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          isAdmin ? (
            <Link href={tokensHref} className={buttonVariants({ variant: "secondary" })}>
              {t("tokensLink")}
            </Link>
          ) : undefined
        }
      />
      {isAdmin ? <LabPanel /> : null}
      <div role="group" aria-label={t("statusFilter")} className="mb-3 flex flex-wrap gap-1.5">
        <StatusChip
          pressed={statuses.length === 0}
          onClick={() => setStatuses([])}
          label={t("allStatuses")}
          count={total}
        />
        {NODE_STATUSES.filter((s) => countOf(s) > 0 || statuses.includes(s)).map((s) => (
          <StatusChip
            key={s}
            pressed={statuses.includes(s)}
            onClick={() => toggle(s)}
            label={t(`statuses.${s}`)}
            count={countOf(s)}
            offline={s === "offline"}
          />
        ))}
      </div>
      <div className="mb-3 flex flex-wrap gap-2">
        <Input
          type="search"
          aria-label={tc("search")}
          placeholder={t("searchPlaceholder")}
          className="max-w-xs"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <Input
          aria-label={t("roleLabel")}
          placeholder={t("rolePlaceholder")}
          className="w-48"
          value={role}
          onChange={(e) => setRole(e.target.value)}
        />
        <Select
          aria-label={t("archLabel")}
          className="w-44"
          value={arch}
          onChange={(e) => setArch(e.target.value as Arch | "")}
        >
          <option value="">{t("anyArch")}</option>
          {ARCHES.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </Select>
      </div>
      <ErrorNotice error={list.error} />
      {empty && !filtered ? (
        <EmptyNodes inRegion={Boolean(regionId)} isAdmin={isAdmin} tokensHref={tokensHref} />
      ) : (
        <Table>
          <thead>
            <tr>
              <SortHeader field="hostname" label={t("hostname")} state={sort} onChange={setSort} />
              <Th>{t("status")}</Th>
              <Th>{t("regionCluster")}</Th>
              <Th>{t("arch")}</Th>
              <SortHeader field="cores" label={t("coresThreads")} state={sort} onChange={setSort} />
              <SortHeader field="memory" label={t("memory")} state={sort} onChange={setSort} />
              <Th>{t("disks")}</Th>
              <Th>{t("roles")}</Th>
              <Th>{t("lastHeartbeat")}</Th>
              <SortHeader
                field="registered"
                label={t("registered")}
                state={sort}
                onChange={setSort}
              />
            </tr>
          </thead>
          <tbody>
            {rows.map((n) => (
              <tr
                key={n.id}
                data-testid="node-row"
                className="hover:bg-zinc-50 dark:hover:bg-zinc-800/40"
              >
                <Td className="whitespace-nowrap">
                  <Link
                    href={`/nodes/${n.id}`}
                    data-testid="node-hostname"
                    className="font-mono text-sky-700 hover:underline dark:text-sky-400"
                  >
                    {n.hostname}
                  </Link>
                  {n.lab ? (
                    <Badge
                      tone="neutral"
                      className="ml-2 border border-dashed border-zinc-400 bg-transparent"
                      title={t("labTitle")}
                    >
                      {t("lab")}
                    </Badge>
                  ) : null}
                </Td>
                <Td>
                  <NodeStatusBadge status={n.displayedStatus} />
                </Td>
                <Td className="font-mono text-xs whitespace-nowrap">
                  {n.regionName}
                  <span className="text-zinc-400"> / </span>
                  {n.clusterName ?? <span className="text-zinc-400">—</span>}
                </Td>
                <Td className="font-mono text-xs">{n.arch}</Td>
                <Td className="tabular-nums">
                  {n.cores} / {n.threads}
                </Td>
                <Td className="whitespace-nowrap tabular-nums">{sizes.memory(n.memoryBytes)}</Td>
                <Td className="tabular-nums">{n.diskCount}</Td>
                <Td className="text-xs">
                  {n.roles.length ? n.roles.join(", ") : <span className="text-zinc-400">—</span>}
                </Td>
                <Td
                  className={cn(
                    "text-xs whitespace-nowrap",
                    n.online ? "text-zinc-500" : "font-medium text-zinc-900 dark:text-zinc-100",
                  )}
                >
                  {n.lastHeartbeatAt ? (
                    <span title={when(n.lastHeartbeatAt)}>{ago(n.lastHeartbeatAt)}</span>
                  ) : (
                    t("never")
                  )}
                </Td>
                <Td className="text-xs whitespace-nowrap text-zinc-500">
                  <span title={when(n.registeredAt)}>{ago(n.registeredAt)}</span>
                </Td>
              </tr>
            ))}
            {empty ? (
              <tr>
                <Td colSpan={COLUMNS} className="py-8 text-center text-zinc-500">
                  {tc("noMatches")}
                </Td>
              </tr>
            ) : null}
          </tbody>
        </Table>
      )}
      <LoadMore
        hasNextPage={list.hasNextPage}
        isFetching={list.isFetchingNextPage}
        onClick={() => list.fetchNextPage()}
      />
    </>
  );
}

function StatusChip({
  pressed,
  onClick,
  label,
  count,
  offline = false,
}: {
  pressed: boolean;
  onClick: () => void;
  label: string;
  count: number;
  offline?: boolean;
}) {
  return (
    <button
      type="button"
      aria-pressed={pressed}
      aria-label={`${label} ${count}`}
      onClick={onClick}
      className={cn(
        "inline-flex h-7 items-center gap-1.5 rounded-full border px-3 text-xs font-medium transition-colors",
        pressed
          ? "border-sky-700 bg-sky-700 text-white dark:border-sky-500 dark:bg-sky-600"
          : "border-zinc-300 bg-white text-zinc-700 hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-300 dark:hover:bg-zinc-800",
      )}
    >
      {offline ? (
        <span aria-hidden className="inline-block h-1.5 w-1.5 rounded-full border border-current" />
      ) : null}
      {label}
      <span className={cn("tabular-nums", pressed ? "text-sky-100" : "text-zinc-500")}>
        {count}
      </span>
    </button>
  );
}

/** What an operator does to get the first node listed, in the order it is done. */
function EmptyNodes({
  inRegion,
  isAdmin,
  tokensHref,
}: {
  inRegion: boolean;
  isAdmin: boolean;
  tokensHref: string;
}) {
  const t = useTranslations("nodes");
  const origin = useOrigin();
  return (
    <Card data-testid="nodes-empty" className="max-w-3xl">
      <h2 className="text-base font-semibold">
        {inRegion ? t("emptyInRegionTitle") : t("emptyTitle")}
      </h2>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{t("emptyIntro")}</p>
      <ol className="mt-3 list-decimal space-y-2 pl-5 text-sm">
        <li>
          {isAdmin ? (
            <Link href={tokensHref} className="text-sky-700 hover:underline dark:text-sky-400">
              {t("emptyStepTokenAdmin")}
            </Link>
          ) : (
            t("emptyStepTokenOther")
          )}
        </li>
        <li>
          {t("emptyStepRun")}
          <CodeBlock className="mt-1.5">{agentCommand(origin, t("tokenPlaceholder"))}</CodeBlock>
        </li>
        <li>{t("emptyStepWait")}</li>
      </ol>
    </Card>
  );
}
