"use client";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";

export function ThemeToggle() {
  const t = useTranslations("header");
  return (
    <Button
      variant="ghost"
      size="sm"
      aria-label={t("toggleTheme")}
      title={t("toggleTheme")}
      onClick={() => {
        const dark = document.documentElement.classList.toggle("dark");
        localStorage.setItem("cairn-theme", dark ? "dark" : "light");
      }}
    >
      <span aria-hidden>◐</span>
    </Button>
  );
}
