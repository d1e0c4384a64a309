"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { ErrorNotice } from "@/components/error-notice";
import { Button } from "@/components/ui/button";
import { WIZARD_STEPS, type WizardStep } from "@/domain/model";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { useWizard, useWizardUpdate } from "./use-wizard";

/**
 * Back and Next of a step. Next confirms the step on the server (refused while the step owns a
 * blocking finding) and moves on; while it cannot, it is disabled and says why.
 */
export function StepFooter({
  clusterId,
  step,
  beforeNext,
  nextLabel,
  unsaved = false,
}: {
  clusterId: string;
  step: WizardStep;
  /** Saves the step's unsaved form first; false stops (the form shows why). */
  beforeNext?: () => Promise<boolean>;
  /**
   * The form holds unsaved changes: the server's verdict is about what is saved, so Next saves
   * first and then asks (a refusal of either is shown).
   */
  unsaved?: boolean;
  nextLabel?: string;
}) {
  const t = useTranslations("install");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const router = useRouter();
  const wizard = useWizard(clusterId);
  const update = useWizardUpdate(clusterId);
  const confirm = useMutation(trpc.wizard.confirmStep.mutationOptions({ onSuccess: update }));
  const i = WIZARD_STEPS.indexOf(step);
  const prev = WIZARD_STEPS[i - 1];
  const next = WIZARD_STEPS[i + 1];
  const verdict = wizard.data?.steps.find((s) => s.step === step)?.next;
  const refused = !unsaved && verdict && !verdict.allowed ? verdict.reason?.[locale] : null;
  return (
    <div className="space-y-2 border-t border-zinc-200 pt-4 dark:border-zinc-800">
      {confirm.error ? <ErrorNotice error={confirm.error} /> : null}
      <div className="flex items-center gap-3">
        {prev ? (
          <Button variant="secondary" onClick={() => router.push(`/install/${clusterId}/${prev}`)}>
            {t("back")}
          </Button>
        ) : null}
        <Button
          data-testid="wizard-next"
          disabled={Boolean(refused) || confirm.isPending}
          onClick={async () => {
            if (beforeNext && !(await beforeNext())) return;
            // A refusal is shown from confirm.error; it only stops the move here.
            const confirmed = await confirm.mutateAsync({ clusterId, step }).then(
              () => true,
              () => false,
            );
            if (confirmed && next) router.push(`/install/${clusterId}/${next}`);
          }}
        >
          {nextLabel ?? (unsaved ? t("saveAndNext") : t("next"))}
        </Button>
        {refused ? (
          <p className="text-sm text-red-700 dark:text-red-400" data-testid="wizard-next-reason">
            {refused}
          </p>
        ) : null}
      </div>
    </div>
  );
}
