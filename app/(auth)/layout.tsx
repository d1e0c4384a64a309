import type { ReactNode } from "react";
import { LanguageSwitcher } from "@/components/shell/language-switcher";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center gap-6 p-6">
      <div className="absolute top-4 right-4">
        <LanguageSwitcher />
      </div>
      <div className="flex items-center gap-2 text-2xl font-semibold tracking-tight">
        <span aria-hidden className="inline-block h-6 w-6 rounded bg-sky-700" />
        Cairn
      </div>
      <div className="w-full max-w-sm">{children}</div>
    </main>
  );
}
