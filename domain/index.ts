/**
 * Cairn's embeddable checker: what other TypeScript programs import to check a cluster the way
 * Cairn does (the same rules as the console, the API and `cairn check`).
 *
 *   import { checkClusterDescription } from "@/domain";   // or a relative path to domain/index.ts
 *   const result = checkClusterDescription(yamlOrJsonObject, { now: Date.now() });
 *   if (!result.ok) console.error(result.issues);            // [{path, message}]
 *   else for (const f of result.findings) console.log(f.severity, f.id, f.message.en);
 *
 * For a state you already hold: `evaluate(state, intent)` returns every finding, and
 * `impact(state, intent)` what the operation changes and risks.
 */
export {
  checkClusterDescription,
  clusterDescriptionJsonSchema,
  clusterDescriptionSchema,
  type CheckIssue,
  type CheckOptions,
  type CheckResult,
  type ClusterDescription,
  type ClusterDescriptionInput,
} from "./check";
export {
  applyIntent,
  blocking,
  evaluate,
  formatFinding,
  type EvaluateOptions,
  type Override,
} from "./constraints/engine";
export {
  formatImpactEntry,
  impact,
  type Impact,
  type ImpactEntry,
  type ImpactMetric,
} from "./constraints/impact";
export { allRules, ruleById } from "./constraints/registry";
export type {
  Finding,
  Fix,
  OverrideTier,
  Rule,
  RuleCategory,
  Severity,
  Subjects,
} from "./constraints/types";
export { LOCALES, type Locale, type Localized } from "./i18n";
export {
  intentSchema,
  licenseClaimsSchema,
  networkSchema,
  nodeSchema,
  settingsSchema,
  type ClusterState,
  type Intent,
  type LicenseClaims,
  type Network,
  type Node,
  type Settings,
} from "./model";
export { builtinCatalog, BUILTIN_RELEASE_ID } from "./roles/builtin";
export { parseRoleCatalog, type CatalogResult } from "./roles/catalog";
export { roleCatalogSchema, type RoleCatalog } from "./roles/schema";
