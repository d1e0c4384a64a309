"use client";
import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { useDateTime } from "@/components/format";
import { LoadMore } from "@/components/lists/load-more";
import { SortHeader, type SortState } from "@/components/lists/sort-header";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Table, Td } from "@/components/ui/table";
import type { REGION_SORT } from "@/domain/region";
import { useTRPC } from "@/lib/trpc";
import { CreateRegionDialog } from "./create-region-dialog";

export function RegionList() {
  const t = useTranslations("regions");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const when = useDateTime();
  const [sort, setSort] = useState<SortState<(typeof REGION_SORT)[number]>>({ sort: "name", order: "asc" });
  const [search, setSearch] = useState("");
  const [creating, setCreating] = useState(false);
  const list = useInfiniteQuery(
    trpc.region.list.infiniteQueryOptions(
      { limit: 50, ...sort, search: search || undefined },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const rows = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={<Button onClick={() => setCreating(true)}>{t("create")}</Button>}
      />
      <div className="mb-3 flex gap-2">
        <Input
          type="search"
          aria-label={tc("search")}
          placeholder={tc("search")}
          className="max-w-xs"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      </div>
      <ErrorNotice error={list.error} />
      <Table>
        <thead>
          <tr>
            <SortHeader field="name" label={t("name")} state={sort} onChange={setSort} />
            <th className="border-b border-zinc-200 bg-zinc-50 px-3 py-2 text-xs font-semibold text-zinc-600 uppercase dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400">
              {t("displayName")}
            </th>
            <th className="border-b border-zinc-200 bg-zinc-50 px-3 py-2 text-xs font-semibold text-zinc-600 uppercase dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400">
              {t("clusters")}
            </th>
            <SortHeader field="createdAt" label={tc("created")} state={sort} onChange={setSort} />
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/40">
              <Td className="font-mono">
                <Link className="text-sky-700 hover:underline dark:text-sky-400" href={`/regions/${r.id}`}>
                  {r.name}
                </Link>
              </Td>
              <Td>{r.displayName}</Td>
              <Td>{r.clusterCount}</Td>
              <Td className="text-zinc-500">{when(r.createdAt)}</Td>
            </tr>
          ))}
          {!list.isLoading && rows.length === 0 ? (
            <tr>
              <Td colSpan={4} className="py-8 text-center text-zinc-500">
                {search ? tc("noMatches") : t("empty")}
              </Td>
            </tr>
          ) : null}
        </tbody>
      </Table>
      <LoadMore hasNextPage={list.hasNextPage} isFetching={list.isFetchingNextPage} onClick={() => list.fetchNextPage()} />
      <CreateRegionDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
