"use client";
import { useLocale } from "next-intl";
import { DEFAULT_LOCALE, isLocale, type Locale } from "@/domain/i18n";

export function useCairnLocale(): Locale {
  const raw = useLocale();
  return isLocale(raw) ? raw : DEFAULT_LOCALE;
}
