"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { CopyButton, agentCommand, useOrigin } from "@/components/nodes/agent-command";
import { useSizes } from "@/components/nodes/format";
import { LabPanel } from "@/components/nodes/lab-panel";
import { NodeStatusBadge } from "@/components/nodes/node-status";
import { useMe } from "@/components/use-me";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { useTRPC } from "@/lib/trpc";
import { StepFooter } from "./step-footer";
import { useWizard, useWizardUpdate } from "./use-wizard";

/**
 * Step 3: nodes appear as their agents register (the list refreshes itself), with the command that
 * starts an agent for this region; selected nodes join the draft cluster.
 */
export function DiscoverStep({ clusterId }: { clusterId: string }) {
  const t = useTranslations("install");
  const trpc = useTRPC();
  const sizes = useSizes();
  const me = useMe();
  const origin = useOrigin();
  const wizard = useWizard(clusterId);
  const update = useWizardUpdate(clusterId);
  const state = wizard.data!;
  const discovered = useQuery(
    trpc.node.list.queryOptions(
      { regionId: state.region.id, unassigned: true, limit: 500, sort: "hostname" },
      { refetchInterval: 2000 },
    ),
  );
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const select = useMutation(
    trpc.wizard.selectNodes.mutationOptions({
      onSuccess: (s) => {
        update(s);
        setPicked(new Set());
        void discovered.refetch();
      },
    }),
  );
  const deselect = useMutation(
    trpc.wizard.deselectNodes.mutationOptions({
      onSuccess: (s) => {
        update(s);
        void discovered.refetch();
      },
    }),
  );
  const token = useMutation(trpc.token.create.mutationOptions());
  const free = (discovered.data?.items ?? []).filter((n) => n.status === "discovered");
  const allPicked = free.length > 0 && free.every((n) => picked.has(n.id));
  const toggle = (id: string) =>
    setPicked((p) => {
      const next = new Set(p);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <div className="space-y-4">
      <PageHeader title={t("discover.title")} description={t("discover.intro")} />
      <LabPanel />
      <Card className="space-y-2 p-4 text-sm">
        <h2 className="font-semibold">{t("discover.agentTitle")}</h2>
        <p className="text-zinc-600 dark:text-zinc-400">{t("discover.agentIntro")}</p>
        {token.data ? (
          <div className="space-y-1">
            <pre className="overflow-x-auto rounded bg-zinc-900 px-3 py-2 font-mono text-xs text-zinc-100">
              {agentCommand(origin, token.data.secret)}
            </pre>
            <CopyButton text={agentCommand(origin, token.data.secret)} label={t("discover.copy")} />
            <p className="text-xs text-amber-700 dark:text-amber-400">{t("discover.shownOnce")}</p>
          </div>
        ) : me.isAdmin ? (
          <Button
            variant="secondary"
            disabled={token.isPending}
            onClick={() =>
              token.mutate({ regionId: state.region.id, label: `wizard ${state.cluster.name}` })
            }
          >
            {t("discover.createToken")}
          </Button>
        ) : (
          <p className="text-zinc-500">{t("discover.askAdmin")}</p>
        )}
        {token.error ? <ErrorNotice error={token.error} /> : null}
      </Card>

      <Card className="p-4">
        <div className="mb-2 flex items-center gap-3">
          <h2 className="text-sm font-semibold">
            {t("discover.available", { count: free.length })}
          </h2>
          <Button
            size="sm"
            className="ml-auto"
            data-testid="select-nodes"
            disabled={picked.size === 0 || select.isPending}
            onClick={() => select.mutate({ clusterId, nodeIds: [...picked] })}
          >
            {t("discover.add", { count: picked.size })}
          </Button>
        </div>
        {select.error ? <ErrorNotice error={select.error} /> : null}
        {free.length === 0 ? (
          <p className="text-sm text-zinc-500">{t("discover.waiting")}</p>
        ) : (
          <table className="w-full text-sm">
            <thead className="text-left text-xs text-zinc-500">
              <tr>
                <th className="w-8 py-1">
                  <input
                    type="checkbox"
                    aria-label={t("discover.pickAll")}
                    checked={allPicked}
                    onChange={() =>
                      setPicked(allPicked ? new Set() : new Set(free.map((n) => n.id)))
                    }
                  />
                </th>
                <th>{t("node.hostname")}</th>
                <th>{t("node.arch")}</th>
                <th className="text-right">{t("node.cores")}</th>
                <th className="text-right">{t("node.memory")}</th>
                <th className="text-right">{t("node.disks")}</th>
                <th>{t("node.status")}</th>
              </tr>
            </thead>
            <tbody>
              {free.map((n) => (
                <tr key={n.id} className="border-t border-zinc-100 dark:border-zinc-800">
                  <td className="py-1">
                    <input
                      type="checkbox"
                      aria-label={n.hostname}
                      checked={picked.has(n.id)}
                      onChange={() => toggle(n.id)}
                    />
                  </td>
                  <td className="font-mono">{n.hostname}</td>
                  <td>{n.arch}</td>
                  <td className="text-right tabular-nums">{n.cores}</td>
                  <td className="text-right tabular-nums">{sizes.memory(n.memoryBytes)}</td>
                  <td className="text-right tabular-nums">{n.diskCount}</td>
                  <td>
                    <NodeStatusBadge status={n.displayedStatus} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <Card className="p-4">
        <h2 className="mb-2 text-sm font-semibold">
          {t("discover.members", { count: state.members.length })}
        </h2>
        {deselect.error ? <ErrorNotice error={deselect.error} /> : null}
        {state.members.length === 0 ? (
          <p className="text-sm text-zinc-500">{t("discover.noMembers")}</p>
        ) : (
          <ul
            className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800"
            data-testid="members"
          >
            {state.members.map((m) => (
              <li key={m.id} className="flex items-center gap-3 py-1.5">
                <span className="font-mono">{m.hostname}</span>
                <span className="text-zinc-500">
                  {m.arch} · {m.hardware.cores} {t("node.coresShort")} ·{" "}
                  {sizes.memory(m.hardware.memoryBytes)} · {m.hardware.diskCount}{" "}
                  {t("node.disksShort")} · {m.hardware.nicCount} {t("node.nicsShort")}
                </span>
                <NodeStatusBadge status={m.displayedStatus} />
                <Button
                  size="sm"
                  variant="ghost"
                  className="ml-auto"
                  disabled={deselect.isPending}
                  onClick={() => deselect.mutate({ clusterId, nodeIds: [m.id] })}
                >
                  {t("discover.remove")}
                </Button>
              </li>
            ))}
          </ul>
        )}
      </Card>
      <StepFooter clusterId={clusterId} step="discover" />
    </div>
  );
}
