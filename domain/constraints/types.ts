/**
 * The contract of the one constraint engine. A rule is data (id, texts, where it applies) plus a
 * pure `check` that returns hits; the engine turns hits into findings with both languages filled.
 */
import type { Localized, Params } from "../i18n";
import type { ClusterState, Intent, IntentKind, Node, WizardStep } from "../model";
import type { RoleCatalog } from "../roles/schema";

export const SEVERITIES = ["block", "warn", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const OVERRIDE_TIERS = ["none", "force", "force-unsafe"] as const;
/** `force` may be used by an operator with a reason; `force-unsafe` needs an admin and a reason; both are audited. */
export type OverrideTier = (typeof OVERRIDE_TIERS)[number];

export const RULE_CATEGORIES = [
  "roles",
  "ceph",
  "hardware",
  "hosts",
  "hci",
  "network",
  "dhcp",
  "ntp",
  "dns",
  "overcommit",
  "license",
  "operation",
] as const;
export type RuleCategory = (typeof RULE_CATEGORIES)[number];

/** A structured fix the UI can offer as a button, e.g. {action: "set-setting", params: {path: "overcommit.ram", value: 1}}. */
export interface Fix {
  action: string;
  params: Record<string, unknown>;
  label: Localized;
}

export interface Subjects {
  nodes?: string[];
  /** Dotted paths into the cluster description, e.g. "settings.ntp.servers[1]", "networks.management.cidr". */
  fields?: string[];
}

/** Alternative texts for a rule that says different things in different cases (e.g. 2 vs 4 controllers). */
export interface RuleText {
  message: Localized;
  hint: Localized;
}

export interface Hit {
  params: Params;
  subjects?: Subjects;
  /** Overrides the rule's default severity for this hit. */
  severity?: Severity;
  /** Key into `rule.variants`; absent uses the rule's main texts. */
  variant?: string;
  fix?: Fix;
  /** A sentence appended to the message, for texts that come with data (e.g. a role catalog's limit override). */
  note?: Localized;
}

export interface RuleContext {
  /** The state as it would be after the intent (equal to `before` for `validate`). */
  state: ClusterState;
  before: ClusterState;
  intent: Intent;
  catalog: RoleCatalog;
  /** Services a node carries through its roles (catalog roles and the cluster's custom roles). */
  servicesOf(node: Node): ReadonlySet<string>;
  /** Nodes in `state` that carry a service. */
  nodesWithService(service: string): Node[];
}

export interface Rule {
  id: string;
  category: RuleCategory;
  severity: Severity;
  /** Intents this rule guards; "validate" makes it part of the wizard's live check. */
  operations: readonly IntentKind[];
  /** Wizard steps that own this rule (the wizard jumps to the first step owning a failing rule). */
  steps: readonly WizardStep[];
  override: OverrideTier;
  message: Localized;
  hint: Localized;
  variants?: Record<string, RuleText>;
  check(ctx: RuleContext): Hit[];
}

export interface Finding {
  id: string;
  category: RuleCategory;
  severity: Severity;
  message: Localized;
  hint: Localized;
  params: Params;
  subjects: Subjects;
  steps: readonly WizardStep[];
  override: OverrideTier;
  fix?: Fix;
}
