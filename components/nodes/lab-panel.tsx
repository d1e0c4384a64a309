"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { STEP_ID_PATTERN } from "@/domain/taskgraph/schema";
import { useTRPC } from "@/lib/trpc";

/**
 * Lab mode (`npm start -- --lab N`): administrators start lab nodes on this host — synthetic
 * machines whose agents register like real ones and run steps for real. Hidden otherwise.
 */
export function LabPanel() {
  const t = useTranslations("lab");
  const tf = useTranslations("taskLab");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.lab.status.queryOptions(undefined, { refetchInterval: 10_000 }));
  const [count, setCount] = useState("3");
  const [failOnce, setFailOnce] = useState("");
  const [slow, setSlow] = useState("");
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
  // Failure drills: the first attempt of these graph steps fails in every task on the new nodes.
  const failSteps = failOnce
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const badStep = failSteps.find((s) => !STEP_ID_PATTERN.test(s));
  const slowSeconds = slow.trim() === "" ? undefined : Number(slow);
  const slowValid = slowSeconds === undefined || (slowSeconds >= 0 && slowSeconds <= 600);
  const valid = Number.isInteger(n) && n >= 1 && n <= 500 && badStep === undefined && slowValid;
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
          if (valid)
            add.mutate({
              count: n,
              ...(failSteps.length ? { failOnce: failSteps } : {}),
              ...(slowSeconds !== undefined ? { slowSeconds } : {}),
            });
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
        <label htmlFor="lab-fail-once" className="text-zinc-600 dark:text-zinc-400">
          {tf("failOnce")}
        </label>
        <Input
          id="lab-fail-once"
          placeholder={tf("failOncePlaceholder")}
          title={tf("failOnceHelp")}
          aria-invalid={badStep !== undefined}
          aria-describedby="lab-fail-once-help"
          value={failOnce}
          onChange={(e) => setFailOnce(e.target.value)}
          className="w-36"
        />
        <label htmlFor="lab-slow" className="text-zinc-600 dark:text-zinc-400">
          {tf("slow")}
        </label>
        <Input
          id="lab-slow"
          type="number"
          min={0}
          max={600}
          step="0.5"
          placeholder="0"
          aria-invalid={!slowValid}
          value={slow}
          onChange={(e) => setSlow(e.target.value)}
          className="w-20"
        />
        <Button type="submit" disabled={!valid || add.isPending}>
          {add.isPending
            ? t("starting")
            : t("add", { count: Number.isInteger(n) && n > 0 ? n : 0 })}
        </Button>
      </form>
      <p id="lab-fail-once-help" className="w-full text-xs text-zinc-600 dark:text-zinc-400">
        {badStep !== undefined ? (
          <span className="text-red-700 dark:text-red-400">{tf("badStep", { step: badStep })}</span>
        ) : (
          tf("failOnceHelp")
        )}
      </p>
      {status.data.batches.some((b) => b.failOnce.length > 0) ? (
        <ul className="w-full text-xs text-zinc-600 dark:text-zinc-400" data-testid="lab-fail-once">
          {status.data.batches
            .filter((b) => b.failOnce.length > 0)
            .map((b) => (
              <li key={b.firstIndex}>
                {tf("batchFailOnce", {
                  first: b.firstIndex + 1,
                  last: b.firstIndex + b.nodes,
                  steps: b.failOnce.join(", "),
                })}
              </li>
            ))}
        </ul>
      ) : null}
      {add.error ? (
        <div className="w-full">
          <ErrorNotice error={add.error} />
        </div>
      ) : null}
    </section>
  );
}
