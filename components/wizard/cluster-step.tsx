"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { serverFieldMessages, validate, type FieldMessages } from "@/components/forms";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { Field, Input, Select } from "@/components/ui/input";
import { CLUSTER_KINDS, type ClusterKind } from "@/domain/model";
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
  const tc = useTranslations("clusters");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const region = useQuery(trpc.region.get.queryOptions({ id: regionId }));
  const releases = useQuery(
    trpc.release.list.queryOptions(undefined, { select: (list) => list.filter((r) => r.ok) }),
  );
  const [values, setValues] = useState({
    name: "",
    displayName: "",
    kind: "hyperconverged" as ClusterKind,
    releaseId: "",
  });
  const [fields, setFields] = useState<FieldMessages>({});
  useEffect(() => {
    setValues((v) => ({ ...v, releaseId: v.releaseId || (releases.data?.at(-1)?.id ?? "") }));
  }, [releases.data]);
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
            <Field
              label={tc("name")}
              htmlFor="wizard-cluster-name"
              error={fields.name}
              help={tc("nameHelp")}
            >
              <Input
                id="wizard-cluster-name"
                className="font-mono"
                value={values.name}
                onChange={(e) => setValues((v) => ({ ...v, name: e.target.value }))}
                aria-invalid={Boolean(fields.name)}
              />
            </Field>
            <Field
              label={tc("displayName")}
              htmlFor="wizard-cluster-display"
              error={fields.displayName}
            >
              <Input
                id="wizard-cluster-display"
                value={values.displayName}
                onChange={(e) => setValues((v) => ({ ...v, displayName: e.target.value }))}
              />
            </Field>
            <Field
              label={tc("kind")}
              htmlFor="wizard-cluster-kind"
              error={fields.kind}
              help={tc(`kindHelp.${values.kind}`)}
            >
              <Select
                id="wizard-cluster-kind"
                value={values.kind}
                onChange={(e) => setValues((v) => ({ ...v, kind: e.target.value as ClusterKind }))}
              >
                {CLUSTER_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {tc(`kinds.${k}`)}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label={tc("release")} htmlFor="wizard-cluster-release" error={fields.releaseId}>
              <Select
                id="wizard-cluster-release"
                value={values.releaseId}
                onChange={(e) => setValues((v) => ({ ...v, releaseId: e.target.value }))}
              >
                {releases.data?.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.id} — {r.description[locale]}
                  </option>
                ))}
              </Select>
            </Field>
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
