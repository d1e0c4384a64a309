"use client";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import type { ReactNode } from "react";
import type { Role } from "@/domain/user";
import { authClient } from "@/lib/auth-client";
import { cn } from "@/lib/utils";
import { Button } from "@/components/ui/button";
import { LanguageSwitcher } from "./language-switcher";
import { RegionSwitcher } from "./region-switcher";
import { ThemeToggle } from "./theme-toggle";

interface ShellUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

/** Only pages that work are listed; later capabilities add their entries here. */
const NAV: {
  href: string;
  /** Message key of the entry's label. */
  key: `nav.${"regions" | "clusters" | "nodes" | "releases" | "users" | "health"}` | "tasks.nav";
  roles?: Role[];
}[] = [
  { href: "/regions", key: "nav.regions" },
  { href: "/clusters", key: "nav.clusters" },
  { href: "/nodes", key: "nav.nodes" },
  { href: "/tasks", key: "tasks.nav" },
  { href: "/releases", key: "nav.releases" },
  { href: "/users", key: "nav.users", roles: ["admin"] },
  { href: "/health", key: "nav.health" },
];

export function Shell({ user, children }: { user: ShellUser; children: ReactNode }) {
  const t = useTranslations();
  const pathname = usePathname();
  const router = useRouter();
  return (
    <div className="flex min-h-screen flex-col">
      <header className="flex h-12 items-center gap-3 border-b border-zinc-200 bg-white px-4 dark:border-zinc-800 dark:bg-zinc-900">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <span aria-hidden className="inline-block h-4 w-4 rounded-sm bg-sky-700" />
          Cairn
        </Link>
        <RegionSwitcher />
        <div className="ml-auto flex items-center gap-2">
          <LanguageSwitcher />
          <ThemeToggle />
          <span className="text-xs text-zinc-500" data-testid="current-user">
            {user.email} · {t(`roles.${user.role}`)}
          </span>
          <Button
            variant="ghost"
            size="sm"
            onClick={async () => {
              await authClient.signOut();
              router.replace("/sign-in");
              router.refresh();
            }}
          >
            {t("header.signOut")}
          </Button>
        </div>
      </header>
      <div className="flex flex-1">
        <nav
          aria-label={t("nav.label")}
          className="w-48 shrink-0 border-r border-zinc-200 bg-white p-2 dark:border-zinc-800 dark:bg-zinc-900"
        >
          <ul className="space-y-0.5">
            {NAV.filter((n) => !n.roles || n.roles.includes(user.role)).map((n) => {
              const active = pathname === n.href || pathname.startsWith(`${n.href}/`);
              return (
                <li key={n.href}>
                  <Link
                    href={n.href}
                    aria-current={active ? "page" : undefined}
                    className={cn(
                      "block rounded-md px-2.5 py-1.5 text-sm text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800",
                      active &&
                        "bg-zinc-100 font-medium text-zinc-900 dark:bg-zinc-800 dark:text-zinc-50",
                    )}
                  >
                    {t(n.key)}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <main className="min-w-0 flex-1 p-6">{children}</main>
      </div>
    </div>
  );
}
