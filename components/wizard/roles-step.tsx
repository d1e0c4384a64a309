"use client";
import { useMutation } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useMemo, useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { useSizes } from "@/components/nodes/format";
import { Button } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { Input, Select } from "@/components/ui/input";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { cn } from "@/lib/utils";
import { FindingsPanel } from "./findings-panel";
import { StepFooter } from "./step-footer";
import { useWizard, useWizardUpdate } from "./use-wizard";

type Sort = "hostname" | "cores" | "memory" | "roles";

/**
 * Step 4: roles per node. A sortable, filterable table with multi-select and bulk assignment, role
 * chips, custom roles built from the release's services, the topology as a picture, and the live
 * findings of the constraint engine beside it — clicking a finding highlights its nodes.
 */
export function RolesStep({ clusterId }: { clusterId: string }) {
  const t = useTranslations("install");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const sizes = useSizes();
  const wizard = useWizard(clusterId);
  const update = useWizardUpdate(clusterId);
  const state = wizard.data!;
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [filter, setFilter] = useState("");
  const [sort, setSort] = useState<Sort>("hostname");
  const [role, setRole] = useState("");
  const [highlight, setHighlight] = useState<{ key: string; nodes: Set<string> } | null>(null);
  const assign = useMutation(trpc.wizard.assignRoles.mutationOptions({ onSuccess: update }));
  const customs = useMutation(trpc.wizard.saveCustomRoles.mutationOptions({ onSuccess: update }));
  const [custom, setCustom] = useState({ name: "", services: new Set<string>() });

  const roleNames = useMemo(
    () => [...state.catalog.roles.map((r) => r.name), ...state.customRoles.map((r) => r.name)],
    [state.catalog.roles, state.customRoles],
  );
  const describe = (name: string) =>
    state.catalog.roles.find((r) => r.name === name)?.description[locale] ??
    t("roles.customOf", {
      services: state.customRoles.find((r) => r.name === name)?.services.join(", ") ?? "",
    });

  const rows = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const list = state.members.filter(
      (m) =>
        !q ||
        m.hostname.toLowerCase().includes(q) ||
        m.roles.some((r) => r.includes(q)) ||
        m.arch.includes(q),
    );
    const by: Record<Sort, (a: (typeof list)[number], b: (typeof list)[number]) => number> = {
      hostname: (a, b) => a.hostname.localeCompare(b.hostname),
      cores: (a, b) => b.hardware.cores - a.hardware.cores,
      memory: (a, b) => b.hardware.memoryBytes - a.hardware.memoryBytes,
      roles: (a, b) => a.roles.join(",").localeCompare(b.roles.join(",")),
    };
    return [...list].sort(by[sort]);
  }, [state.members, filter, sort]);

  const allPicked = rows.length > 0 && rows.every((r) => picked.has(r.id));
  const bulk = (mode: "set" | "add" | "remove") => {
    if (!role || picked.size === 0) return;
    assign.mutate({ clusterId, nodeIds: [...picked], roles: [role], mode });
  };
  const hostnameOf = new Map(state.members.map((m) => [m.id, m.hostname]));

  return (
    <div className="space-y-4">
      <PageHeader title={t("roles.title")} description={t("roles.intro")} />
      <div className="grid gap-4 xl:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="space-y-4">
          <Card className="p-4">
            <div className="mb-3 flex flex-wrap items-center gap-2">
              <Input
                aria-label={t("roles.filter")}
                placeholder={t("roles.filter")}
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
                className="w-48"
              />
              <Select
                aria-label={t("roles.sort")}
                value={sort}
                onChange={(e) => setSort(e.target.value as Sort)}
                className="w-40"
              >
                {(["hostname", "cores", "memory", "roles"] as const).map((s) => (
                  <option key={s} value={s}>
                    {t(`roles.sortBy.${s}`)}
                  </option>
                ))}
              </Select>
              <span className="ml-auto text-xs text-zinc-500">
                {t("roles.picked", { count: picked.size })}
              </span>
              <Select
                aria-label={t("roles.role")}
                data-testid="bulk-role"
                value={role}
                onChange={(e) => setRole(e.target.value)}
                className="w-48"
              >
                <option value="">{t("roles.chooseRole")}</option>
                {roleNames.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </Select>
              <Button
                size="sm"
                data-testid="bulk-set"
                disabled={!role || picked.size === 0 || assign.isPending}
                onClick={() => bulk("set")}
              >
                {t("roles.set")}
              </Button>
              <Button
                size="sm"
                variant="secondary"
                disabled={!role || picked.size === 0 || assign.isPending}
                onClick={() => bulk("add")}
              >
                {t("roles.add")}
              </Button>
              <Button
                size="sm"
                variant="secondary"
                disabled={!role || picked.size === 0 || assign.isPending}
                onClick={() => bulk("remove")}
              >
                {t("roles.remove")}
              </Button>
            </div>
            {role ? <p className="mb-2 text-xs text-zinc-500">{describe(role)}</p> : null}
            {assign.error ? <ErrorNotice error={assign.error} /> : null}
            <table className="w-full text-sm" data-testid="roles-table">
              <thead className="text-left text-xs text-zinc-500">
                <tr>
                  <th className="w-8 py-1">
                    <input
                      type="checkbox"
                      aria-label={t("roles.pickAll")}
                      checked={allPicked}
                      onChange={() =>
                        setPicked(allPicked ? new Set() : new Set(rows.map((r) => r.id)))
                      }
                    />
                  </th>
                  <th>{t("node.hostname")}</th>
                  <th className="text-right">{t("node.cores")}</th>
                  <th className="text-right">{t("node.memory")}</th>
                  <th className="text-right">{t("node.disks")}</th>
                  <th className="pl-3">{t("roles.roles")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((m) => (
                  <tr
                    key={m.id}
                    data-testid={`role-row-${m.hostname}`}
                    data-highlighted={highlight?.nodes.has(m.id) ? "true" : undefined}
                    className={cn(
                      "border-t border-zinc-100 dark:border-zinc-800",
                      highlight?.nodes.has(m.id) && "bg-amber-100 dark:bg-amber-900/40",
                    )}
                  >
                    <td className="py-1">
                      <input
                        type="checkbox"
                        aria-label={m.hostname}
                        checked={picked.has(m.id)}
                        onChange={() =>
                          setPicked((p) => {
                            const next = new Set(p);
                            if (next.has(m.id)) next.delete(m.id);
                            else next.add(m.id);
                            return next;
                          })
                        }
                      />
                    </td>
                    <td className="font-mono">{m.hostname}</td>
                    <td className="text-right tabular-nums">{m.hardware.threads}</td>
                    <td className="text-right tabular-nums">
                      {sizes.memory(m.hardware.memoryBytes)}
                    </td>
                    <td className="text-right tabular-nums">{m.hardware.diskCount}</td>
                    <td className="pl-3">
                      <span className="flex flex-wrap gap-1">
                        {m.roles.length === 0 ? (
                          <span className="text-xs text-zinc-400">{t("roles.none")}</span>
                        ) : (
                          m.roles.map((r) => (
                            <Badge key={r} title={describe(r)}>
                              {r}
                              <button
                                type="button"
                                className="ml-1 text-zinc-400 hover:text-red-600"
                                aria-label={t("roles.removeRole", { role: r, node: m.hostname })}
                                onClick={() =>
                                  assign.mutate({
                                    clusterId,
                                    nodeIds: [m.id],
                                    roles: [r],
                                    mode: "remove",
                                  })
                                }
                              >
                                ×
                              </button>
                            </Badge>
                          ))
                        )}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>

          <Card className="p-4">
            <h2 className="mb-2 text-sm font-semibold">{t("roles.topology")}</h2>
            <div className="flex flex-wrap gap-3" data-testid="topology">
              {state.topology.map((g) => (
                <div
                  key={g.role ?? "-"}
                  className="min-w-36 rounded-md border border-zinc-200 p-2 dark:border-zinc-700"
                >
                  <p className="mb-1 text-xs font-semibold">
                    {g.role ?? t("roles.none")}{" "}
                    <span className="font-normal text-zinc-500">({g.nodeIds.length})</span>
                  </p>
                  <div className="flex flex-wrap gap-1">
                    {g.nodeIds.map((id) => (
                      <span
                        key={id}
                        title={hostnameOf.get(id)}
                        className={cn(
                          "inline-block h-4 w-4 rounded-sm bg-sky-600",
                          g.role === null && "bg-zinc-400",
                          highlight?.nodes.has(id) && "ring-2 ring-amber-500",
                        )}
                      />
                    ))}
                  </div>
                </div>
              ))}
            </div>
          </Card>

          <Card className="space-y-2 p-4">
            <h2 className="text-sm font-semibold">{t("roles.customTitle")}</h2>
            <p className="text-xs text-zinc-500">{t("roles.customIntro")}</p>
            {state.customRoles.length ? (
              <ul className="text-sm">
                {state.customRoles.map((r) => (
                  <li key={r.name} className="flex items-center gap-2">
                    <span className="font-mono">{r.name}</span>
                    <span className="text-zinc-500">{r.services.join(", ")}</span>
                    <Button
                      size="sm"
                      variant="ghost"
                      onClick={() =>
                        customs.mutate({
                          clusterId,
                          customRoles: state.customRoles.filter((c) => c.name !== r.name),
                        })
                      }
                    >
                      {t("roles.delete")}
                    </Button>
                  </li>
                ))}
              </ul>
            ) : null}
            <div className="flex flex-wrap items-start gap-2">
              <Input
                aria-label={t("roles.customName")}
                placeholder={t("roles.customName")}
                value={custom.name}
                onChange={(e) => setCustom((c) => ({ ...c, name: e.target.value }))}
                className="w-44 font-mono"
              />
              <div className="flex max-w-xl flex-wrap gap-1">
                {state.catalog.services.map((s) => (
                  <label
                    key={s.name}
                    title={s.description[locale]}
                    className="flex items-center gap-1 rounded border border-zinc-200 px-1.5 py-0.5 text-xs dark:border-zinc-700"
                  >
                    <input
                      type="checkbox"
                      checked={custom.services.has(s.name)}
                      onChange={() =>
                        setCustom((c) => {
                          const services = new Set(c.services);
                          if (services.has(s.name)) services.delete(s.name);
                          else services.add(s.name);
                          return { ...c, services };
                        })
                      }
                    />
                    {s.name}
                  </label>
                ))}
              </div>
              <Button
                size="sm"
                disabled={!custom.name || custom.services.size === 0 || customs.isPending}
                onClick={() =>
                  customs.mutate(
                    {
                      clusterId,
                      customRoles: [
                        ...state.customRoles,
                        { name: custom.name, services: [...custom.services] },
                      ],
                    },
                    { onSuccess: () => setCustom({ name: "", services: new Set() }) },
                  )
                }
              >
                {t("roles.customSave")}
              </Button>
            </div>
            {customs.error ? <ErrorNotice error={customs.error} /> : null}
          </Card>
        </div>
        <div className="space-y-2">
          <h2 className="text-sm font-semibold">{t("findings.title")}</h2>
          <FindingsPanel
            clusterId={clusterId}
            findings={state.findings}
            selected={highlight?.key ?? null}
            onSelect={(key, f) =>
              setHighlight(key && f ? { key, nodes: new Set(f.subjects.nodes ?? []) } : null)
            }
          />
        </div>
      </div>
      <StepFooter clusterId={clusterId} step="roles" />
    </div>
  );
}
