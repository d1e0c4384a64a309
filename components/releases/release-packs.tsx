"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useFormatter, useTranslations } from "next-intl";
import { useState, type ReactNode } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { Button } from "@/components/ui/button";
import { Badge, Card } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Table, Td, Th } from "@/components/ui/table";
import { useMe } from "@/components/use-me";
import type { PackIssue, PackSummary } from "@/domain/release/pack";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import type { AppRouter } from "@/server/trpc/root";

type RemoveResult = inferRouterOutputs<AppRouter>["pack"]["remove"];

/**
 * The content packs of one release: the installed ones (what each adds, and removal) and the
 * available ones (install, or why they cannot be installed). Administrators only may change them;
 * everyone sees them.
 */
export function ReleasePacks({ releaseId }: { releaseId: string }) {
  const t = useTranslations("packs");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const format = useFormatter();
  const locale = useCairnLocale();
  const { isAdmin } = useMe();
  const list = useQuery(trpc.pack.list.queryOptions({ releaseId }));
  const [confirm, setConfirm] = useState<{ kind: "install" | "remove"; pack: PackSummary } | null>(
    null,
  );
  const [done, setDone] = useState<
    { kind: "install"; pack: PackSummary } | { kind: "remove"; result: RemoveResult } | null
  >(null);

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.pack.list.queryKey({ releaseId }) });
    await queryClient.invalidateQueries({ queryKey: trpc.release.get.queryKey({ id: releaseId }) });
    await queryClient.invalidateQueries({ queryKey: trpc.release.list.queryKey() });
  };
  const install = useMutation(
    trpc.pack.install.mutationOptions({
      onSuccess: async (r) => {
        setConfirm(null);
        setDone({ kind: "install", pack: r.pack });
        await refresh();
      },
    }),
  );
  const remove = useMutation(
    trpc.pack.remove.mutationOptions({
      onSuccess: async (r) => {
        setConfirm(null);
        setDone({ kind: "remove", result: r });
        await refresh();
      },
    }),
  );
  const close = () => {
    setConfirm(null);
    install.reset();
    remove.reset();
  };

  if (list.error) return <ErrorNotice error={list.error} />;
  if (!list.data) return <p className="text-sm text-zinc-500">{tc("loading")}</p>;
  const { installed, available, problem } = list.data;
  const notInstalled = available.filter((a) => !a.installed);
  const pending = confirm?.kind === "install" ? install : remove;

  return (
    <div className="space-y-4" data-testid="release-packs">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">{t("intro")}</p>
      {!isAdmin ? <p className="text-xs text-zinc-500">{t("adminOnly")}</p> : null}
      {problem ? <ErrorNotice error={{ data: { cairn: problem } }} /> : null}
      {done ? (
        <div
          role="status"
          data-testid="pack-done"
          className="rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-950 dark:border-emerald-900 dark:bg-emerald-950/40 dark:text-emerald-100"
        >
          {done.kind === "install" ? (
            t("installedNow", { id: done.pack.id, version: done.pack.version, release: releaseId })
          ) : (
            <>
              <p>{t("removed", { id: done.result.packId, count: done.result.cleanup.length })}</p>
              {done.result.cleanup.length ? (
                <ul className="mt-1 list-disc pl-5">
                  {done.result.cleanup.map((c) => (
                    <li key={c.taskId} data-testid="pack-cleanup-task">
                      <Link
                        href={`/clusters/${c.clusterId}`}
                        className="text-sky-700 hover:underline dark:text-sky-400"
                      >
                        {t("cleanupTask", { cluster: c.cluster, task: c.taskId, nodes: c.nodes })}
                      </Link>
                    </li>
                  ))}
                </ul>
              ) : null}
            </>
          )}
        </div>
      ) : null}

      <h3 className="text-sm font-semibold">{t("installed", { count: installed.length })}</h3>
      {installed.length === 0 ? (
        <p className="text-sm text-zinc-500" data-testid="packs-none-installed">
          {t("noneInstalled")}
        </p>
      ) : null}
      {installed.map((p) => (
        <PackCard
          key={p.pack.id}
          pack={p.pack}
          state="installed"
          meta={t("installedBy", {
            who: p.installedBy,
            when: format.dateTime(new Date(p.installedAt), {
              dateStyle: "medium",
              timeStyle: "short",
            }),
          })}
          action={
            isAdmin ? (
              <Button
                variant="secondary"
                size="sm"
                data-testid="pack-remove"
                onClick={() => {
                  setDone(null);
                  setConfirm({ kind: "remove", pack: p.pack });
                }}
              >
                {t("remove")}
              </Button>
            ) : null
          }
        />
      ))}

      <h3 className="pt-2 text-sm font-semibold">{t("available")}</h3>
      {notInstalled.length === 0 ? (
        <p className="text-sm text-zinc-500">{t("noneAvailable")}</p>
      ) : null}
      {notInstalled.map((a) =>
        a.pack ? (
          <PackCard
            key={a.id}
            pack={a.pack}
            state="available"
            issues={"issues" in a ? a.issues : []}
            note={
              "appliesTo" in a && a.appliesTo === false
                ? t("notForRelease", { releases: a.pack.releases.join(", ") })
                : undefined
            }
            action={
              isAdmin && a.installable ? (
                <Button
                  size="sm"
                  data-testid="pack-install"
                  onClick={() => {
                    setDone(null);
                    setConfirm({ kind: "install", pack: a.pack as PackSummary });
                  }}
                >
                  {t("install")}
                </Button>
              ) : null
            }
          />
        ) : (
          <Card
            key={a.id}
            data-testid="pack-card"
            data-pack={a.id}
            className="border-red-300 dark:border-red-900"
          >
            <h4 className="font-mono text-sm font-semibold">{a.id}</h4>
            <p className="mt-1 text-sm text-red-900 dark:text-red-200">{t("invalidPack")}</p>
            <PackProblems issues={a.issues} />
          </Card>
        ),
      )}

      <Dialog
        open={confirm !== null}
        onClose={close}
        title={
          confirm
            ? t(confirm.kind === "install" ? "installTitle" : "removeTitle", {
                id: confirm.pack.id,
                version: confirm.pack.version,
                release: releaseId,
              })
            : ""
        }
      >
        {confirm ? (
          <div data-testid="pack-confirm">
            <p className="mb-2 text-sm">
              {t(confirm.kind === "install" ? "installBody" : "removeBody", {
                release: releaseId,
              })}
            </p>
            <PackAdds pack={confirm.pack} />
            {confirm.kind === "remove" && confirm.pack.cleanup?.description ? (
              <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
                <span className="font-medium">{t("cleanup")}: </span>
                {confirm.pack.cleanup.description[locale]}
              </p>
            ) : null}
            <div className="mt-3">
              <ErrorNotice error={pending.error} />
              <PackProblems issues={issuesOf(pending.error)} />
            </div>
            <div className="mt-4 flex justify-end gap-2">
              <Button variant="secondary" onClick={close}>
                {tc("cancel")}
              </Button>
              <Button
                variant={confirm.kind === "remove" ? "danger" : "primary"}
                disabled={pending.isPending}
                data-testid="pack-confirm-button"
                onClick={() => pending.mutate({ releaseId, packId: confirm.pack.id })}
              >
                {t(confirm.kind === "install" ? "install" : "remove")}
              </Button>
            </div>
          </div>
        ) : null}
      </Dialog>
    </div>
  );
}

