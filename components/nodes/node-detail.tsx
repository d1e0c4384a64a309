"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTranslations } from "next-intl";
import type { ComponentProps, ReactNode } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { useDateTime } from "@/components/format";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import type { AttemptStatus } from "@/domain/engine/types";
import { NODE_STATUSES, type NodeStatus } from "@/domain/model";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { useRelativeTime, useSizes } from "./format";
import { NodeStatusBadge } from "./node-status";

/** The node page refreshes like the list: connectivity and attempts change while it is open. */
const REFRESH_MS = 10_000;

/** Below this the offset is network delay and rounding, not a clock to fix. */
const IN_STEP_MS = 1000;

const DISK_TYPES = { ssd: "SSD", hdd: "HDD", nvme: "NVMe" } as const;

const ATTEMPT_TONE: Record<AttemptStatus, NonNullable<ComponentProps<typeof Badge>["tone"]>> = {
  queued: "neutral",
  dispatched: "info",
  running: "info",
  killing: "warn",
  succeeded: "ok",
  failed: "bad",
  timed_out: "bad",
  cancelled: "neutral",
  lost: "bad",
};

const isNodeStatus = (s: string | null): s is NodeStatus =>
  (NODE_STATUSES as readonly (string | null)[]).includes(s);

export function NodeDetail({ id }: { id: string }) {
  const t = useTranslations("node");
  const tn = useTranslations("nodes");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const locale = useCairnLocale();
  const when = useDateTime();
  const ago = useRelativeTime();
  const sizes = useSizes();
  const query = useQuery(trpc.node.get.queryOptions({ id }, { refetchInterval: REFRESH_MS }));

  if (query.error) return <ErrorNotice error={query.error} />;
  if (!query.data) return <p className="text-sm text-zinc-500">{tc("loading")}</p>;
  const { node: n, events, attempts } = query.data;
  const hw = n.hardware;
  const status = (s: string | null) => (isNodeStatus(s) ? tn(`statuses.${s}`) : (s ?? "—"));
  const eventName = (type: string) =>
    t.has(`events.${type}`) ? t(`events.${type}` as "events.status") : type;
  const offset = n.clockOffsetMs;
  const seconds = offset === null ? "" : (Math.abs(offset) / 1000).toFixed(1);

  return (
    <>
      <Link
        href="/nodes"
        className="mb-2 inline-block text-sm text-sky-700 hover:underline dark:text-sky-400"
      >
        ← {t("back")}
      </Link>
      <PageHeader
        title={n.hostname}
        description={[hw.vendor, hw.model].filter(Boolean).join(" ") || undefined}
      />
      <div className="mb-6 grid gap-4 lg:grid-cols-2">
        <Card>
          <h2 className="mb-3 text-sm font-semibold">{t("overview")}</h2>
          <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-2 text-sm">
            <Row label={tn("status")}>
              <span className="flex items-center gap-2">
                <NodeStatusBadge status={n.displayedStatus} data-testid="node-status" />
                {n.lab ? (
                  <Badge
                    className="border border-dashed border-zinc-400 bg-transparent"
                    title={tn("labTitle")}
                  >
                    {tn("lab")}
                  </Badge>
                ) : null}
              </span>
            </Row>
            <Row label={t("connectivity")}>
              <span
                data-testid="node-connectivity"
                className={n.online ? "text-emerald-700 dark:text-emerald-400" : "font-medium"}
              >
                {n.online ? t("online") : t("offline")}
              </span>
              {!n.online && n.offlineSince ? (
                <span className="ml-2 text-xs text-zinc-500">
                  {t("offlineSince", { time: when(n.offlineSince) })}
                </span>
              ) : null}
            </Row>
            <Row label={t("lastHeartbeat")}>
              {n.lastHeartbeatAt ? (
                <>
                  {ago(n.lastHeartbeatAt)}{" "}
                  <span className="text-xs text-zinc-500">({when(n.lastHeartbeatAt)})</span>
                </>
              ) : (
                tn("never")
              )}
            </Row>
            <Row label={t("clockOffset")}>
              {offset === null
                ? t("clockUnknown")
                : Math.abs(offset) < IN_STEP_MS
                  ? t("clockInStep", { ms: offset })
                  : offset > 0
                    ? t("clockAhead", { seconds })
                    : t("clockBehind", { seconds })}
            </Row>
            <Row label={t("region")}>
              <Link
                href={`/regions/${n.regionId}`}
                className="font-mono text-sky-700 hover:underline dark:text-sky-400"
              >
                {n.regionName}
              </Link>
            </Row>
            <Row label={t("cluster")}>
              {n.clusterId ? (
                <Link
                  href={`/clusters/${n.clusterId}`}
                  className="font-mono text-sky-700 hover:underline dark:text-sky-400"
                >
                  {n.clusterName}
                </Link>
              ) : (
                <span className="text-zinc-500">{t("noCluster")}</span>
              )}
            </Row>
            <Row label={t("roles")}>
              {n.roles.length ? (
                n.roles.join(", ")
              ) : (
                <span className="text-zinc-500">{t("noRoles")}</span>
              )}
            </Row>
            <Row label={t("machineId")}>
              <span className="font-mono text-xs break-all">{n.machineId}</span>
            </Row>
            <Row label={t("agentVersion")}>
              <span className="font-mono text-xs">{n.agentVersion}</span>
            </Row>
            <Row label={t("registered")}>{when(n.registeredAt)}</Row>
          </dl>
        </Card>
        <Card>
          <h2 className="mb-3 text-sm font-semibold">{t("system")}</h2>
          <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-2 text-sm">
            <Row label={t("vendor")}>{hw.vendor || "—"}</Row>
            <Row label={t("model")}>{hw.model || "—"}</Row>
            <Row label={t("serial")}>
              <span className="font-mono text-xs">{hw.serial || "—"}</span>
            </Row>
            <Row label={t("uuid")}>
              <span className="font-mono text-xs break-all">{hw.uuid || "—"}</span>
            </Row>
            <Row label={t("cpu")}>{hw.cpu.model}</Row>
            <Row label={t("arch")}>
              <span className="font-mono text-xs">{hw.cpu.arch}</span>
            </Row>
            <Row label={t("sockets")}>{hw.cpu.sockets}</Row>
            <Row label={t("coresThreads")}>
              <span className="tabular-nums">
                {hw.cpu.cores} / {hw.cpu.threads}
              </span>
            </Row>
            <Row label={t("virtualization")}>
              {hw.cpu.virtualization === "none" ? (
                t("virtualizationNone")
              ) : (
                <span className="font-mono text-xs">{hw.cpu.virtualization}</span>
              )}
            </Row>
            <Row label={t("memory")}>{sizes.memory(hw.memoryBytes)}</Row>
          </dl>
        </Card>
      </div>

      <Section title={t("disksTitle", { count: hw.disks.length })}>
        <Table data-testid="node-disks">
          <thead>
            <tr>
              <Th>{t("diskName")}</Th>
              <Th>{t("model")}</Th>
              <Th>{t("diskSize")}</Th>
              <Th>{t("diskType")}</Th>
              <Th>{t("rotational")}</Th>
              <Th>{t("serial")}</Th>
              <Th>{t("byPath")}</Th>
            </tr>
          </thead>
          <tbody>
            {hw.disks.map((d) => (
              <tr key={d.name}>
                <Td className="font-mono">
                  {d.name}
                  {d.removable ? (
                    <span className="ml-2 text-xs text-zinc-500">{t("removable")}</span>
                  ) : null}
                </Td>
                <Td>{d.model || "—"}</Td>
                <Td className="whitespace-nowrap tabular-nums">{sizes.disk(d.sizeBytes)}</Td>
                <Td>{DISK_TYPES[d.type]}</Td>
                <Td>{d.rotational ? t("yes") : t("no")}</Td>
                <Td className="font-mono text-xs">{d.serial || "—"}</Td>
                <Td className="font-mono text-xs break-all">{d.byPath || "—"}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Section>

      <Section title={t("nicsTitle", { count: hw.nics.length })}>
        <Table data-testid="node-nics">
          <thead>
            <tr>
              <Th>{t("nicName")}</Th>
              <Th>{t("mac")}</Th>
              <Th>{t("driver")}</Th>
              <Th>{t("speed")}</Th>
              <Th>{t("link")}</Th>
              <Th>{t("addresses")}</Th>
            </tr>
          </thead>
          <tbody>
            {hw.nics.map((nic) => (
              <tr key={nic.name}>
                <Td className="font-mono">
                  {nic.name}
                  {nic.pxe ? (
                    <Badge tone="info" className="ml-2">
                      {t("pxe")}
                    </Badge>
                  ) : null}
                </Td>
                <Td className="font-mono" data-testid="nic-mac">
                  {nic.mac}
                </Td>
                <Td className="font-mono text-xs">{nic.driver || "—"}</Td>
                <Td className="whitespace-nowrap tabular-nums">
                  {nic.speedMbps ? (
                    sizes.speed(nic.speedMbps)
                  ) : (
                    <span className="text-zinc-500">{t("unknown")}</span>
                  )}
                </Td>
                <Td>
                  {nic.link === undefined ? (
                    <span className="text-zinc-500">{t("unknown")}</span>
                  ) : (
                    <Badge tone={nic.link ? "ok" : "bad"}>
                      {nic.link ? t("linkUp") : t("linkDown")}
                    </Badge>
                  )}
                </Td>
                <Td className="font-mono text-xs">
                  {nic.addresses.length ? nic.addresses.join(", ") : "—"}
                </Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Section>

      <Section title={t("history")}>
        <Table data-testid="node-events">
          <thead>
            <tr>
              <Th>{t("eventAt")}</Th>
              <Th>{t("event")}</Th>
              <Th>{t("change")}</Th>
              <Th>{t("actor")}</Th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <Td className="whitespace-nowrap text-zinc-500">{when(e.at)}</Td>
                <Td>{eventName(e.type)}</Td>
                <Td>
                  {e.fromStatus || e.toStatus ? (
                    <>
                      {e.fromStatus ? status(e.fromStatus) : "—"} → {status(e.toStatus)}
                    </>
                  ) : (
                    <span className="text-zinc-400">—</span>
                  )}
                </Td>
                <Td className="font-mono text-xs">{e.actor ?? "—"}</Td>
              </tr>
            ))}
            {events.length === 0 ? (
              <tr>
                <Td colSpan={4} className="py-6 text-center text-zinc-500">
                  {t("noEvents")}
                </Td>
              </tr>
            ) : null}
          </tbody>
        </Table>
      </Section>

      <Section title={t("attempts")}>
        <Table data-testid="node-attempts">
          <thead>
            <tr>
              <Th>{t("step")}</Th>
              <Th>{t("attempt")}</Th>
              <Th>{t("attemptStatus")}</Th>
              <Th>{t("exitCode")}</Th>
              <Th>{t("reason")}</Th>
              <Th>{t("started")}</Th>
              <Th>{t("ended")}</Th>
              <Th>{t("task")}</Th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((a) => (
              <tr key={a.id}>
                <Td className="font-mono text-xs">{a.stepId}</Td>
                <Td className="tabular-nums">{a.number}</Td>
                <Td>
                  <Badge tone={ATTEMPT_TONE[a.status]}>{t(`attemptStatuses.${a.status}`)}</Badge>
                </Td>
                <Td className="font-mono">{a.exitCode ?? "—"}</Td>
                <Td className="text-xs">{a.reason ? a.reason.message[locale] : "—"}</Td>
                <Td className="text-xs whitespace-nowrap text-zinc-500">
                  {a.startedAt ? when(a.startedAt) : "—"}
                </Td>
                <Td className="text-xs whitespace-nowrap text-zinc-500">
                  {a.endedAt ? when(a.endedAt) : "—"}
                </Td>
                <Td className="font-mono text-xs" title={a.taskId}>
                  <Link
                    href={`/tasks/${a.taskId}`}
                    className="text-sky-700 hover:underline dark:text-sky-400"
                  >
                    {a.taskId.slice(0, 8)}
                  </Link>
                </Td>
              </tr>
            ))}
            {attempts.length === 0 ? (
              <tr>
                <Td colSpan={8} className="py-6 text-center text-zinc-500">
                  {t("noAttempts")}
                </Td>
              </tr>
            ) : null}
          </tbody>
        </Table>
      </Section>
    </>
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

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mb-6">
      <h2 className="mb-2 text-base font-semibold">{title}</h2>
      {children}
    </section>
  );
}
