/**
 * The one constraint engine: the wizard, the day-2 console, the API and `cairn check` all call
 * `evaluate`, so an operator reads the same finding wherever the check runs.
 */
import { localize, type Locale, type Localized } from "../i18n";
import type { ClusterState, Intent, Node, Settings } from "../model";
import { servicesOfRoles } from "../roles/catalog";
import { builtinCatalog } from "../roles/builtin";
import type { RoleCatalog } from "../roles/schema";
import { allRules } from "./registry";
import type { Finding, OverrideTier, Rule, RuleContext, Severity, Subjects } from "./types";

export interface EvaluateOptions {
  /** The release's role catalog; the built-in release's when absent. */
  catalog?: RoleCatalog;
  /** The rules to run; the whole registry when absent. */
  rules?: readonly Rule[];
  /**
   * The persisted state when `state` carries edits not expressed as an intent (e.g. the wizard's
   * region form): rules comparing before and after (region-name-immutable) then see the edit.
   */
  before?: ClusterState;
}

const SEVERITY_RANK: Record<Severity, number> = { block: 0, warn: 1, info: 2 };

/** Removed nodes are history, not members: no rule counts them. */
function present(state: ClusterState): ClusterState {
  return state.nodes.some((n) => n.status === "removed")
    ? { ...state, nodes: state.nodes.filter((n) => n.status !== "removed") }
    : state;
}

function mergeSettings(settings: Settings, patch: Partial<Settings>): Settings {
  const out: Record<string, unknown> = { ...settings };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const old = out[key];
    out[key] =
      old &&
      typeof old === "object" &&
      !Array.isArray(old) &&
      typeof value === "object" &&
      !Array.isArray(value)
        ? { ...old, ...value }
        : value;
  }
  return out as Settings;
}

/** The state as it would be once the intent is carried out. Pure; the input is not modified. */
export function applyIntent(state: ClusterState, intent: Intent): ClusterState {
  switch (intent.kind) {
    case "validate":
    case "deploy":
    case "add-nodes":
      return state;
    case "remove-nodes": {
      const ids = new Set(intent.nodeIds);
      return { ...state, nodes: state.nodes.filter((n) => !ids.has(n.id)) };
    }
    case "enter-maintenance":
    case "exit-maintenance": {
      const ids = new Set(intent.nodeIds);
      const status = intent.kind === "enter-maintenance" ? "maintenance" : "ready";
      return { ...state, nodes: state.nodes.map((n) => (ids.has(n.id) ? { ...n, status } : n)) };
    }
    case "change-settings":
      return { ...state, settings: mergeSettings(state.settings, intent.settings) };
    case "change-roles": {
      const roles = new Map(intent.assignments.map((a) => [a.nodeId, a.roles]));
      return {
        ...state,
        nodes: state.nodes.map((n) => {
          const next = roles.get(n.id);
          return next ? { ...n, roles: [...next] } : n;
        }),
      };
    }
    case "upgrade":
      return { ...state, cluster: { ...state.cluster, releaseId: intent.toReleaseId } };
  }
}

/** Builds the context rules read; service lookups are computed once per distinct role set. */
export function createContext(
  after: ClusterState,
  before: ClusterState,
  intent: Intent,
  catalog: RoleCatalog,
): RuleContext {
  const byRoles = new Map<string, ReadonlySet<string>>();
  const byNode = new WeakMap<Node, ReadonlySet<string>>();
  const customRoles = after.cluster.customRoles;
  const servicesOf = (node: Node): ReadonlySet<string> => {
    let services = byNode.get(node);
    if (services) return services;
    const key = node.roles.join("\u0000");
    services = byRoles.get(key);
    if (!services) {
      services = servicesOfRoles(catalog, node.roles, customRoles);
      byRoles.set(key, services);
    }
    byNode.set(node, services);
    return services;
  };
  let index: Map<string, Node[]> | undefined;
  const nodesWithService = (service: string): Node[] => {
    if (!index) {
      index = new Map();
      for (const node of after.nodes) {
        for (const s of servicesOf(node)) {
          let list = index.get(s);
          if (!list) index.set(s, (list = []));
          list.push(node);
        }
      }
    }
    return index.get(service) ?? [];
  };
  return { state: after, before, intent, catalog, servicesOf, nodesWithService };
}

