"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import type { ReactNode } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import type { BundleIssue } from "@/domain/release/bundle";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";

/** Installed release bundles, valid or not: a broken bundle shows what to fix in which file. */
export function ReleaseList() {
  const t = useTranslations("releases");
  const tc = useTranslations("common");
  const tp = useTranslations("packs");
  const trpc = useTRPC();
  const locale = useCairnLocale();
  const list = useQuery(trpc.release.list.queryOptions());

  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <ErrorNotice error={list.error} />
      {list.isLoading ? <p className="text-sm text-zinc-500">{tc("loading")}</p> : null}
      {list.data?.length === 0 ? (
        <Card className="max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">{t("empty")}</Card>
      ) : null}
      <div className="space-y-4">
        {list.data?.map((r) => (
          <Card
            key={r.id}
            data-testid="release-card"
            data-release={r.id}
            aria-labelledby={`release-${r.id}`}
            className={r.ok ? undefined : "border-red-300 dark:border-red-900"}
          >
            <div className="flex flex-wrap items-start justify-between gap-3">
              <div className="min-w-0">
                <h2
                  id={`release-${r.id}`}
                  className="flex items-center gap-2 text-base font-semibold"
                >
                  {r.ok ? (
                    <Link
                      href={`/releases/${encodeURIComponent(r.id)}`}
                      className="font-mono text-sky-700 hover:underline dark:text-sky-400"
                    >
                      {r.id}
                    </Link>
                  ) : (
                    <span className="font-mono">{r.id}</span>
                  )}
                  <Badge tone={r.ok ? "ok" : "bad"} data-testid="release-state">
                    {r.ok ? t("valid") : t("invalid")}
                  </Badge>
                </h2>
                {r.ok ? (
                  <p className="mt-1 text-sm text-zinc-700 dark:text-zinc-300">
                    {r.description[locale]}
                  </p>
                ) : null}
              </div>
              {r.ok ? (
                <Link
                  href={`/releases/${encodeURIComponent(r.id)}`}
                  className="shrink-0 text-sm text-sky-700 hover:underline dark:text-sky-400"
                >
                  {t("open")} →
                </Link>
              ) : null}
            </div>
            {r.ok ? (
              <>
                <dl className="mt-3 grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1.5 text-sm">
                  <Row label={t("version")}>
                    <span className="font-mono" data-testid="release-version">
                      {r.version}
                    </span>
                  </Row>
                  <Row label={tp("title")}>
                    <span data-testid="release-packs-count">
                      {tp("releaseCount", { count: r.packs.length, ids: r.packs.join(", ") })}
                    </span>
                  </Row>
                  <Row label={t("architectures")}>
                    <span className="flex flex-wrap gap-1">
                      {r.architectures.map((a) => (
                        <Badge key={a} className="font-mono">
                          {a}
                        </Badge>
                      ))}
                    </span>
                  </Row>
                </dl>
                {r.notes ? <ReleaseNotes text={r.notes[locale]} /> : null}
              </>
            ) : (
              <ReleaseProblems issues={r.issues} />
            )}
          </Card>
        ))}
      </div>
    </>
  );
}

/** What the steps really do where (lab nodes, noop): said plainly, not hidden in a tooltip. */
export function ReleaseNotes({ text }: { text: string }) {
  const t = useTranslations("releases");
  return (
    <div
      role="note"
      aria-label={t("notesTitle")}
      data-testid="release-notes"
      className="mt-3 rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-950 dark:border-sky-900 dark:bg-sky-950/40 dark:text-sky-100"
    >
      <p className="mb-0.5 font-medium">{t("notesTitle")}</p>
      <p className="leading-relaxed">{text}</p>
    </div>
  );
}

function ReleaseProblems({ issues }: { issues: BundleIssue[] }) {
  const t = useTranslations("releases");
  const locale = useCairnLocale();
  return (
    <div role="alert" data-testid="release-problems" className="mt-3">
      <p className="mb-2 text-sm text-red-900 dark:text-red-200">
        <span className="font-medium">{t("problems", { count: issues.length })}.</span>{" "}
        {t("invalidIntro")}
      </p>
      <Table className="[&_td]:align-top">
        <thead>
          <tr>
            <Th>{t("file")}</Th>
            <Th>{t("step")}</Th>
            <Th>{t("field")}</Th>
            <Th>{t("problem")}</Th>
          </tr>
        </thead>
        <tbody>
          {issues.map((issue, i) => (
            <tr key={i} data-testid="release-problem" className="bg-red-50/60 dark:bg-red-950/30">
              <Td className="font-mono text-xs whitespace-nowrap">{issue.file}</Td>
              <Td className="font-mono text-xs">{issue.stepId ?? "—"}</Td>
              <Td className="font-mono text-xs whitespace-nowrap">{issue.path || "—"}</Td>
              <Td className="text-red-900 dark:text-red-200">
                <p>{issue.message[locale]}</p>
                {issue.hint ? (
                  <p className="mt-0.5 text-xs text-red-800/80 dark:text-red-300/80">
                    {issue.hint[locale]}
                  </p>
                ) : null}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-zinc-500">{label}</dt>
      <dd className="min-w-0">{children}</dd>
    </>
  );
}
