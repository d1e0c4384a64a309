"use client";
import { useTranslations } from "next-intl";
import { useCairnLocale } from "@/lib/use-locale";
import { cairnErrorOf } from "@/lib/errors";

/** Shows what went wrong and what to do next, in the operator's language; never a stack. */
export function ErrorNotice({ error }: { error: unknown }) {
  const t = useTranslations("common");
  const locale = useCairnLocale();
  if (!error) return null;
  const cairn = cairnErrorOf(error);
  const message = cairn ? cairn.message[locale] : t("unexpectedError");
  const hint = cairn?.hint?.[locale] ?? (cairn ? undefined : t("unexpectedErrorHint"));
  return (
    <div
      role="alert"
      data-code={cairn?.code}
      className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 dark:border-red-900 dark:bg-red-950/50 dark:text-red-200"
    >
      <p className="font-medium">{message}</p>
      {hint ? <p className="mt-0.5 text-red-800/80 dark:text-red-300/80">{hint}</p> : null}
    </div>
  );
}
