/** The languages Cairn speaks. Every user-visible string exists in each of them. */
export const LOCALES = ["en", "zh-CN"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";

/** A text in every locale. Templates use `{name}` placeholders filled from a params record. */
export type Localized = Record<Locale, string>;

export type Params = Record<string, string | number>;

/** Fills `{name}` placeholders; an unknown placeholder is left visible so a missing param shows in review. */
export function fill(template: string, params: Params): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in params ? String(params[key]) : whole,
  );
}

export function localize(text: Localized, params: Params): Localized {
  return { en: fill(text.en, params), "zh-CN": fill(text["zh-CN"], params) };
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}
