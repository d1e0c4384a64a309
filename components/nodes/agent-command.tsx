"use client";
import { useTranslations } from "next-intl";
import { useState, useSyncExternalStore, type ComponentProps } from "react";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";

const noSubscription = () => () => {};

/** The console's own address, which is what agents on the site network reach it by. */
export function useOrigin(): string {
  return useSyncExternalStore(
    noSubscription,
    () => window.location.origin,
    () => "",
  );
}

export function agentCommand(origin: string, token: string): string {
  return `npx cairn-agent --server ${origin} --token ${token}`;
}

/** Copies to the clipboard and says whether it worked; where the browser refuses, the text stays selectable. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const t = useTranslations("tokens");
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <span className="inline-flex items-center gap-2">
      <Button
        variant="secondary"
        size="sm"
        onClick={async () => {
          try {
            await window.navigator.clipboard.writeText(text);
            setState("copied");
          } catch {
            setState("failed");
          }
        }}
      >
        {label}
      </Button>
      <span role="status" className="text-xs text-zinc-500">
        {state === "copied" ? t("copied") : state === "failed" ? t("copyFailed") : null}
      </span>
    </span>
  );
}

/** A command or secret in a box that selects whole on click, so copying by hand is one gesture. */
export function CodeBlock({
  children,
  className,
  ...props
}: { children: string } & ComponentProps<"pre">) {
  return (
    <pre
      className={cn(
        "overflow-x-auto rounded-md border border-zinc-200 bg-zinc-50 px-3 py-2 font-mono text-xs break-all whitespace-pre-wrap text-zinc-900 select-all dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-100",
        className,
      )}
      {...props}
    >
      {children}
    </pre>
  );
}
