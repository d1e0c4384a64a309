"use client";
import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { useDateTime } from "@/components/format";
import { LoadMore } from "@/components/lists/load-more";
import { SortHeader, type SortState } from "@/components/lists/sort-header";
import { useMe } from "@/components/use-me";
import { Button, buttonVariants } from "@/components/ui/button";
import { Badge, PageHeader } from "@/components/ui/card";
import { Input, Select } from "@/components/ui/input";
import { Table, Td, Th } from "@/components/ui/table";
import { CLUSTER_STATUSES, type ClusterStatus } from "@/domain/cluster";
import { CLUSTER_KINDS, type ClusterKind } from "@/domain/model";
import type { CLUSTER_SORT } from "@/domain/region";
import { useTRPC } from "@/lib/trpc";
import { CreateClusterDialog } from "./create-cluster-dialog";

export function ClusterList() {
  const t = useTranslations("clusters");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const when = useDateTime();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const { canOperate } = useMe();
  const regionId = params.get("region") || undefined;
  const [sort, setSort] = useState<SortState<(typeof CLUSTER_SORT)[number]>>({
    sort: "name",
    order: "asc",
  });
  const [search, setSearch] = useState("");
  const [status, setStatus] = useState<ClusterStatus | "">("");
  const [kind, setKind] = useState<ClusterKind | "">("");
  const creating = params.get("create") === "1";
  const setCreating = (open: boolean) => {
    const next = new URLSearchParams(params);
    if (open) next.set("create", "1");
    else next.delete("create");
    router.replace(`${pathname}?${next.toString()}`);
  };

  const list = useInfiniteQuery(
    trpc.cluster.list.infiniteQueryOptions(
      {
        limit: 50,
        ...sort,
        regionId,
        search: search || undefined,
        status: status ? [status] : undefined,
        kind: kind || undefined,
      },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Boolean(search || status || kind);

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          canOperate ? (
            <div className="flex gap-2">
              <Link
                href="/install"
                className={buttonVariants({ variant: "primary" })}
                data-testid="install-cluster"
              >
                {t("install")}
              </Link>
              <Button variant="secondary" onClick={() => setCreating(true)}>
                {t("create")}
              </Button>
            </div>
          ) : undefined
        }
      />
      <div className="mb-3 flex flex-wrap gap-2">
        <Input
          type="search"
          aria-label={tc("search")}
          placeholder={tc("search")}
          className="max-w-xs"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <Select
          aria-label={t("status")}
          className="w-40"
          value={status}
          onChange={(e) => setStatus(e.target.value as ClusterStatus | "")}
        >
          <option value="">{t("anyStatus")}</option>
          {CLUSTER_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`statuses.${s}`)}
            </option>
          ))}
        </Select>
        <Select
          aria-label={t("kind")}
          className="w-44"
          value={kind}
          onChange={(e) => setKind(e.target.value as ClusterKind | "")}
        >
          <option value="">{t("anyKind")}</option>
          {CLUSTER_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`kinds.${k}`)}
            </option>
          ))}
        </Select>
      </div>
      <ErrorNotice error={list.error} />
      <Table>
        <thead>
          <tr>
            <SortHeader field="name" label={t("name")} state={sort} onChange={setSort} />
            <Th>{t("region")}</Th>
            <Th>{t("kind")}</Th>
            <Th>{t("release")}</Th>
            <SortHeader field="status" label={t("status")} state={sort} onChange={setSort} />
            <SortHeader field="createdAt" label={tc("created")} state={sort} onChange={setSort} />
          </tr>
        </thead>
        <tbody>
          {rows.map((c) => (
            <tr key={c.id} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/40">
              <Td>
                <Link
                  href={`/clusters/${c.id}`}
                  className="font-mono text-sky-700 hover:underline dark:text-sky-400"
                >
                  {c.name}
                </Link>
                {c.displayName !== c.name ? (
                  <span className="ml-2 text-zinc-500">{c.displayName}</span>
                ) : null}
              </Td>
              <Td className="font-mono">{c.regionName}</Td>
              <Td>{t(`kinds.${c.kind}`)}</Td>
              <Td className="font-mono text-xs">{c.releaseId}</Td>
              <Td>
                <Badge>{t(`statuses.${c.status}`)}</Badge>
              </Td>
              <Td className="text-zinc-500">{when(c.createdAt)}</Td>
            </tr>
          ))}
          {!list.isLoading && rows.length === 0 ? (
            <tr>
              <Td colSpan={6} className="py-8 text-center text-zinc-500">
                {filtered ? tc("noMatches") : t("empty")}
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
      {canOperate ? (
        <CreateClusterDialog
          open={creating}
          onClose={() => setCreating(false)}
          defaultRegionId={regionId}
        />
      ) : null}
    </>
  );
}
