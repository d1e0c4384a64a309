"use client";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import { ErrorNotice } from "@/components/error-notice";
import { Button } from "@/components/ui/button";
import type { Finding, Severity } from "@/domain/constraints/types";
import { isWizardFix } from "@/domain/wizard";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { cn } from "@/lib/utils";
import { useWizardUpdate } from "./use-wizard";

const ORDER: Severity[] = ["block", "warn", "info"];

const TONE: Record<Severity, string> = {
  block: "border-red-300 bg-red-50 dark:border-red-900 dark:bg-red-950/30",
  warn: "border-amber-300 bg-amber-50 dark:border-amber-900 dark:bg-amber-950/30",
  info: "border-sky-200 bg-sky-50 dark:border-sky-900 dark:bg-sky-950/30",
};

/**
 * Every finding of the shared constraint engine at once, grouped by severity: message, hint, a fix
 * button where the rule offers one. Clicking a finding highlights its nodes (`onSelect`).
 */
export function FindingsPanel({
  clusterId,
  findings,
  selected,
  onSelect,
}: {
  clusterId: string;
  findings: Finding[];
  selected?: string | null;
  onSelect?: (key: string | null, finding: Finding | null) => void;
}) {
  const t = useTranslations("install");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const update = useWizardUpdate(clusterId);
  const fix = useMutation(trpc.wizard.applyFix.mutationOptions({ onSuccess: update }));
  if (findings.length === 0)
    return (
      <p className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm dark:border-emerald-900 dark:bg-emerald-950/30">
        {t("findings.none")}
      </p>
    );
  return (
    <section aria-label={t("findings.title")} className="space-y-3" data-testid="findings">
      {fix.error ? <ErrorNotice error={fix.error} /> : null}
      {ORDER.map((severity) => {
        const list = findings.filter((f) => f.severity === severity);
        if (list.length === 0) return null;
        return (
          <div key={severity} className="space-y-2">
            <h3 className="text-xs font-semibold tracking-wide text-zinc-500 uppercase">
              {t(`findings.severity.${severity}`, { count: list.length })}
            </h3>
            <ul className="space-y-2">
              {list.map((f, i) => {
                const key = `${f.id}:${i}`;
                return (
                  <li
                    key={key}
                    data-testid={`finding-${f.id}`}
                    data-severity={f.severity}
                    className={cn(
                      "cursor-pointer rounded-md border px-3 py-2 text-sm",
                      TONE[severity],
                      selected === key && "ring-2 ring-sky-500",
                    )}
                    onClick={() => (selected === key ? onSelect?.(null, null) : onSelect?.(key, f))}
                  >
                    <p className="font-medium">{f.message[locale]}</p>
                    <p className="text-zinc-600 dark:text-zinc-400">{f.hint[locale]}</p>
                    {f.subjects.nodes?.length ? (
                      <p className="mt-1 text-xs text-zinc-500">
                        {t("findings.nodes", { count: f.subjects.nodes.length })}
                      </p>
                    ) : null}
                    {f.fix?.action === "open-task-log" ? (
                      <Link
                        href={`/tasks/${String(f.fix.params.taskId)}`}
                        className="mt-2 inline-block text-sky-700 hover:underline dark:text-sky-400"
                        onClick={(e) => e.stopPropagation()}
                      >
                        {f.fix.label[locale]}
                      </Link>
                    ) : f.fix && isWizardFix(f.fix.action) ? (
                      <Button
                        size="sm"
                        variant="secondary"
                        className="mt-2"
                        disabled={fix.isPending}
                        onClick={(e) => {
                          e.stopPropagation();
                          fix.mutate({
                            clusterId,
                            findingId: f.id,
                            fix: { action: f.fix!.action, params: f.fix!.params },
                          });
                        }}
                      >
                        {f.fix.label[locale]}
                      </Button>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          </div>
        );
      })}
    </section>
  );
}
