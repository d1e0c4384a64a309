"use client";
import { useTranslations } from "next-intl";
import type { Condition, Selector, Strategy } from "@/domain/taskgraph/schema";

/** A step's selector, condition, timeout and strategy in the operator's words. */
export function useStepWords() {
  const t = useTranslations("release");
  return {
    /** "All nodes", "Services: nova-compute", "Roles: controller or Tags: gpu"… (a node matches any). */
    selector(s: Selector): string {
      const parts: string[] = [];
      if (s.all) parts.push(t("selector.all"));
      if (s.provisioningNode) parts.push(t("selector.provisioningNode"));
      if (s.roles?.length) parts.push(t("selector.roles", { names: s.roles.join(", ") }));
      if (s.services?.length) parts.push(t("selector.services", { names: s.services.join(", ") }));
      if (s.tags?.length) parts.push(t("selector.tags", { names: s.tags.join(", ") }));
      // `all` already covers every other clause.
      return s.all ? t("selector.all") : parts.join(t("selector.or"));
    },
    condition(c: Condition): string {
      return c.when === "settings-changed"
        ? t("conditions.settings-changed", { settings: (c.settings ?? []).join(", ") })
        : t(`conditions.${c.when}`);
    },
    timeout(seconds: number): string {
      if (seconds % 3600 === 0) return t("hours", { n: seconds / 3600 });
      if (seconds % 60 === 0) return t("minutes", { n: seconds / 60 });
      return t("seconds", { n: seconds });
    },
    strategy(s: Strategy): string {
      if (s.type === "one_by_one") return t("oneByOne");
      return s.amount === undefined ? t("parallel") : t("parallelAmount", { amount: s.amount });
    },
  };
}
