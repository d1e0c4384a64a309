"use client";
import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { ErrorNotice } from "@/components/error-notice";
import { useDateTime } from "@/components/format";
import { Badge, PageHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { useTRPC } from "@/lib/trpc";

const TONE = { ok: "ok", degraded: "warn", down: "bad" } as const;

/** Refreshes every 5 s, so an outage and the recovery show without a reload. */
export function HealthView() {
  const t = useTranslations("health");
  const trpc = useTRPC();
  const when = useDateTime();
  const report = useQuery(trpc.health.report.queryOptions(undefined, { refetchInterval: 5_000, staleTime: 0 }));
  const r = report.data;
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <ErrorNotice error={report.error} />
      {r ? (
        <>
          <div className="mb-4 flex items-center gap-3 text-sm">
            <span>{t("overall")}</span>
            <Badge tone={TONE[r.status]} data-testid="overall-status">
              {t(`status.${r.status}`)}
            </Badge>
            <span className="text-zinc-500">
              {t("version")} <span className="font-mono">{r.version}</span> · {t("checkedAt")} {when(r.checkedAt)}
            </span>
          </div>
          <Table>
            <thead>
              <tr>
                <Th>{t("dependency")}</Th>
                <Th>{t("statusLabel")}</Th>
                <Th>{t("latency")}</Th>
                <Th>{t("details")}</Th>
              </tr>
            </thead>
            <tbody>
              {r.checks.map((c) => (
                <tr key={c.name} data-testid={`check-${c.name}`}>
                  <Td>{t(`checks.${c.name}`)}</Td>
                  <Td>
                    <Badge tone={TONE[c.status]}>{t(`status.${c.status}`)}</Badge>
                  </Td>
                  <Td className="font-mono">{c.latencyMs === null ? "—" : `${c.latencyMs} ms`}</Td>
                  <Td className="font-mono text-xs">
                    {Object.entries(c.detail).map(([k, v]) => (
                      <div key={k}>
                        {k}: {String(v)}
                      </div>
                    ))}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        </>
      ) : null}
    </>
  );
}
