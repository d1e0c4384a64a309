import { describe, expect, it } from "vitest";
import { LOCALES, placeholdersOf } from "../i18n";
import { INTENT_KINDS, WIZARD_STEPS } from "../model";
import { allRules, ruleById } from "./registry";
import { OVERRIDE_TIERS, RULE_CATEGORIES, SEVERITIES, type RuleText } from "./types";

function textsOf(rule: (typeof allRules)[number]): [string, RuleText][] {
  return [
    ["main", { message: rule.message, hint: rule.hint }],
    ...Object.entries(rule.variants ?? {}),
  ];
}

describe("rule registry", () => {
  it("holds at least 35 rules with unique ids", () => {
    const ids = allRules.map((r) => r.id);
    expect(ids.length).toBeGreaterThanOrEqual(35);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(ruleById(id)?.id).toBe(id);
    }
    expect(ruleById("no-such-rule")).toBeUndefined();
  });

  it("covers every rule family of the catalog", () => {
    const categories = new Set(allRules.map((r) => r.category));
    expect([...categories].sort()).toEqual([...RULE_CATEGORIES].sort());
  });

  it.each(allRules.map((r) => [r.id, r] as const))("%s is well-formed", (_id, rule) => {
    expect(RULE_CATEGORIES).toContain(rule.category);
    expect(SEVERITIES).toContain(rule.severity);
    expect(OVERRIDE_TIERS).toContain(rule.override);
    expect(rule.operations.length).toBeGreaterThan(0);
    for (const op of rule.operations) expect(INTENT_KINDS).toContain(op);
    expect(rule.steps.length).toBeGreaterThan(0);
    for (const step of rule.steps) expect(WIZARD_STEPS).toContain(step);
  });

  it.each(allRules.map((r) => [r.id, r] as const))(
    "%s speaks English and Chinese with the same placeholders",
    (_id, rule) => {
      for (const [variant, text] of textsOf(rule)) {
        for (const part of ["message", "hint"] as const) {
          for (const locale of LOCALES) {
            expect(text[part][locale].trim(), `${variant}.${part}.${locale}`).not.toBe("");
          }
          // Real Chinese, not an English placeholder.
          expect(text[part]["zh-CN"], `${variant}.${part}`).toMatch(/[\u4e00-\u9fff]/);
          expect(placeholdersOf(text[part]["zh-CN"]), `${variant}.${part}`).toEqual(
            placeholdersOf(text[part].en),
          );
        }
      }
    },
  );
});
