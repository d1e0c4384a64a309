"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { GraphPicture, pictureSteps } from "@/components/releases/graph-picture";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { formatImpactEntry } from "@/domain/constraints/impact";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { cn } from "@/lib/utils";
import { FindingsPanel } from "./findings-panel";
import { useWizard } from "./use-wizard";

/** Beyond this many nodes the plan shows counts per step, and nodes only for the opened step. */
const MATRIX_NODES = 12;

/**
 * Step 9: every finding, what the deploy changes, and the plan — steps × nodes with the steps that
 * will be skipped and why, and the graph as a picture. "Run noop" has the agents report what they
 * would change; Deploy launches the task and opens its live view.
 */
export function ReviewStep({ clusterId }: { clusterId: string }) {
  const t = useTranslations("install");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const router = useRouter();
  const wizard = useWizard(clusterId);
  const state = wizard.data!;
  const preview = useQuery(
    trpc.wizard.planPreview.queryOptions({ clusterId, operation: "deploy" }),
  );
  const release = useQuery(trpc.release.get.queryOptions({ id: state.cluster.releaseId }));
  const [opened, setOpened] = useState<string | null>(null);
  const [noopTask, setNoopTask] = useState<string | null>(null);
  const deploy = useMutation(
    trpc.wizard.deploy.mutationOptions({
      onSuccess: (r, input) => {
        if (input.mode === "apply") router.push(`/tasks/${r.taskId}`);
        else setNoopTask(r.taskId);
      },
    }),
  );
  const verdict = state.steps.find((s) => s.step === "review")?.next;
  const refused = verdict && !verdict.allowed ? verdict.reason?.[locale] : null;
  const graph = release.data?.graphs.find((g) => g.name === "deploy");
  const table = preview.data?.table;
  const matrix = table && table.nodes.length <= MATRIX_NODES;

  return (
    <div className="space-y-4">
      <PageHeader title={t("review.title")} description={t("review.intro")} />
      <div className="grid gap-4 xl:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="space-y-4">
          {preview.data?.summary.length ? (
            <Card className="p-4">
              <h2 className="mb-2 text-sm font-semibold">{t("review.impact")}</h2>
              <ul className="space-y-1 text-sm" data-testid="impact">
                {preview.data.summary.map((e) => (
                  <li
                    key={e.metric}
                    className={cn(
                      e.risk === "block" && "text-red-700 dark:text-red-400",
                      e.risk === "warn" && "text-amber-700 dark:text-amber-400",
                    )}
                  >
                    {formatImpactEntry(e, locale)}
                  </li>
                ))}
              </ul>
            </Card>
          ) : null}
          <Card className="p-4">
            <h2 className="mb-1 text-sm font-semibold">{t("review.plan")}</h2>
            {preview.error ? <ErrorNotice error={preview.error} /> : null}
            {preview.data ? (
              <p className="mb-2 text-xs text-zinc-500">
                {t("review.counts", {
                  planned: preview.data.counts.planned,
                  skipped: preview.data.counts.skipped,
                  nodes: table?.nodes.length ?? 0,
                })}
              </p>
            ) : null}
            {table ? (
              <div className="overflow-x-auto">
                <table className="w-full text-xs" data-testid="plan-table">
                  <thead className="text-left text-zinc-500">
                    <tr>
                      <th className="py-1">{t("review.step")}</th>
                      <th className="px-2 text-right">{t("review.planned")}</th>
                      <th className="px-2 text-right">{t("review.skipped")}</th>
                      {matrix
                        ? table.nodes.map((n) => (
                            <th key={n.id} className="px-1 text-center font-mono">
                              {n.hostname}
                            </th>
                          ))
                        : null}
                    </tr>
                  </thead>
                  <tbody>
                    {table.rows.map((r) => (
                      <tr
                        key={r.stepId}
                        className="cursor-pointer border-t border-zinc-100 align-top dark:border-zinc-800"
                        onClick={() => setOpened(opened === r.stepId ? null : r.stepId)}
                      >
                        <td className="py-1 font-mono">
                          {r.stepId}
                          {r.description ? (
                            <span className="block font-sans text-zinc-500">
                              {r.description[locale]}
                            </span>
                          ) : null}
                          {opened === r.stepId && !matrix ? (
                            <ul className="mt-1 font-sans">
                              {Object.entries(r.cells)
                                .filter(([, c]) => c.status === "skipped")
                                .slice(0, 50)
                                .map(([id, c]) => (
                                  <li key={id} className="text-zinc-500">
                                    {table.nodes.find((n) => n.id === id)?.hostname}:{" "}
                                    {c.reason?.[locale]}
                                  </li>
                                ))}
                            </ul>
                          ) : null}
                        </td>
                        <td className="px-2 text-right tabular-nums">{r.planned}</td>
                        <td className="px-2 text-right tabular-nums">{r.skipped}</td>
                        {matrix
                          ? table.nodes.map((n) => {
                              const c = r.cells[n.id];
                              return (
                                <td
                                  key={n.id}
                                  className="px-1 text-center"
                                  title={c?.reason?.[locale]}
                                >
                                  {!c ? (
                                    <span className="text-zinc-300">·</span>
                                  ) : c.status === "planned" ? (
                                    <span className="text-emerald-700">●</span>
                                  ) : (
                                    <span className="text-zinc-400">{t("review.skip")}</span>
                                  )}
                                </td>
                              );
                            })
                          : null}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : null}
          </Card>
        </div>
        <div className="space-y-2">
          <h2 className="text-sm font-semibold">{t("findings.title")}</h2>
          <FindingsPanel
            clusterId={clusterId}
            findings={preview.data?.findings ?? state.findings}
          />
        </div>
      </div>
      {graph ? (
        <Card className="overflow-x-auto p-4">
          <h2 className="mb-2 text-sm font-semibold">{t("review.graph")}</h2>
          <GraphPicture
            name={graph.name}
            steps={pictureSteps(graph)}
            packSteps={new Set(graph.steps.filter((s) => s.pack).map((s) => s.id))}
          />
        </Card>
      ) : null}
      <div className="space-y-2 border-t border-zinc-200 pt-4 dark:border-zinc-800">
        {deploy.error ? <ErrorNotice error={deploy.error} /> : null}
        {noopTask ? (
          <p className="text-sm">
            {t("review.noopStarted")}{" "}
            <Link href={`/tasks/${noopTask}`} className="text-sky-700 hover:underline">
              {t("review.openTask")}
            </Link>
          </p>
        ) : null}
        <div className="flex flex-wrap items-center gap-3">
          <Button variant="secondary" onClick={() => router.push(`/install/${clusterId}/license`)}>
            {t("back")}
          </Button>
          <Button
            variant="secondary"
            data-testid="run-noop"
            disabled={deploy.isPending || Boolean(state.runningTask)}
            onClick={() => deploy.mutate({ clusterId, mode: "noop" })}
          >
            {t("review.noop")}
          </Button>
          <Button
            data-testid="deploy"
            disabled={Boolean(refused) || deploy.isPending || Boolean(state.runningTask)}
            onClick={() => deploy.mutate({ clusterId, mode: "apply" })}
          >
            {t("review.deploy")}
          </Button>
          {refused ? (
            <p className="text-sm text-red-700 dark:text-red-400" data-testid="wizard-next-reason">
              {refused}
            </p>
          ) : null}
        </div>
      </div>
    </div>
  );
}
