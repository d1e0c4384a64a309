import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import type { ReactNode } from "react";
import { Shell } from "@/components/shell/shell";
import { sessionFromHeaders, type SessionUser } from "@/server/auth";
import { getDb } from "@/server/db";
import { needsSetup } from "@/server/services/users";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  let user: SessionUser | null;
  let firstRun = false;
  try {
    user = await sessionFromHeaders(await headers());
    if (!user) firstRun = await needsSetup(await getDb());
  } catch (e) {
    // Without a database nothing can be shown or checked; say so plainly instead of a blank 500.
    const t = await getTranslations("health");
    return (
      <main className="mx-auto max-w-xl p-10" role="alert">
        <h1 className="text-xl font-semibold">{t("dbDownTitle")}</h1>
        <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">{t("dbDownBody")}</p>
        <pre className="mt-4 rounded bg-zinc-100 p-3 text-xs whitespace-pre-wrap dark:bg-zinc-900">
          {(e as Error).message}
        </pre>
      </main>
    );
  }
  if (!user) redirect(firstRun ? "/setup" : "/sign-in");
  return <Shell user={user}>{children}</Shell>;
}
