/** The languages Cairn speaks. Every user-visible string exists in each of them. */
export const LOCALES = ["en", "zh-CN"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** A text in every locale. Templates use `{name}` placeholders filled from a params record. */
export type Localized = Record<Locale, string>;

export type Params = Record<string, string | number>;

/** Templates split once into literal and `{name}` parts: a 5,000-node check renders thousands. */
const compiled = new Map<string, string[]>();

/** Fills `{name}` placeholders; an unknown placeholder is left visible so a missing param shows in review. */
export function fill(template: string, params: Params): string {
  let parts = compiled.get(template);
  if (!parts) {
    parts = template.split(/\{(\w+)\}/);
    compiled.set(template, parts);
  }
  let out = parts[0] as string;
  for (let i = 1; i < parts.length; i += 2) {
    const key = parts[i] as string;
    out += (key in params ? String(params[key]) : `{${key}}`) + (parts[i + 1] as string);
  }
  return out;
}

/** The distinct placeholder names of a template, sorted: both languages must use the same set. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string))].sort();
}

export function localize(text: Localized, params: Params): Localized {
  return { en: fill(text.en, params), "zh-CN": fill(text["zh-CN"], params) };
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}
