/**
 * Impact preview: what an operation changes and risks, shown before the operator confirms, e.g.
 * "controllers 3 → 2 (quorum tolerates 0 failures)", "Ceph hosts 3 → 2 (pool size 3 cannot be met)",
 * "schedulable vCPU 768 → 640 (−128)". Computed from the same state and rules as the findings.
 */
import { localize, type Locale, type Localized } from "../i18n";
import type { ClusterState, Intent } from "../model";
import { builtinCatalog } from "../roles/builtin";
import type { RoleCatalog } from "../roles/schema";
import { clusterCapacity } from "../settings/capacity";
import { applyIntent, blocking, createContext, evaluate } from "./engine";
import {
  CEPH_NEAR_FULL_RATIO,
  COMPUTE_SERVICE,
  CONTROL_SERVICE,
  OSD_SERVICE,
  formatBytes,
  inService,
  osdDisks,
  osdRawBytes,
  quorumOf,
  round1,
} from "./facts";
import type { Finding, RuleContext } from "./types";

export const IMPACT_METRICS = [
  "nodes",
  "controllers",
  "compute-nodes",
  "schedulable-vcpu",
  "schedulable-ram",
  "ceph-hosts",
  "ceph-osds",
  "ceph-raw",
  "ceph-usable",
] as const;
export type ImpactMetric = (typeof IMPACT_METRICS)[number];

export interface ImpactEntry {
  metric: ImpactMetric;
  label: Localized;
  before: number;
  after: number;
  /** Bytes are shown in TB/GB; counts as they are. */
  unit: "count" | "bytes";
  /** What the change means, e.g. "quorum tolerates 0 failures". */
  note?: Localized;
  /** How the UI should colour the line. */
  risk: "ok" | "warn" | "block";
}

export interface Impact {
  /** Metrics that change, in a fixed order. */
  entries: ImpactEntry[];
  /** Every finding of the operation (the same as `evaluate`). */
  findings: Finding[];
  /** True when a finding blocks (before any override). */
  blocked: boolean;
}

const LABELS: Record<ImpactMetric, Localized> = {
  nodes: { en: "nodes", "zh-CN": "节点" },
  controllers: { en: "controllers", "zh-CN": "控制节点" },
  "compute-nodes": { en: "compute nodes", "zh-CN": "计算节点" },
  "schedulable-vcpu": { en: "schedulable vCPU", "zh-CN": "可调度 vCPU" },
  "schedulable-ram": { en: "schedulable RAM", "zh-CN": "可调度内存" },
  "ceph-hosts": { en: "Ceph hosts", "zh-CN": "Ceph 存储主机" },
  "ceph-osds": { en: "Ceph OSDs", "zh-CN": "Ceph OSD" },
  "ceph-raw": { en: "Ceph raw capacity", "zh-CN": "Ceph 裸容量" },
  "ceph-usable": { en: "Ceph usable capacity", "zh-CN": "Ceph 可用容量" },
};

const NOTES = {
  quorum: {
    en: "quorum tolerates {tolerated} failure(s)",
    "zh-CN": "仲裁可容忍 {tolerated} 个故障",
  },
  quorumLost: {
    en: "below quorum: {online} of {members} online, {quorum} needed",
    "zh-CN": "低于仲裁：{members} 个中仅 {online} 个在线，需要 {quorum} 个",
  },
  noController: {
    en: "no controller: the control plane is gone",
    "zh-CN": "没有控制节点：控制平面将不复存在",
  },
  poolMet: { en: "pool size {poolSize} can be met", "zh-CN": "可满足 {poolSize} 副本" },
  poolNoSpare: {
    en: "pool size {poolSize} met, no spare host for recovery",
    "zh-CN": "刚好满足 {poolSize} 副本，故障后无主机可用于恢复",
  },
  poolUnmet: { en: "pool size {poolSize} cannot be met", "zh-CN": "无法满足 {poolSize} 副本" },
  fill: { en: "{percent}% full, {used} stored", "zh-CN": "使用率 {percent}%，已存 {used}" },
  fillHigh: {
    en: "{percent}% full, {used} stored: above the {nearFull}% near-full ratio",
    "zh-CN": "使用率 {percent}%，已存 {used}：超过 {nearFull}% 近满阈值",
  },
} satisfies Record<string, Localized>;

interface Facts {
  nodes: number;
  controllers: number;
  controllerMembers: number;
  computeNodes: number;
  vcpu: number;
  ramBytes: number;
  cephHosts: number;
  osds: number;
  rawBytes: number;
  usableBytes: number;
}

function factsOf(ctx: RuleContext): Facts {
  const state = ctx.state;
  const working = state.nodes.filter(inService);
  const osdCount = (n: (typeof state.nodes)[number]) => osdDisks(ctx, n).length;
  const capacity = clusterCapacity(working, state.settings, ctx.servicesOf, {
    osdCountOf: osdCount,
  });
  const members = ctx.nodesWithService(CONTROL_SERVICE);
  const osdHosts = ctx.nodesWithService(OSD_SERVICE).filter((n) => inService(n) && osdCount(n) > 0);
  const rawBytes = osdHosts.reduce((sum, n) => sum + osdRawBytes(ctx, n), 0);
  const poolSize = state.settings.ceph.poolSize;
  return {
    nodes: state.nodes.length,
    controllers: members.filter(inService).length,
    controllerMembers: members.length,
    computeNodes: ctx.nodesWithService(COMPUTE_SERVICE).filter(inService).length,
    vcpu: capacity.totals.schedulableVcpu,
    ramBytes: capacity.totals.schedulableRamBytes,
    cephHosts: osdHosts.length,
    osds: osdHosts.reduce((sum, n) => sum + osdCount(n), 0),
    rawBytes,
    usableBytes: poolSize > 0 ? rawBytes / poolSize : 0,
  };
}