function issuesOf(error: unknown): PackIssue[] {
  const issues = cairnErrorOf(error)?.details?.issues;
  return Array.isArray(issues) ? (issues as PackIssue[]) : [];
}

function PackCard({
  pack,
  state,
  meta,
  note,
  issues = [],
  action,
}: {
  pack: PackSummary;
  state: "installed" | "available";
  meta?: string;
  note?: string;
  issues?: PackIssue[];
  action: ReactNode;
}) {
  const t = useTranslations("packs");
  const locale = useCairnLocale();
  return (
    <Card data-testid="pack-card" data-pack={pack.id} data-state={state}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h4 className="flex items-center gap-2 text-sm font-semibold">
            <span className="font-mono">{pack.id}</span>
            <Badge className="font-mono">{pack.version}</Badge>
            {state === "installed" ? <Badge tone="ok">{t("installedBadge")}</Badge> : null}
          </h4>
          <p className="mt-1 text-sm text-zinc-700 dark:text-zinc-300">
            {pack.description[locale]}
          </p>
          {meta ? <p className="mt-0.5 text-xs text-zinc-500">{meta}</p> : null}
          {note ? <p className="mt-1 text-xs text-amber-700 dark:text-amber-400">{note}</p> : null}
        </div>
        {action}
      </div>
      {pack.notes ? (
        <p className="mt-2 text-xs leading-relaxed text-zinc-600 dark:text-zinc-400">
          {pack.notes[locale]}
        </p>
      ) : null}
      <div className="mt-3">
        <PackAdds pack={pack} />
      </div>
      {issues.length ? (
        <div className="mt-3">
          <p className="text-sm text-red-900 dark:text-red-200">{t("cannotInstall")}</p>
          <PackProblems issues={issues} />
        </div>
      ) : null}
    </Card>
  );
}

