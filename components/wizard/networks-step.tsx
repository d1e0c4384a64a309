"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { toFieldMessages } from "@/components/forms";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { Input, Select } from "@/components/ui/input";
import { NETWORK_NAMES, type Network, type NetworkName } from "@/domain/model";
import { SUGGESTED_NETWORKS } from "@/domain/wizard";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { cn } from "@/lib/utils";
import { StepFooter } from "./step-footer";
import { useWizard, useWizardUpdate } from "./use-wizard";

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

/**
 * Step 5: CIDRs, VLANs, gateways, ranges and VIPs, checked as they are typed (the same rules the
 * save applies), with the address each node would get shown before anything is saved.
 */
export function NetworksStep({ clusterId }: { clusterId: string }) {
  const t = useTranslations("install");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const wizard = useWizard(clusterId);
  const update = useWizardUpdate(clusterId);
  const state = wizard.data!;
  const [networks, setNetworks] = useState<Network[]>(() =>
    state.networks.length ? state.networks : [...SUGGESTED_NETWORKS],
  );
  const dirty = JSON.stringify(networks) !== JSON.stringify(state.networks);
  // The server's networks changed (a finding's fix, a colleague): an untouched form follows them.
  const [base, setBase] = useState(state.networks);
  if (JSON.stringify(base) !== JSON.stringify(state.networks)) {
    const untouched = JSON.stringify(networks) === JSON.stringify(base);
    setBase(state.networks);
    if (untouched && state.networks.length) setNetworks(state.networks);
  }
  const checked = useDebounced(networks, 300);
  const check = useQuery(
    trpc.wizard.checkNetworks.queryOptions(
      { clusterId, networks: checked },
      { placeholderData: (prev) => prev },
    ),
  );
  const save = useMutation(trpc.wizard.saveNetworks.mutationOptions({ onSuccess: update }));
  const fields = {
    ...toFieldMessages(check.data?.fields, locale),
    ...toFieldMessages(cairnErrorOf(save.error)?.fields, locale),
  };
  const set = (i: number, patch: Partial<Network>) =>
    setNetworks((list) => list.map((n, j) => (j === i ? { ...n, ...patch } : n)));
  const err = (path: string) => fields[path];
  const plan = check.data?.plan;
  const shown = NETWORK_NAMES.filter((n) => networks.some((x) => x.name === n)).filter(
    (n) => plan?.rows.some((r) => r.addresses[n]) ?? false,
  );

  async function saveNow() {
    if (!dirty) return true;
    try {
      await save.mutateAsync({ clusterId, networks });
      return true;
    } catch {
      return false;
    }
  }

  return (
    <div className="space-y-4">
      <PageHeader title={t("networks.title")} description={t("networks.intro")} />
      {state.networks.length === 0 ? (
        <p className="text-sm text-amber-700 dark:text-amber-400">{t("networks.template")}</p>
      ) : null}
      <div className="space-y-3">
        {networks.map((n, i) => (
          <Card key={i} className="space-y-2 p-3" data-testid={`network-${n.name}`}>
            <div className="grid gap-2 sm:grid-cols-6">
              <label className="text-xs">
                {t("networks.name")}
                <Select
                  value={n.name}
                  onChange={(e) => set(i, { name: e.target.value as NetworkName })}
                  aria-invalid={Boolean(err(`networks.${i}.name`))}
                >
                  {NETWORK_NAMES.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </Select>
              </label>
              <label className="text-xs sm:col-span-2">
                {t("networks.cidr")}
                <Input
                  className="font-mono"
                  value={n.cidr}
                  onChange={(e) => set(i, { cidr: e.target.value })}
                  aria-invalid={Boolean(err(`networks.${i}.cidr`))}
                />
              </label>
              <label className="text-xs">
                {t("networks.vlan")}
                <Input
                  type="number"
                  value={n.vlan ?? ""}
                  onChange={(e) => set(i, { vlan: e.target.value ? Number(e.target.value) : null })}
                  aria-invalid={Boolean(err(`networks.${i}.vlan`))}
                />
              </label>
              <label className="text-xs">
                {t("networks.gateway")}
                <Input
                  className="font-mono"
                  value={n.gateway ?? ""}
                  onChange={(e) => set(i, { gateway: e.target.value || undefined })}
                  aria-invalid={Boolean(err(`networks.${i}.gateway`))}
                />
              </label>
              <label className="text-xs">
                {t("networks.mtu")}
                <Input
                  type="number"
                  value={n.mtu}
                  onChange={(e) => set(i, { mtu: Number(e.target.value) })}
                  aria-invalid={Boolean(err(`networks.${i}.mtu`))}
                />
              </label>
            </div>
            {["name", "cidr", "vlan", "gateway", "mtu", "ranges", "vips"].map((f) =>
              err(`networks.${i}.${f}`) ? (
                <p key={f} className="text-xs text-red-700 dark:text-red-400" role="alert">
                  {err(`networks.${i}.${f}`)}
                </p>
              ) : null,
            )}
            <div className="grid gap-2 text-xs sm:grid-cols-2">
              <div className="space-y-1">
                <p className="text-zinc-500">{t("networks.ranges")}</p>
                {n.ranges.map((r, k) => (
                  <div key={k} className="flex gap-1">
                    <Input
                      className="font-mono"
                      aria-label={t("networks.start")}
                      value={r.start}
                      onChange={(e) =>
                        set(i, {
                          ranges: n.ranges.map((x, j) =>
                            j === k ? { ...x, start: e.target.value } : x,
                          ),
                        })
                      }
                    />
                    <Input
                      className="font-mono"
                      aria-label={t("networks.end")}
                      value={r.end}
                      onChange={(e) =>
                        set(i, {
                          ranges: n.ranges.map((x, j) =>
                            j === k ? { ...x, end: e.target.value } : x,
                          ),
                        })
                      }
                    />
                    <Select
                      aria-label={t("networks.purpose")}
                      value={r.purpose}
                      onChange={(e) =>
                        set(i, {
                          ranges: n.ranges.map((x, j) =>
                            j === k ? { ...x, purpose: e.target.value as typeof r.purpose } : x,
                          ),
                        })
                      }
                    >
                      {(["static", "dhcp", "floating"] as const).map((p) => (
                        <option key={p} value={p}>
                          {t(`networks.purposes.${p}`)}
                        </option>
                      ))}
                    </Select>
                    <Button
                      size="sm"
                      variant="ghost"
                      onClick={() => set(i, { ranges: n.ranges.filter((_, j) => j !== k) })}
                    >
                      ×
                    </Button>
                  </div>
                ))}
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() =>
                    set(i, { ranges: [...n.ranges, { start: "", end: "", purpose: "static" }] })
                  }
                >
                  {t("networks.addRange")}
                </Button>
              </div>
              <div className="space-y-1">
                <p className="text-zinc-500">{t("networks.vips")}</p>
                {n.vips.map((v, k) => (
                  <div key={k} className="flex gap-1">
                    <Input
                      aria-label={t("networks.vipName")}
                      value={v.name}
                      onChange={(e) =>
                        set(i, {
                          vips: n.vips.map((x, j) =>
                            j === k ? { ...x, name: e.target.value } : x,
                          ),
                        })
                      }
                    />
                    <Input
                      className="font-mono"
                      aria-label={t("networks.vipAddress")}
                      value={v.address}
                      onChange={(e) =>
                        set(i, {
                          vips: n.vips.map((x, j) =>
                            j === k ? { ...x, address: e.target.value } : x,
                          ),
                        })
                      }
                    />
                    <Button
                      size="sm"
                      variant="ghost"
                      onClick={() => set(i, { vips: n.vips.filter((_, j) => j !== k) })}
                    >
                      ×
                    </Button>
                  </div>
                ))}
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => set(i, { vips: [...n.vips, { name: "", address: "" }] })}
                >
                  {t("networks.addVip")}
                </Button>
              </div>
            </div>
            <Button
              size="sm"
              variant="ghost"
              onClick={() => setNetworks((list) => list.filter((_, j) => j !== i))}
            >
              {t("networks.removeNetwork")}
            </Button>
          </Card>
        ))}
        <Button
          variant="secondary"
          onClick={() =>
            setNetworks((list) => [
              ...list,
              {
                name: NETWORK_NAMES.find((n) => !list.some((x) => x.name === n)) ?? "pod",
                cidr: "",
                vlan: null,
                mtu: 1500,
                ranges: [],
                vips: [],
              },
            ])
          }
        >
          {t("networks.addNetwork")}
        </Button>
      </div>

      <Card className="p-4">
        <h2 className="mb-2 text-sm font-semibold">{t("networks.plan")}</h2>
        {plan && plan.rows.length ? (
          <table className="w-full text-sm" data-testid="address-plan">
            <thead className="text-left text-xs text-zinc-500">
              <tr>
                <th>{t("node.hostname")}</th>
                {shown.map((n) => (
                  <th key={n}>{n}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {plan.rows.map((r) => (
                <tr key={r.nodeId} className="border-t border-zinc-100 dark:border-zinc-800">
                  <td className="font-mono">{r.hostname}</td>
                  {shown.map((n) => (
                    <td
                      key={n}
                      className={cn(
                        "font-mono",
                        r.changed.includes(n) && "text-sky-700 dark:text-sky-400",
                      )}
                    >
                      {r.addresses[n] ?? "—"}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="text-sm text-zinc-500">{t("networks.noPlan")}</p>
        )}
        {plan?.problems.map((p, i) => (
          <p key={i} className="mt-1 text-xs text-red-700 dark:text-red-400">
            {p.message[locale]} {p.hint[locale]}
          </p>
        ))}
      </Card>
      {save.error && !cairnErrorOf(save.error)?.fields ? <ErrorNotice error={save.error} /> : null}
      <div className="flex items-center gap-2">
        <Button
          data-testid="save-networks"
          disabled={!dirty || save.isPending}
          onClick={() => void saveNow()}
        >
          {t("networks.save")}
        </Button>
        {dirty ? <span className="text-xs text-amber-700">{t("unsaved")}</span> : null}
      </div>
      <StepFooter clusterId={clusterId} step="networks" beforeNext={saveNow} unsaved={dirty} />
    </div>
  );
}