/** What the intent would change, with the findings it raises. Pure, like `evaluate`. */
export function impact(
  state: ClusterState,
  intent: Intent,
  catalog: RoleCatalog = builtinCatalog,
): Impact {
  const findings = evaluate(state, intent, { catalog });
  const present = { ...state, nodes: state.nodes.filter((n) => n.status !== "removed") };
  const after = applyIntent(present, intent);
  const validate: Intent = { kind: "validate" };
  const b = factsOf(createContext(present, present, validate, catalog));
  const a = factsOf(createContext(after, present, intent, catalog));
  const entries: ImpactEntry[] = [];
  const push = (
    metric: ImpactMetric,
    before: number,
    afterValue: number,
    extra: Partial<ImpactEntry> = {},
  ) => {
    if (before === afterValue) return;
    entries.push({
      metric,
      label: LABELS[metric],
      before,
      after: afterValue,
      unit: "count",
      risk: "ok",
      ...extra,
    });
  };

  push("nodes", b.nodes, a.nodes);

  {
    const quorum = quorumOf(a.controllerMembers);
    let note: Localized;
    let risk: ImpactEntry["risk"] = "ok";
    if (a.controllerMembers === 0) {
      note = NOTES.noController;
      risk = "block";
    } else if (a.controllers < quorum) {
      note = localize(NOTES.quorumLost, {
        online: a.controllers,
        members: a.controllerMembers,
        quorum,
      });
      risk = "block";
    } else {
      const tolerated = a.controllers - quorum;
      note = localize(NOTES.quorum, { tolerated });
      risk = tolerated === 0 && b.controllers - quorumOf(b.controllerMembers) > 0 ? "warn" : "ok";
    }
    push("controllers", b.controllers, a.controllers, { note, risk });
  }

  push(
    "compute-nodes",
    b.computeNodes,
    a.computeNodes,
    a.computeNodes === 0 ? { risk: "block" } : {},
  );
  push("schedulable-vcpu", b.vcpu, a.vcpu);
  push("schedulable-ram", b.ramBytes, a.ramBytes, { unit: "bytes" });

  const poolSize = after.settings.ceph.poolSize;
  if (b.cephHosts > 0 || a.cephHosts > 0) {
    const note =
      a.cephHosts < poolSize
        ? NOTES.poolUnmet
        : a.cephHosts === poolSize
          ? NOTES.poolNoSpare
          : NOTES.poolMet;
    const risk = a.cephHosts < poolSize ? "block" : a.cephHosts === poolSize ? "warn" : "ok";
    push("ceph-hosts", b.cephHosts, a.cephHosts, { note: localize(note, { poolSize }), risk });
    push("ceph-osds", b.osds, a.osds);
    push("ceph-raw", b.rawBytes, a.rawBytes, { unit: "bytes" });
    const used = state.cephUsedBytes;
    if (a.usableBytes !== b.usableBytes) {
      const ratio = a.usableBytes > 0 ? used / a.usableBytes : used > 0 ? Infinity : 0;
      const high = ratio > CEPH_NEAR_FULL_RATIO;
      const params = {
        percent: Number.isFinite(ratio) ? round1(ratio * 100) : 100,
        used: formatBytes(used),
        nearFull: Math.round(CEPH_NEAR_FULL_RATIO * 100),
      };
      push("ceph-usable", b.usableBytes, a.usableBytes, {
        unit: "bytes",
        note: localize(high ? NOTES.fillHigh : NOTES.fill, params),
        risk: high ? "block" : "ok",
      });
    }
  }

  return { entries, findings, blocked: blocking(findings).length > 0 };
}

function formatValue(entry: ImpactEntry, value: number): string {
  return entry.unit === "bytes" ? formatBytes(value) : String(value);
}

/** One line per entry: "controllers 3 → 2 (quorum tolerates 0 failure(s))", "schedulable vCPU 768 → 512 (−256)". */
export function formatImpactEntry(entry: ImpactEntry, locale: Locale): string {
  const delta = entry.after - entry.before;
  const sign = delta > 0 ? "+" : "−";
  const deltaText =
    entry.unit === "bytes" ? `${sign}${formatBytes(Math.abs(delta))}` : `${sign}${Math.abs(delta)}`;
  const note = entry.note ? entry.note[locale] : deltaText;
  const open = locale === "zh-CN" ? "（" : " (";
  const close = locale === "zh-CN" ? "）" : ")";
  return `${entry.label[locale]} ${formatValue(entry, entry.before)} → ${formatValue(entry, entry.after)}${open}${note}${close}`;
}
