"use client";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { WIZARD_STEPS, type WizardStep } from "@/domain/model";
import { STEP_LABELS, type StepStatus, type StepView } from "@/domain/wizard";
import { useCairnLocale } from "@/lib/use-locale";
import { cn } from "@/lib/utils";

const MARK: Record<StepStatus, string> = {
  complete: "✓",
  warning: "!",
  blocking: "✕",
  todo: "",
};

const MARK_CLASS: Record<StepStatus, string> = {
  complete: "bg-emerald-600 text-white",
  warning: "bg-amber-500 text-white",
  blocking: "bg-red-600 text-white",
  todo: "border border-zinc-300 text-zinc-500 dark:border-zinc-600",
};

/**
 * The wizard's step list: every step with its state (complete, warnings, blocking findings, to do).
 * Before the draft cluster exists (region and cluster steps) the later steps are not links yet.
 */
export function WizardSteps({
  current,
  clusterId,
  steps,
}: {
  current: WizardStep;
  clusterId?: string;
  steps?: StepView[];
}) {
  const t = useTranslations("install");
  const locale = useCairnLocale();
  return (
    <nav aria-label={t("steps")} className="w-48 shrink-0">
      <ol className="space-y-1 text-sm">
        {WIZARD_STEPS.map((step, i) => {
          const view = steps?.find((s) => s.step === step);
          const status: StepStatus =
            view?.status ?? (i < WIZARD_STEPS.indexOf(current) ? "complete" : "todo");
          const label = (
            <>
              <span
                aria-hidden
                className={cn(
                  "inline-flex h-5 w-5 shrink-0 items-center justify-center rounded-full text-[11px] font-semibold",
                  MARK_CLASS[status],
                )}
              >
                {MARK[status] || i + 1}
              </span>
              <span className="truncate">{STEP_LABELS[step][locale]}</span>
              <span className="sr-only">{t(`stepStatus.${status}`)}</span>
            </>
          );
          const className = cn(
            "flex items-center gap-2 rounded-md px-2 py-1.5",
            step === current
              ? "bg-sky-50 font-medium text-sky-900 dark:bg-sky-950/40 dark:text-sky-200"
              : "text-zinc-700 dark:text-zinc-300",
          );
          return (
            <li key={step} data-testid={`wizard-step-${step}`} data-status={status}>
              {clusterId ? (
                <Link
                  href={`/install/${clusterId}/${step}`}
                  className={cn(className, "hover:bg-zinc-100 dark:hover:bg-zinc-800")}
                  aria-current={step === current ? "step" : undefined}
                >
                  {label}
                </Link>
              ) : (
                <span className={className} aria-current={step === current ? "step" : undefined}>
                  {label}
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