function subjectsKey(s: Subjects): string {
  return `${(s.nodes ?? []).join(",")}|${(s.fields ?? []).join(",")}`;
}

function joinNote(message: Localized, note: Localized | undefined): Localized {
  if (!note) return message;
  return { en: `${message.en} ${note.en}`, "zh-CN": `${message["zh-CN"]}${note["zh-CN"]}` };
}

export function findingsOf(rule: Rule, ctx: RuleContext): Finding[] {
  return rule.check(ctx).map((hit) => {
    const texts = hit.variant === undefined ? rule : rule.variants?.[hit.variant];
    if (!texts) throw new Error(`rule ${rule.id} has no text variant "${hit.variant}"`);
    const finding: Finding = {
      id: rule.id,
      category: rule.category,
      severity: hit.severity ?? rule.severity,
      message: joinNote(localize(texts.message, hit.params), hit.note),
      hint: localize(texts.hint, hit.params),
      params: hit.params,
      subjects: hit.subjects ?? {},
      steps: rule.steps,
      override: rule.override,
    };
    if (hit.fix) finding.fix = hit.fix;
    return finding;
  });
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) ||
    (() => {
      const x = subjectsKey(a.subjects);
      const y = subjectsKey(b.subjects);
      return x < y ? -1 : x > y ? 1 : 0;
    })() ||
    (() => {
      const x = JSON.stringify(a.params);
      const y = JSON.stringify(b.params);
      return x < y ? -1 : x > y ? 1 : 0;
    })()
  );
}

/**
 * Every finding of every rule guarding this kind of intent, evaluated against the state after the
 * intent. Order: block, warn, info; then rule id; then subjects.
 */
export function evaluate(
  state: ClusterState,
  intent: Intent,
  opts: EvaluateOptions = {},
): Finding[] {
  const catalog = opts.catalog ?? builtinCatalog;
  const rules = opts.rules ?? allRules;
  const before = present(opts.before ?? state);
  const after = present(applyIntent(present(state), intent));
  const ctx = createContext(after, before, intent, catalog);
  const findings: Finding[] = [];
  for (const rule of rules) {
    if (!rule.operations.includes(intent.kind)) continue;
    findings.push(...findingsOf(rule, ctx));
  }
  return findings.sort(compareFindings);
}

export interface Override {
  id: string;
  tier: Exclude<OverrideTier, "none">;
  reason: string;
}

function overrideCovers(finding: Finding, override: Override): boolean {
  if (override.id !== finding.id || override.reason.trim() === "") return false;
  if (finding.override === "none") return false;
  return finding.override === "force" || override.tier === "force-unsafe";
}

/**
 * The findings that stop the operation: blockers not covered by an override of a sufficient tier
 * with a reason (a `force-unsafe` rule needs a `force-unsafe` override; `none` cannot be overridden).
 */
export function blocking(
  findings: readonly Finding[],
  overrides: readonly Override[] = [],
): Finding[] {
  return findings.filter(
    (f) => f.severity === "block" && !overrides.some((o) => overrideCovers(f, o)),
  );
}

export const SEVERITY_LABELS: Record<Severity, Localized> = {
  block: { en: "BLOCK", "zh-CN": "阻止" },
  warn: { en: "WARN", "zh-CN": "警告" },
  info: { en: "INFO", "zh-CN": "提示" },
};

/** One finding as two lines of text: what is wrong, then what to do. */
export function formatFinding(f: Finding, locale: Locale): string {
  return `${SEVERITY_LABELS[f.severity][locale]} [${f.id}] ${f.message[locale]}\n  → ${f.hint[locale]}`;
}
