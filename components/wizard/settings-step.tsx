"use client";
import { useMutation } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useMemo, useState, type ReactNode } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { toFieldMessages } from "@/components/forms";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { Field, Input, Select } from "@/components/ui/input";
import type { Settings } from "@/domain/model";
import { servicesOfRoles } from "@/domain/roles/catalog";
import { clusterCapacity } from "@/domain/settings/capacity";
import { OVERCOMMIT_LIMITS } from "@/domain/settings/defaults";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { FindingsPanel } from "./findings-panel";
import { StepFooter } from "./step-footer";
import { useWizard, useWizardUpdate } from "./use-wizard";

const GiB = 1024 ** 3;
const list = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

type Ratio = "cpu" | "ram" | "disk";

/**
 * Step 7: NTP, DNS, the provisioning network's DHCP range and overcommit — sliders bounded by the
 * very limits the rules enforce, a warning where a value is allowed but risky, and a capacity chart
 * (schedulable vCPU and RAM per node and in total, the HCI memory budget) that follows the sliders.
 */
export function SettingsStep({ clusterId }: { clusterId: string }) {
  const t = useTranslations("install");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const wizard = useWizard(clusterId);
  const update = useWizardUpdate(clusterId);
  const state = wizard.data!;
  const [settings, setSettings] = useState<Settings>(state.settings);
  const [ntp, setNtp] = useState(state.settings.ntp.servers.join(", "));
  const [dns, setDns] = useState(state.settings.dns.servers.join(", "));
  const save = useMutation(trpc.wizard.saveSettings.mutationOptions({ onSuccess: update }));
  const current: Settings = {
    ...settings,
    ntp: { ...settings.ntp, servers: list(ntp) },
    dns: { ...settings.dns, servers: list(dns) },
  };
  const dirty = JSON.stringify(current) !== JSON.stringify(state.settings);
  // The server's settings changed (a finding's fix, a colleague): an untouched form follows them.
  const [base, setBase] = useState(state.settings);
  if (JSON.stringify(base) !== JSON.stringify(state.settings)) {
    const untouched =
      JSON.stringify(current) ===
      JSON.stringify({
        ...base,
        ntp: { ...base.ntp, servers: list(base.ntp.servers.join(", ")) },
        dns: { ...base.dns, servers: list(base.dns.servers.join(", ")) },
      });
    setBase(state.settings);
    if (untouched) {
      setSettings(state.settings);
      setNtp(state.settings.ntp.servers.join(", "));
      setDns(state.settings.dns.servers.join(", "));
    }
  }
  const fields = toFieldMessages(cairnErrorOf(save.error)?.fields, locale);
  const capacity = useMemo(
    () =>
      clusterCapacity(state.state.nodes, settings, (node) =>
        servicesOfRoles(state.catalog, node.roles, state.customRoles),
      ),
    [state.state.nodes, state.catalog, state.customRoles, settings],
  );
  const hostname = new Map(state.members.map((m) => [m.id, m.hostname]));
  const maxVcpu = Math.max(1, ...capacity.nodes.map((n) => n.schedulableVcpu));
  const maxRam = Math.max(1, ...capacity.nodes.map((n) => n.schedulableRamBytes));
  const settingsFindings = state.findings.filter((f) => f.steps.includes("settings"));

  const ratio = (key: Ratio) => {
    const limit = OVERCOMMIT_LIMITS[key];
    const value = settings.overcommit[key];
    const warn = "warnAbove" in limit && value > limit.warnAbove;
    return (
      <div key={key} className="space-y-1">
        <label className="flex items-center justify-between text-sm" htmlFor={`ratio-${key}`}>
          <span>{t(`settings.ratio.${key}`)}</span>
          <span className="font-mono tabular-nums">{value.toFixed(1)}</span>
        </label>
        <input
          id={`ratio-${key}`}
          data-testid={`ratio-${key}`}
          type="range"
          className="w-full"
          min={limit.min}
          max={limit.max}
          step={limit.step}
          value={value}
          onChange={(e) =>
            setSettings((s) => ({
              ...s,
              overcommit: { ...s.overcommit, [key]: Number(e.target.value) },
            }))
          }
        />
        <p className="text-xs text-zinc-500">
          {t("settings.range", { min: limit.min, max: limit.max })}
        </p>
        {warn ? (
          <p className="text-xs text-amber-700 dark:text-amber-400" role="status">
            {t(`settings.warn.${key}`, { limit: "warnAbove" in limit ? limit.warnAbove : 0 })}
          </p>
        ) : null}
      </div>
    );
  };

  return (
    <div className="space-y-4">
      <PageHeader title={t("settings.title")} description={t("settings.intro")} />
      <div className="grid gap-4 lg:grid-cols-2">
        <Card className="space-y-3 p-4">
          <h2 className="text-sm font-semibold">{t("settings.time")}</h2>
          <Field
            label={t("settings.ntpServers")}
            htmlFor="ntp-servers"
            error={fields["settings.ntp.servers"]}
            help={t("settings.listHelp")}
          >
            <Input id="ntp-servers" value={ntp} onChange={(e) => setNtp(e.target.value)} />
          </Field>
          <Field label={t("settings.ntpClients")} htmlFor="ntp-clients">
            <Select
              id="ntp-clients"
              value={settings.ntp.clients}
              onChange={(e) =>
                setSettings((s) => ({
                  ...s,
                  ntp: { ...s.ntp, clients: e.target.value as Settings["ntp"]["clients"] },
                }))
              }
            >
              <option value="controllers">{t("settings.clients.controllers")}</option>
              <option value="external">{t("settings.clients.external")}</option>
            </Select>
          </Field>
          <Field
            label={t("settings.dnsServers")}
            htmlFor="dns-servers"
            error={fields["settings.dns.servers"]}
            help={t("settings.listHelp")}
          >
            <Input id="dns-servers" value={dns} onChange={(e) => setDns(e.target.value)} />
          </Field>
          <Field
            label={t("settings.domain")}
            htmlFor="dns-domain"
            error={fields["settings.dns.domain"]}
          >
            <Input
              id="dns-domain"
              className="font-mono"
              value={settings.dns.domain}
              onChange={(e) =>
                setSettings((s) => ({ ...s, dns: { ...s.dns, domain: e.target.value } }))
              }
            />
          </Field>
          <div className="grid grid-cols-2 gap-2">
            <Field
              label={t("settings.dhcpStart")}
              htmlFor="dhcp-start"
              error={fields["settings.dhcp.start"]}
            >
              <Input
                id="dhcp-start"
                className="font-mono"
                value={settings.dhcp.start}
                onChange={(e) =>
                  setSettings((s) => ({ ...s, dhcp: { ...s.dhcp, start: e.target.value } }))
                }
              />
            </Field>
            <Field
              label={t("settings.dhcpEnd")}
              htmlFor="dhcp-end"
              error={fields["settings.dhcp.end"]}
            >
              <Input
                id="dhcp-end"
                className="font-mono"
                value={settings.dhcp.end}
                onChange={(e) =>
                  setSettings((s) => ({ ...s, dhcp: { ...s.dhcp, end: e.target.value } }))
                }
              />
            </Field>
          </div>
        </Card>
        <Card className="space-y-3 p-4">
          <h2 className="text-sm font-semibold">{t("settings.overcommit")}</h2>
          {(["cpu", "ram", "disk"] as const).map(ratio)}
          <Field
            label={t("settings.reservedMemory")}
            htmlFor="reserved-memory"
            error={fields["settings.overcommit.reservedHostMemoryMiB"]}
          >
            <Input
              id="reserved-memory"
              type="number"
              min={OVERCOMMIT_LIMITS.reservedHostMemoryMiB.min}
              step={OVERCOMMIT_LIMITS.reservedHostMemoryMiB.step}
              value={settings.overcommit.reservedHostMemoryMiB}
              onChange={(e) =>
                setSettings((s) => ({
                  ...s,
                  overcommit: { ...s.overcommit, reservedHostMemoryMiB: Number(e.target.value) },
                }))
              }
            />
          </Field>
        </Card>
      </div>

      <Card className="space-y-3 p-4" data-testid="capacity">
        <h2 className="text-sm font-semibold">{t("settings.capacity")}</h2>
        <p className="text-sm">
          {t("settings.totals", {
            nodes: capacity.totals.computeNodes,
            vcpu: capacity.totals.schedulableVcpu,
            ram: Math.round(capacity.totals.schedulableRamBytes / GiB),
          })}
        </p>
        <table className="w-full text-xs">
          <thead className="text-left text-zinc-500">
            <tr>
              <th className="w-40">{t("node.hostname")}</th>
              <th>{t("settings.vcpu")}</th>
              <th>{t("settings.ram")}</th>
              <th className="w-64">{t("settings.hci")}</th>
            </tr>
          </thead>
          <tbody>
            {capacity.nodes.map((n) => (
              <tr key={n.nodeId} className="border-t border-zinc-100 dark:border-zinc-800">
                <td className="font-mono">{hostname.get(n.nodeId)}</td>
                <td className="pr-3">
                  {n.compute ? (
                    <Bar share={n.schedulableVcpu / maxVcpu} tone="bg-sky-600">
                      {n.schedulableVcpu}
                    </Bar>
                  ) : (
                    <span className="text-zinc-400">{t("settings.noCompute")}</span>
                  )}
                </td>
                <td className="pr-3">
                  {n.compute ? (
                    <Bar share={n.schedulableRamBytes / maxRam} tone="bg-emerald-600">
                      {Math.round(n.schedulableRamBytes / GiB)} GiB
                    </Bar>
                  ) : null}
                </td>
                <td>
                  {n.hciBudget
                    ? t("settings.hciBudget", {
                        total: n.hciBudget.totalGiB,
                        host: n.hciBudget.hostGiB,
                        osd: n.hciBudget.osdGiB,
                        osds: n.hciBudget.osdCount,
                        left: n.hciBudget.availableGiB,
                      })
                    : "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      {settingsFindings.length ? (
        <FindingsPanel clusterId={clusterId} findings={settingsFindings} />
      ) : null}
      {save.error && !cairnErrorOf(save.error)?.fields ? <ErrorNotice error={save.error} /> : null}
      <div className="flex items-center gap-2">
        <Button
          data-testid="save-settings"
          disabled={!dirty || save.isPending}
          onClick={() => save.mutate({ clusterId, settings: current })}
        >
          {t("settings.save")}
        </Button>
        {dirty ? <span className="text-xs text-amber-700">{t("unsaved")}</span> : null}
      </div>
      <StepFooter
        clusterId={clusterId}
        step="settings"
        unsaved={dirty}
        beforeNext={async () => {
          if (!dirty) return true;
          try {
            await save.mutateAsync({ clusterId, settings: current });
            return true;
          } catch {
            return false;
          }
        }}
      />
    </div>
  );
}

/** A horizontal bar for one node's share of the largest figure, with the figure beside it. */
function Bar({ share, tone, children }: { share: number; tone: string; children: ReactNode }) {
  return (
    <div className="flex items-center gap-2">
      <div className="h-3 flex-1 rounded bg-zinc-100 dark:bg-zinc-800">
        <div className={`h-3 rounded ${tone}`} style={{ width: `${100 * share}%` }} />
      </div>
      <span className="w-16 text-right tabular-nums">{children}</span>
    </div>
  );
}
