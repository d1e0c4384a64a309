"use client";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTranslations } from "next-intl";
import { useRef, type KeyboardEvent, type ReactNode } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { cn } from "@/lib/utils";
import type { AppRouter } from "@/server/trpc/root";
import { useStepWords } from "./format";
import { GraphPicture, pictureSteps } from "./graph-picture";
import { ReleaseNotes } from "./release-list";
import { ReleasePacks } from "./release-packs";

type ReleaseDetailData = inferRouterOutputs<AppRouter>["release"]["get"];
type GraphData = ReleaseDetailData["graphs"][number];

const graphHref = (pathname: string, params: URLSearchParams, graph: string) => {
  const next = new URLSearchParams(params);
  next.set("graph", graph);
  return `${pathname}?${next.toString()}`;
};

/** One release: its roles, the sequences of operations, and every task graph as a picture and a table. */
export function ReleaseDetail({ id }: { id: string }) {
  const t = useTranslations("release");
  const tr = useTranslations("releases");
  const tc = useTranslations("common");
  const tp = useTranslations("packs");
  const trpc = useTRPC();
  const locale = useCairnLocale();
  const pathname = usePathname();
  const params = useSearchParams();
  const query = useQuery(trpc.release.get.queryOptions({ id }));

  const back = (
    <Link
      href="/releases"
      className="mb-2 inline-block text-sm text-sky-700 hover:underline dark:text-sky-400"
    >
      ← {t("back")}
    </Link>
  );
  if (query.error)
    return (
      <>
        {back}
        <ErrorNotice error={query.error} />
      </>
    );
  if (!query.data) return <p className="text-sm text-zinc-500">{tc("loading")}</p>;
  const { manifest: m, roles, services, graphs, sequences } = query.data;
  const serviceText = new Map(services.map((s) => [s.name, s.description[locale]]));
  const requested = params.get("graph");
  const selected = graphs.find((g) => g.name === requested) ?? graphs[0];

  return (
    <>
      {back}
      <PageHeader title={m.id} description={m.description[locale]} />
      <Card className="mb-6">
        <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1.5 text-sm">
          <dt className="text-zinc-500">{tr("version")}</dt>
          <dd className="font-mono" data-testid="release-version">
            {m.version}
          </dd>
          <dt className="text-zinc-500">{tr("architectures")}</dt>
          <dd className="flex flex-wrap gap-1">
            {m.architectures.map((a) => (
              <Badge key={a} className="font-mono">
                {a}
              </Badge>
            ))}
          </dd>
        </dl>
        {m.notes ? <ReleaseNotes text={m.notes[locale]} /> : null}
      </Card>

      <Section title={t("roles", { count: roles.length })}>
        <div className="grid gap-3 md:grid-cols-2 xl:grid-cols-3">
          {roles.map((r) => (
            <Card
              key={r.name}
              data-testid="release-role"
              data-role={r.name}
              data-pack={r.pack ?? undefined}
            >
              <h3 className="flex items-center gap-2 font-mono text-sm font-semibold">
                {r.name}
                {r.pack ? <PackBadge id={r.pack} /> : null}
              </h3>
              <p className="mt-0.5 text-sm text-zinc-600 dark:text-zinc-400">
                {r.description[locale]}
              </p>
              <ul aria-label={t("services")} className="mt-2 flex flex-wrap gap-1">
                {r.services.map((s) => (
                  <li key={s}>
                    <Badge tone="info" className="font-mono" title={serviceText.get(s)}>
                      {s}
                    </Badge>
                  </li>
                ))}
              </ul>
            </Card>
          ))}
        </div>
      </Section>

      <Section title={tp("title")}>
        <ReleasePacks releaseId={m.id} />
      </Section>

      {sequences.length ? (
        <Section title={t("sequences")}>
          <div className="space-y-3">
            {sequences.map((s) => (
              <Card key={s.name} data-testid="release-sequence" data-sequence={s.name}>
                <h3 className="font-mono text-sm font-semibold">{s.name}</h3>
                {s.description ? (
                  <p className="mt-0.5 text-sm text-zinc-600 dark:text-zinc-400">
                    {s.description[locale]}
                  </p>
                ) : null}
                <ol
                  aria-label={t("sequenceOrder", { name: s.name })}
                  className="mt-3 flex flex-wrap items-center gap-y-2"
                >
                  {s.graphs.map((g, i) => (
                    <li key={`${g}-${i}`} className="flex items-center">
                      {i > 0 ? (
                        <span aria-hidden className="px-2 text-zinc-400">
                          →
                        </span>
                      ) : null}
                      <Link
                        href={graphHref(pathname, params, g)}
                        scroll={false}
                        data-testid="sequence-graph"
                        className={cn(
                          "inline-flex h-7 items-center rounded-full border px-3 font-mono text-xs",
                          g === selected?.name
                            ? "border-sky-700 bg-sky-50 text-sky-800 dark:border-sky-500 dark:bg-sky-950 dark:text-sky-200"
                            : "border-zinc-300 bg-white text-zinc-800 hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-200 dark:hover:bg-zinc-800",
                        )}
                      >
                        {g}
                      </Link>
                    </li>
                  ))}
                </ol>
              </Card>
            ))}
          </div>
        </Section>
      ) : null}

      {selected ? (
        <Section title={t("graphs")}>
          <GraphTabs graphs={graphs} selected={selected.name} />
          <div
            role="tabpanel"
            id={`graph-panel-${selected.name}`}
            aria-labelledby={`graph-tab-${selected.name}`}
            data-testid="graph-panel"
            className="pt-4"
          >
            <GraphView graph={selected} />
          </div>
        </Section>
      ) : null}
    </>
  );
}

