/**
 * The table test every rule family uses: one case list per rule id, each case a state (and an
 * intent) with the findings it must produce — none for a passing state. Test-only: imports vitest.
 */
import { describe, expect, it } from "vitest";
import type { ClusterState, Intent } from "../model";
import { evaluate } from "./engine";
import { pick, runRule } from "./testing";
import type { Rule } from "./types";

export interface Case {
  name: string;
  state: ClusterState;
  intent?: Intent;
  /** The state before an edit that is not an intent (e.g. a region rename), for rules comparing. */
  before?: ClusterState;
  /** The findings it must produce, matched field by field; absent: the rule must not fire. */
  expect?: Record<string, unknown>[];
}

export function table(ruleList: readonly Rule[], id: string, cases: Case[]) {
  describe(id, () => {
    it.each(cases)("$name", ({ state, intent, before, expect: expected }) => {
      const rule = pick(ruleList, id);
      const findings = before
        ? evaluate(state, intent ?? { kind: "validate" }, { rules: [rule], before })
        : runRule(rule, state, intent);
      if (!expected) {
        expect(findings).toEqual([]);
        return;
      }
      expect(findings).toHaveLength(expected.length);
      findings.forEach((f, i) => {
        expect(f.id).toBe(id);
        expect(f).toMatchObject(expected[i]!);
        for (const text of [f.message.en, f.message["zh-CN"], f.hint.en, f.hint["zh-CN"]]) {
          expect(text).not.toMatch(/\{\w+\}/);
        }
      });
    });
  });
}
