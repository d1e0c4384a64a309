"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { useTRPC } from "@/lib/trpc";

/**
 * Lab mode (`npm start -- --lab N`): administrators start lab nodes on this host — synthetic
 * machines whose agents register like real ones and run steps for real. Hidden otherwise.
 */
export function LabPanel() {
  const t = useTranslations("lab");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.lab.status.queryOptions(undefined, { refetchInterval: 10_000 }));
  const [count, setCount] = useState("3");
  const add = useMutation(
    trpc.lab.addNodes.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.lab.status.queryKey() });
        // Registrations arrive over the next seconds; the node list refreshes on its own, sooner
        // with a nudge.
        for (const delay of [1500, 4000, 8000])
          setTimeout(
            () => void queryClient.invalidateQueries({ queryKey: trpc.node.pathKey() }),
            delay,
          );
      },
    }),
  );
  if (!status.data?.enabled) return null;
  const n = Number(count);
  const valid = Number.isInteger(n) && n >= 1 && n <= 500;
  return (
    <section
      aria-label={t("title")}
      className="mb-4 flex flex-wrap items-center gap-3 rounded-md border border-dashed border-amber-400 bg-amber-50 px-4 py-3 text-sm dark:border-amber-700 dark:bg-amber-950/30"
    >
      <div className="min-w-0 flex-1">
        <p className="font-medium">{t("title")}</p>
        <p className="text-zinc-600 dark:text-zinc-400">
          {t("running", { count: status.data.nodes })}
        </p>
      </div>
      <form
        className="flex items-center gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) add.mutate({ count: n });
        }}
      >
        <label htmlFor="lab-count" className="text-zinc-600 dark:text-zinc-400">
          {t("count")}
        </label>
        <Input
          id="lab-count"
          type="number"
          min={1}
          max={500}
          value={count}
          onChange={(e) => setCount(e.target.value)}
          className="w-20"
        />
        <Button type="submit" disabled={!valid || add.isPending}>
          {add.isPending ? t("starting") : t("add", { count: valid ? n : 0 })}
        </Button>
      </form>
      {add.error ? (
        <div className="w-full">
          <ErrorNotice error={add.error} />
        </div>
      ) : null}
    </section>
  );
}
