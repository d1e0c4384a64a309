"use client";
import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTranslations } from "next-intl";
import { Select } from "@/components/ui/input";
import { useTRPC } from "@/lib/trpc";

/** Lists that show one region's things: they stay in view when the region changes. */
const REGIONAL_LISTS = ["/clusters", "/nodes", "/nodes/tokens"];

/** Where a region change leads from any other page: the list of the section it belongs to. */
function listFor(pathname: string): string {
  if (REGIONAL_LISTS.includes(pathname)) return pathname;
  return pathname.startsWith("/nodes") ? "/nodes" : "/clusters";
}

/**
 * The region in view is part of the URL (`?region=<id>`), so a link or a reload keeps it; lists that
 * are per region filter by it.
 */
export function RegionSwitcher() {
  const t = useTranslations("header");
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const regions = useQuery(trpc.region.list.queryOptions({ limit: 200, sort: "name" }));
  const current = params.get("region") ?? "";
  return (
    <Select
      aria-label={t("region")}
      className="h-8 w-56 text-xs"
      value={current}
      onChange={(e) => {
        const next = new URLSearchParams(params);
        if (e.target.value) next.set("region", e.target.value);
        else next.delete("region");
        router.push(`${listFor(pathname)}?${next.toString()}`);
      }}
    >
      <option value="">{t("allRegions")}</option>
      {regions.data?.items.map((r) => (
        <option key={r.id} value={r.id}>
          {r.displayName} ({r.name})
        </option>
      ))}
    </Select>
  );
}
