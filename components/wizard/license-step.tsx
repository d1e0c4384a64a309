"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { useDateTime } from "@/components/format";
import { Button } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { Textarea } from "@/components/ui/input";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { cn } from "@/lib/utils";
import { FindingsPanel } from "./findings-panel";
import { StepFooter } from "./step-footer";
import { useWizard } from "./use-wizard";

/**
 * Step 8: load a license (file or pasted text). Its claims in a readable card and its limits
 * against this topology ("6 of 50 nodes"); an invalid license says exactly why and replaces nothing.
 */
export function LicenseStep({ clusterId }: { clusterId: string }) {
  const t = useTranslations("install");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const when = useDateTime();
  const wizard = useWizard(clusterId);
  const state = wizard.data!;
  const [token, setToken] = useState("");
  const load = useMutation(
    trpc.license.load.mutationOptions({
      onSuccess: async () => {
        setToken("");
        await queryClient.invalidateQueries({ queryKey: trpc.wizard.state.pathKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.license.pathKey() });
      },
    }),
  );
  const license = state.license;
  const usage = state.licenseUsage;
  const licenseFindings = state.findings.filter((f) => f.steps.includes("license"));
  const meter = (label: string, used: number, max: number) => (
    <div key={label} className="space-y-1">
      <div className="flex justify-between text-xs">
        <span>{label}</span>
        <span className={cn("tabular-nums", used > max && "font-semibold text-red-700")}>
          {t("license.usage", { used, max })}
        </span>
      </div>
      <div className="h-2 rounded bg-zinc-100 dark:bg-zinc-800">
        <div
          className={cn("h-2 rounded", used > max ? "bg-red-600" : "bg-sky-600")}
          style={{ width: `${Math.min(100, (100 * used) / Math.max(1, max))}%` }}
        />
      </div>
    </div>
  );
  return (
    <div className="space-y-4">
      <PageHeader title={t("license.title")} description={t("license.intro")} />
      {license ? (
        <Card className="space-y-3 p-4" data-testid="license-card">
          <div className="flex flex-wrap items-center gap-2">
            <h2 className="text-sm font-semibold">{license.claims.customer}</h2>
            <span className="font-mono text-xs text-zinc-500">{license.claims.licenseId}</span>
            {license.issuer?.label === "dev" ? <Badge>{t("license.dev")}</Badge> : null}
            <Badge>{license.valid ? t("license.valid") : t("license.invalid")}</Badge>
          </div>
          {license.problem ? (
            <p className="text-sm text-red-700 dark:text-red-400">
              {license.problem.message[locale]}
            </p>
          ) : null}
          <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
            <dt className="text-zinc-500">{t("license.validFrom")}</dt>
            <dd>{when(new Date(license.claims.notBefore * 1000))}</dd>
            <dt className="text-zinc-500">{t("license.expires")}</dt>
            <dd>
              {when(new Date(license.claims.expiresAt * 1000))}
              {usage ? ` (${t("license.daysLeft", { days: usage.daysLeft })})` : ""}
            </dd>
            <dt className="text-zinc-500">{t("license.features")}</dt>
            <dd className="sm:col-span-3">
              {license.claims.features.length ? license.claims.features.join(", ") : "—"}
            </dd>
            <dt className="text-zinc-500">{t("license.loaded")}</dt>
            <dd className="sm:col-span-3">
              {t("license.loadedBy", { who: license.loadedBy, when: when(license.loadedAt) })}
            </dd>
          </dl>
          {usage ? (
            <div className="grid gap-3 sm:grid-cols-3" data-testid="license-usage">
              {meter(t("license.nodes"), usage.nodes.used, usage.nodes.max)}
              {meter(t("license.sockets"), usage.sockets.used, usage.sockets.max)}
              {meter(t("license.regions"), usage.regions.used, usage.regions.max)}
            </div>
          ) : null}
        </Card>
      ) : (
        <p className="text-sm text-zinc-500">{t("license.none")}</p>
      )}
      <Card className="space-y-2 p-4">
        <h2 className="text-sm font-semibold">
          {license ? t("license.replace") : t("license.load")}
        </h2>
        <input
          type="file"
          aria-label={t("license.file")}
          className="text-sm"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (file) setToken((await file.text()).trim());
          }}
        />
        <Textarea
          aria-label={t("license.paste")}
          data-testid="license-token"
          placeholder={t("license.paste")}
          rows={4}
          className="font-mono text-xs"
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        {load.error ? <ErrorNotice error={load.error} /> : null}
        <Button
          data-testid="load-license"
          disabled={!token.trim() || load.isPending}
          onClick={() => load.mutate({ token })}
        >
          {t("license.submit")}
        </Button>
      </Card>
      {licenseFindings.length ? (
        <FindingsPanel clusterId={clusterId} findings={licenseFindings} />
      ) : null}
      <StepFooter clusterId={clusterId} step="license" />
    </div>
  );
}
