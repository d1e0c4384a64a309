"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useTranslations } from "next-intl";
import type { ReactNode } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { Badge } from "@/components/ui/card";
import { WIZARD_STEPS, type WizardStep } from "@/domain/model";
import { useWizard } from "./use-wizard";
import { WizardSteps } from "./wizard-steps";

/** Which wizard step a path names (`/install/<cluster>/<step>`). */
export function stepOfPath(pathname: string): WizardStep | null {
  const last = pathname.split("/").at(-1) ?? "";
  return (WIZARD_STEPS as readonly string[]).includes(last) ? (last as WizardStep) : null;
}

/** The frame of every step of a draft cluster: its name, the step list, the step's page. */
export function WizardFrame({ clusterId, children }: { clusterId: string; children: ReactNode }) {
  const t = useTranslations("install");
  const pathname = usePathname();
  const wizard = useWizard(clusterId);
  const current = stepOfPath(pathname) ?? "review";
  if (wizard.error) return <ErrorNotice error={wizard.error} />;
  const state = wizard.data;
  return (
    <div className="flex gap-6">
      <div className="shrink-0 space-y-3">
        <WizardSteps current={current} clusterId={clusterId} steps={state?.steps} />
      </div>
      <div className="min-w-0 flex-1 space-y-4">
        {state ? (
          <div className="flex flex-wrap items-center gap-2 text-sm text-zinc-600 dark:text-zinc-400">
            <span>{t("frame.cluster")}</span>
            <Link href={`/clusters/${state.cluster.id}`} className="font-mono hover:underline">
              {state.cluster.name}
            </Link>
            <span>·</span>
            <span>{state.region.displayName}</span>
            <span>·</span>
            <span className="font-mono">{state.cluster.releaseId}</span>
            <Badge>{t(`frame.kind.${state.cluster.kind}`)}</Badge>
            {state.runningTask ? (
              <Link
                href={`/tasks/${state.runningTask.id}`}
                className="ml-auto text-sky-700 hover:underline dark:text-sky-400"
              >
                {t("frame.running", { kind: state.runningTask.kind })}
              </Link>
            ) : null}
          </div>
        ) : null}
        {state ? children : <p className="text-sm text-zinc-500">{t("loading")}</p>}
      </div>
    </div>
  );
}
