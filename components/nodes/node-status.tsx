"use client";
import { useTranslations } from "next-intl";
import type { ComponentProps } from "react";
import { Badge } from "@/components/ui/card";
import type { NodeStatus } from "@/domain/model";
import { cn } from "@/lib/utils";

type Tone = NonNullable<ComponentProps<typeof Badge>["tone"]>;

const TONE: Record<Exclude<NodeStatus, "offline">, Tone> = {
  discovered: "info",
  assigned: "info",
  provisioning: "warn",
  provisioned: "info",
  deploying: "warn",
  ready: "ok",
  error: "bad",
  maintenance: "warn",
  removing: "warn",
  removed: "neutral",
};

/**
 * The displayed status. `offline` is not a lifecycle step but a silent agent, so it looks unlike
 * every other status (solid dark, hollow dot): an operator scanning a long list must not miss it.
 */
export function NodeStatusBadge({
  status,
  className,
  ...props
}: { status: NodeStatus } & ComponentProps<"span">) {
  const t = useTranslations("nodes.statuses");
  if (status === "offline")
    return (
      <Badge
        data-status={status}
        className={cn(
          "gap-1 bg-zinc-800 text-zinc-50 dark:bg-zinc-200 dark:text-zinc-900",
          className,
        )}
        {...props}
      >
        <span aria-hidden className="inline-block h-1.5 w-1.5 rounded-full border border-current" />
        {t(status)}
      </Badge>
    );
  return (
    <Badge data-status={status} tone={TONE[status]} className={className} {...props}>
      {t(status)}
    </Badge>
  );
}
