"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { ErrorNotice } from "@/components/error-notice";
import { useSizes } from "@/components/nodes/format";
import { Card, PageHeader } from "@/components/ui/card";
import { Select } from "@/components/ui/input";
import type { DiskSegment } from "@/domain/wizard";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { cn } from "@/lib/utils";
import { FindingsPanel } from "./findings-panel";
import { StepFooter } from "./step-footer";
import { useWizard, useWizardUpdate } from "./use-wizard";

const SEGMENT: Record<DiskSegment["kind"], string> = {
  reserved: "bg-zinc-400",
  partition: "bg-sky-700",
  "logical-volume": "bg-sky-500",
  osd: "bg-violet-500",
  free: "bg-zinc-200 dark:bg-zinc-700",
};

/**
 * Step 6: the disk plan of every node as a picture — a bar per disk with its partitions, logical
 * volumes and OSDs — the OS disk choice, and what the planner warns about.
 */
export function DisksStep({ clusterId }: { clusterId: string }) {
  const t = useTranslations("install");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const sizes = useSizes();
  const wizard = useWizard(clusterId);
  const update = useWizardUpdate(clusterId);
  const pictures = useQuery(trpc.wizard.disks.queryOptions({ clusterId }));
  const choose = useMutation(
    trpc.wizard.setOsDisks.mutationOptions({
      onSuccess: (s) => {
        update(s);
        void pictures.refetch();
      },
    }),
  );
  const diskFindings = wizard.data!.findings.filter((f) => f.steps.includes("disks"));
  return (
    <div className="space-y-4">
      <PageHeader title={t("disks.title")} description={t("disks.intro")} />
      <div className="flex flex-wrap gap-3 text-xs">
        {(Object.keys(SEGMENT) as DiskSegment["kind"][]).map((k) => (
          <span key={k} className="flex items-center gap-1">
            <span className={cn("inline-block h-3 w-3 rounded-sm", SEGMENT[k])} />
            {t(`disks.kinds.${k}`)}
          </span>
        ))}
      </div>
      {choose.error ? <ErrorNotice error={choose.error} /> : null}
      {pictures.error ? <ErrorNotice error={pictures.error} /> : null}
      {pictures.data?.map((p) => (
        <Card key={p.nodeId} className="space-y-2 p-3" data-testid={`disks-${p.hostname}`}>
          <div className="flex flex-wrap items-center gap-3 text-sm">
            <span className="font-mono font-medium">{p.hostname}</span>
            <label className="flex items-center gap-2 text-xs text-zinc-500">
              {t("disks.osDisk")}
              <Select
                className="h-7 w-56 text-xs"
                value={p.chosenOsDisk ?? ""}
                disabled={choose.isPending}
                onChange={(e) =>
                  choose.mutate({
                    clusterId,
                    assignments: [{ nodeId: p.nodeId, disk: e.target.value || null }],
                  })
                }
              >
                <option value="">
                  {t("disks.auto", { disk: p.osDisk ?? t("disks.noneFits") })}
                </option>
                {p.bars.map((b) => (
                  <option key={b.disk} value={b.disk}>
                    {b.disk} · {b.type} · {sizes.disk(b.sizeBytes)}
                  </option>
                ))}
              </Select>
            </label>
          </div>
          {p.problems.map((problem, i) => (
            <p key={i} className="text-xs text-red-700 dark:text-red-400">
              {problem.message[locale]}
            </p>
          ))}
          <div className="space-y-1">
            {p.bars.map((b) => (
              <div key={b.disk} className="flex items-center gap-2 text-xs">
                <span className="w-40 shrink-0 truncate font-mono" title={b.disk}>
                  {b.disk} <span className="text-zinc-500">{sizes.disk(b.sizeBytes)}</span>
                </span>
                <div className="flex h-5 min-w-0 flex-1 overflow-hidden rounded border border-zinc-300 dark:border-zinc-600">
                  {b.segments.map((s, i) => (
                    <div
                      key={i}
                      className={cn("h-full border-r border-white/40", SEGMENT[s.kind])}
                      style={{ width: `${(100 * s.sizeBytes) / Math.max(1, b.sizeBytes)}%` }}
                      title={`${s.name}${s.mountpoint ? ` (${s.mountpoint})` : ""} · ${sizes.disk(s.sizeBytes)}`}
                    />
                  ))}
                </div>
                <span className="w-48 shrink-0 truncate text-zinc-500" title={b.reason?.[locale]}>
                  {t(`disks.use.${b.use}`)}
                  {b.reason ? ` — ${b.reason[locale]}` : ""}
                </span>
              </div>
            ))}
          </div>
        </Card>
      ))}
      {diskFindings.length ? <FindingsPanel clusterId={clusterId} findings={diskFindings} /> : null}
      <StepFooter clusterId={clusterId} step="disks" />
    </div>
  );
}
