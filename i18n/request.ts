import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { DEFAULT_LOCALE, isLocale, type Locale } from "../domain/i18n";
import { messagesFor } from "../messages";

export const LOCALE_COOKIE = "NEXT_LOCALE";

/** The remembered choice wins; otherwise the browser's first language we speak. */
async function pickLocale(): Promise<Locale> {
  const chosen = (await cookies()).get(LOCALE_COOKIE)?.value;
  if (isLocale(chosen)) return chosen;
  const accept = (await headers()).get("accept-language") ?? "";
  return /^\s*zh/i.test(accept) ? "zh-CN" : DEFAULT_LOCALE;
}

export default getRequestConfig(async () => {
  const locale = await pickLocale();
  return { locale, messages: messagesFor(locale), timeZone: "UTC" };
});