/** The graphs as tabs; the selected one is in the URL (`?graph=`), so a link opens it. */
function GraphTabs({ graphs, selected }: { graphs: GraphData[]; selected: string }) {
  const t = useTranslations("release");
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const refs = useRef(new Map<string, HTMLButtonElement>());
  const select = (name: string, focus = false) => {
    router.replace(graphHref(pathname, params, name), { scroll: false });
    if (focus) refs.current.get(name)?.focus();
  };
  // Arrow keys move between tabs, as in every tab list (WAI-ARIA tabs pattern).
  const onKeyDown = (e: KeyboardEvent, index: number) => {
    const last = graphs.length - 1;
    const to =
      e.key === "ArrowRight"
        ? index === last
          ? 0
          : index + 1
        : e.key === "ArrowLeft"
          ? index === 0
            ? last
            : index - 1
          : e.key === "Home"
            ? 0
            : e.key === "End"
              ? last
              : undefined;
    if (to === undefined) return;
    e.preventDefault();
    select((graphs[to] as GraphData).name, true);
  };
  return (
    <div role="tablist" aria-label={t("graphs")} className="flex flex-wrap gap-1.5">
      {graphs.map((g, i) => {
        const active = g.name === selected;
        return (
          <button
            key={g.name}
            ref={(el) => {
              if (el) refs.current.set(g.name, el);
              else refs.current.delete(g.name);
            }}
            type="button"
            role="tab"
            id={`graph-tab-${g.name}`}
            aria-selected={active}
            aria-controls={active ? `graph-panel-${g.name}` : undefined}
            tabIndex={active ? 0 : -1}
            onClick={() => select(g.name)}
            onKeyDown={(e) => onKeyDown(e, i)}
            className={cn(
              "inline-flex h-8 items-center gap-2 rounded-md border px-3 font-mono text-sm transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500",
              active
                ? "border-sky-700 bg-sky-700 text-white dark:border-sky-500 dark:bg-sky-600"
                : "border-zinc-300 bg-white text-zinc-800 hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-200 dark:hover:bg-zinc-800",
            )}
          >
            {g.name}
            <span className={cn("font-sans text-xs", active ? "text-sky-100" : "text-zinc-500")}>
              {t("stepCount", { count: g.steps.length })}
            </span>
          </button>
        );
      })}
    </div>
  );
}

function GraphView({ graph }: { graph: GraphData }) {
  const t = useTranslations("release");
  const tp = useTranslations("packs");
  const locale = useCairnLocale();
  const words = useStepWords();
  return (
    <>
      {graph.description ? (
        <p className="mb-3 text-sm text-zinc-700 dark:text-zinc-300">{graph.description[locale]}</p>
      ) : null}
      <GraphPicture
        name={graph.name}
        steps={pictureSteps(graph)}
        packSteps={new Set(graph.steps.filter((s) => s.pack).map((s) => s.id))}
      />
      <div className="mt-4">
        <Table data-testid="graph-steps">
          <thead>
            <tr>
              <Th>{t("stepId")}</Th>
              <Th>{t("script")}</Th>
              <Th>{t("runsOn")}</Th>
              <Th>{t("waitsFor")}</Th>
              <Th>{t("condition")}</Th>
              <Th>{t("timeout")}</Th>
              <Th>{t("strategy")}</Th>
            </tr>
          </thead>
          <tbody>
            {graph.steps.map((s) => (
              <tr key={s.id} data-testid="graph-step-row" data-pack={s.pack ?? undefined}>
                <Td className="font-mono font-medium whitespace-nowrap">
                  {s.id}
                  {s.pack ? (
                    <span className="ml-2">
                      <PackBadge id={s.pack} />
                    </span>
                  ) : null}
                </Td>
                <Td className="font-mono text-xs">
                  {s.script ?? <span className="font-sans text-zinc-500">{t("builtIn")}</span>}
                </Td>
                <Td>{words.selector(s.selector)}</Td>
                <Td className="text-xs">
                  {s.requires.length + s.crossDepends.length + s.requiredFor.length === 0 ? (
                    <span className="text-zinc-400">{t("nothing")}</span>
                  ) : (
                    <span className="flex flex-wrap gap-x-2 gap-y-0.5 font-mono">
                      {s.requires.map((r) => (
                        <span key={`r-${r}`}>{r}</span>
                      ))}
                      {s.requiredFor.map((r) => (
                        <span key={`f-${r}`} className="font-sans text-zinc-600 dark:text-zinc-400">
                          {tp("before", { steps: r })}
                        </span>
                      ))}
                      {s.crossDepends.map((c) => (
                        <span key={`c-${c}`} className="text-amber-700 dark:text-amber-400">
                          {t("otherNodes", { step: c })}
                        </span>
                      ))}
                    </span>
                  )}
                </Td>
                <Td>{words.condition(s.condition)}</Td>
                <Td className="whitespace-nowrap tabular-nums">
                  {words.timeout(s.timeoutSeconds)}
                </Td>
                <Td>{words.strategy(s.strategy)}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </div>
    </>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mb-6">
      <h2 className="mb-2 text-base font-semibold">{title}</h2>
      {children}
    </section>
  );
}

/** A mark on what a content pack added to the release (roles, steps). */
function PackBadge({ id }: { id: string }) {
  const t = useTranslations("packs");
  return (
    <Badge
      data-testid="pack-badge"
      className="bg-violet-100 font-sans font-medium text-violet-800 dark:bg-violet-950 dark:text-violet-300"
    >
      {t("fromPack", { id })}
    </Badge>
  );
}
