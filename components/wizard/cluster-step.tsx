"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useCallback, useState } from "react";
import { ClusterFields, type ClusterFieldValues } from "@/components/clusters/cluster-fields";
import { ErrorNotice } from "@/components/error-notice";
import { serverFieldMessages, validate, type FieldMessages } from "@/components/forms";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { createClusterRequest } from "@/domain/region";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { WizardSteps } from "./wizard-steps";

/**
 * Step 2: name, kind and release of the new cluster. Saving creates the draft cluster (status
 * `new`) that every later step reads and writes, so the wizard survives reloads and can be
 * continued by a colleague.
 */
export function ClusterStep({ regionId }: { regionId: string }) {
  const t = useTranslations("install");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const region = useQuery(trpc.region.get.queryOptions({ id: regionId }));
  const [values, setValues] = useState<ClusterFieldValues>({
    name: "",
    displayName: "",
    kind: "hyperconverged",
    releaseId: "",
  });
  const change = useCallback(
    (patch: Partial<ClusterFieldValues>) => setValues((v) => ({ ...v, ...patch })),
    [],
  );
  const [fields, setFields] = useState<FieldMessages>({});
  const confirm = useMutation(trpc.wizard.confirmStep.mutationOptions());
  const create = useMutation(
    trpc.cluster.create.mutationOptions({
      onSuccess: async (cluster) => {
        await confirm.mutateAsync({ clusterId: cluster.id, step: "region" });
        await confirm.mutateAsync({ clusterId: cluster.id, step: "cluster" });
        await queryClient.invalidateQueries({ queryKey: trpc.cluster.pathKey() });
        router.push(`/install/${cluster.id}/discover`);
      },
      onError: (e) => setFields(serverFieldMessages(cairnErrorOf(e), locale)),
    }),
  );

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const input = { ...values, regionId, displayName: values.displayName || values.name };
    const checked = validate(createClusterRequest, input, locale);
    if (!checked.ok) return setFields(checked.fields);
    setFields({});
    create.mutate(checked.data);
  }

  return (
    <div className="flex gap-6">
      <WizardSteps current="cluster" />
      <div className="min-w-0 flex-1 space-y-4">
        <PageHeader
          title={t("cluster.title")}
          description={t("cluster.intro", { region: region.data?.displayName ?? "…" })}
        />
        <Card className="p-4">
          <form onSubmit={submit} className="grid max-w-xl gap-3" noValidate>
            <ClusterFields
              idPrefix="wizard-cluster"
              values={values}
              onChange={change}
              fields={fields}
            />
            {create.error && !cairnErrorOf(create.error)?.fields ? (
              <ErrorNotice error={create.error} />
            ) : null}
            <div className="flex gap-2">
              <Button variant="secondary" onClick={() => router.push("/install")}>
                {t("back")}
              </Button>
              <Button type="submit" disabled={create.isPending || confirm.isPending}>
                {t("cluster.createAndContinue")}
              </Button>
            </div>
          </form>
        </Card>
      </div>
    </div>
  );
}
