import { describe, expect, it } from "vitest";
import { placeholdersOf } from "../domain/i18n";
import { ERRORS } from "../domain/errors";
import { VALIDATION_MESSAGES } from "../domain/validation";
import { CATALOG_PARTS, messagesFor } from ".";

function leaves(obj: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.set(key, v);
    else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv);
  }
  return out;
}

describe("message catalogs", () => {
  const enLeaves = leaves(messagesFor("en"));
  const zhLeaves = leaves(messagesFor("zh-CN"));

  it("keep each namespace in one area file", () => {
    for (const parts of Object.values(CATALOG_PARTS)) {
      const owner = new Map<string, string>();
      for (const [area, catalog] of Object.entries(parts))
        for (const ns of Object.keys(catalog)) {
          expect(owner.get(ns), `namespace ${ns} in ${area}`).toBeUndefined();
          owner.set(ns, area);
        }
    }
  });

  it("have the same keys in English and Chinese", () => {
    expect([...zhLeaves.keys()].sort()).toEqual([...enLeaves.keys()].sort());
  });

  it("use the same placeholders in both languages, and no text is left untranslated", () => {
    for (const [key, text] of enLeaves) {
      const other = zhLeaves.get(key) ?? "";
      expect(placeholdersOf(other), key).toEqual(placeholdersOf(text));
      expect(other.trim().length, key).toBeGreaterThan(0);
      if (/[a-z]{4,}/i.test(text.replace(/\{\w+\}/g, ""))) expect(other, key).not.toBe(text);
    }
  });

  it("give every error code and validation message both languages with matching placeholders", () => {
    const texts = [
      ...Object.values(ERRORS).flatMap((e) => [e.message, ...("hint" in e ? [e.hint] : [])]),
      ...Object.values(VALIDATION_MESSAGES),
    ];
    for (const t of texts) {
      expect(t["zh-CN"]).toMatch(/[\u4e00-\u9fff]/);
      expect(placeholdersOf(t["zh-CN"])).toEqual(placeholdersOf(t.en));
    }
  });
});
