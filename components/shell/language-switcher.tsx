"use client";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { LOCALES, type Locale } from "@/domain/i18n";
import { useCairnLocale } from "@/lib/use-locale";
import { Select } from "@/components/ui/input";

const NAMES: Record<Locale, string> = { en: "English", "zh-CN": "简体中文" };

/** The choice is remembered in a cookie for a year; the server renders the next page in it. */
export function LanguageSwitcher() {
  const t = useTranslations("header");
  const locale = useCairnLocale();
  const router = useRouter();
  return (
    <Select
      aria-label={t("language")}
      value={locale}
      className="h-8 w-auto text-xs"
      onChange={(e) => {
        document.cookie = `NEXT_LOCALE=${e.target.value}; path=/; max-age=31536000; samesite=lax`;
        router.refresh();
      }}
    >
      {LOCALES.map((l) => (
        <option key={l} value={l}>
          {NAMES[l]}
        </option>
      ))}
    </Select>
  );
}