/** What a pack adds: roles (with services), settings (path, type, default) and steps. */
function PackAdds({ pack }: { pack: PackSummary }) {
  const t = useTranslations("packs");
  const locale = useCairnLocale();
  return (
    <dl className="grid grid-cols-[7rem_1fr] gap-x-3 gap-y-2 text-sm" data-testid="pack-adds">
      {pack.roles.length ? (
        <>
          <dt className="text-zinc-500">{t("roles")}</dt>
          <dd className="space-y-1">
            {pack.roles.map((r) => (
              <p key={r.name} data-testid="pack-role">
                <span className="font-mono font-medium">{r.name}</span>{" "}
                <span className="text-zinc-600 dark:text-zinc-400">— {r.description[locale]}</span>{" "}
                {r.services.map((s) => (
                  <Badge key={s} tone="info" className="font-mono">
                    {s}
                  </Badge>
                ))}
              </p>
            ))}
          </dd>
        </>
      ) : null}
      {pack.settings.length ? (
        <>
          <dt className="text-zinc-500">{t("settings")}</dt>
          <dd className="space-y-1">
            {pack.settings.map((s) => (
              <p key={s.key} data-testid="pack-setting">
                <span className="font-mono font-medium">{s.path}</span>{" "}
                <span className="text-xs text-zinc-500">
                  ({s.type}, {t("settingDefault", { value: JSON.stringify(s.default) })})
                </span>{" "}
                <span className="text-zinc-600 dark:text-zinc-400">— {s.description[locale]}</span>
              </p>
            ))}
          </dd>
        </>
      ) : null}
      {pack.steps.length ? (
        <>
          <dt className="text-zinc-500">{t("steps")}</dt>
          <dd className="space-y-1">
            {pack.steps.map((s) => (
              <p key={`${s.graph}/${s.id}`} data-testid="pack-step">
                <span className="font-mono">{t("stepIn", { graph: s.graph, step: s.id })}</span>
                {s.requires.length ? (
                  <span className="text-xs text-zinc-500">
                    {" "}
                    · {t("after", { steps: s.requires.join(", ") })}
                  </span>
                ) : null}
                {s.requiredFor.length ? (
                  <span className="text-xs text-zinc-500">
                    {" "}
                    · {t("before", { steps: s.requiredFor.join(", ") })}
                  </span>
                ) : null}
                {s.description ? (
                  <span className="text-zinc-600 dark:text-zinc-400">
                    {" "}
                    — {s.description[locale]}
                  </span>
                ) : null}
              </p>
            ))}
          </dd>
        </>
      ) : null}
      {pack.cleanup ? (
        <>
          <dt className="text-zinc-500">{t("cleanup")}</dt>
          <dd className="font-mono text-xs">{pack.cleanup.script}</dd>
        </>
      ) : null}
    </dl>
  );
}

function PackProblems({ issues }: { issues: PackIssue[] }) {
  const t = useTranslations("packs");
  const locale = useCairnLocale();
  if (issues.length === 0) return null;
  return (
    <Table className="mt-2 [&_td]:align-top" data-testid="pack-problems">
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
          <tr key={i} data-testid="pack-problem" className="bg-red-50/60 dark:bg-red-950/30">
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
  );
}
