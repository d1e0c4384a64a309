"use client";
import { useTranslations } from "next-intl";
import { Card, PageHeader } from "@/components/ui/card";
import { StepFooter } from "./step-footer";
import { useWizard } from "./use-wizard";

/** Step 1 of a draft that exists: its region, which cannot change once nodes join from it. */
export function DraftRegionStep({ clusterId }: { clusterId: string }) {
  const t = useTranslations("install");
  const state = useWizard(clusterId).data!;
  return (
    <div className="space-y-4">
      <PageHeader title={t("region.title")} />
      <Card className="space-y-1 p-4 text-sm">
        <p>
          <span className="font-medium">{state.region.displayName}</span>{" "}
          <span className="font-mono text-zinc-500">{state.region.name}</span>
        </p>
        <p className="text-zinc-600 dark:text-zinc-400">{t("region.fixed")}</p>
        <p className="text-amber-700 dark:text-amber-400">{t("region.immutable")}</p>
      </Card>
      <StepFooter clusterId={clusterId} step="region" />
    </div>
  );
}

/** Step 2 of a draft that exists: its name, kind and release as created. */
export function DraftClusterStep({ clusterId }: { clusterId: string }) {
  const t = useTranslations("install");
  const tc = useTranslations("clusters");
  const state = useWizard(clusterId).data!;
  return (
    <div className="space-y-4">
      <PageHeader title={t("cluster.title")} />
      <Card className="p-4 text-sm">
        <dl className="grid max-w-lg grid-cols-2 gap-y-1">
          <dt className="text-zinc-500">{tc("name")}</dt>
          <dd className="font-mono">{state.cluster.name}</dd>
          <dt className="text-zinc-500">{tc("displayName")}</dt>
          <dd>{state.cluster.displayName}</dd>
          <dt className="text-zinc-500">{tc("kind")}</dt>
          <dd>{tc(`kinds.${state.cluster.kind}`)}</dd>
          <dt className="text-zinc-500">{tc("release")}</dt>
          <dd className="font-mono">{state.cluster.releaseId}</dd>
        </dl>
        <p className="mt-2 text-zinc-500">{t("cluster.fixed")}</p>
      </Card>
      <StepFooter clusterId={clusterId} step="cluster" />
    </div>
  );
}
