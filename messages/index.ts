/**
 * The UI's message catalogues: one file per area and language (`<area>.<locale>.json`, plus the
 * console's own `en.json` / `zh-CN.json`), each holding whole top-level namespaces. Areas are
 * separate files so that features are written side by side without touching one file; a
 * namespace lives in exactly one area (the catalogue test checks it).
 */
import type { Locale } from "../domain/i18n";
import consoleEn from "./en.json";
import consoleZh from "./zh-CN.json";
import installEn from "./install.en.json";
import installZh from "./install.zh-CN.json";
import packsEn from "./packs.en.json";
import packsZh from "./packs.zh-CN.json";
import tasksEn from "./tasks.en.json";
import tasksZh from "./tasks.zh-CN.json";

type Catalog = Record<string, unknown>;

export const CATALOG_PARTS: Record<Locale, Record<string, Catalog>> = {
  en: {
    console: consoleEn,
    tasks: tasksEn,
    packs: packsEn,
    install: installEn,
  },
  "zh-CN": {
    console: consoleZh,
    tasks: tasksZh,
    packs: packsZh,
    install: installZh,
  },
};

export function messagesFor(locale: Locale): Catalog {
  return Object.assign({}, ...Object.values(CATALOG_PARTS[locale])) as Catalog;
}
