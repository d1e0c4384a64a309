"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { serverFieldMessages, validate, type FieldMessages } from "@/components/forms";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { Field, Input } from "@/components/ui/input";
import { createRegionRequest } from "@/domain/region";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { WizardSteps } from "./wizard-steps";

/**
 * Step 1 of the installation wizard: pick the region the cluster goes into, or create one. Drafts
 * (clusters not deployed yet) are listed so the operator — or a colleague — continues one.
 */
export function RegionStep() {
  const t = useTranslations("install");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const regions = useQuery(trpc.region.list.queryOptions({ limit: 200, sort: "name" }));
  const drafts = useQuery(
    trpc.cluster.list.queryOptions({ limit: 50, sort: "name", status: ["new"] }),
  );
  const [values, setValues] = useState({ name: "", displayName: "", description: "" });
  const [fields, setFields] = useState<FieldMessages>({});
  const create = useMutation(
    trpc.region.create.mutationOptions({
      onSuccess: async (region) => {
        await queryClient.invalidateQueries({ queryKey: trpc.region.pathKey() });
        router.push(`/install/cluster?region=${region.id}`);
      },
      onError: (e) => setFields(serverFieldMessages(cairnErrorOf(e), locale)),
    }),
  );

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const input = { ...values, displayName: values.displayName || values.name };
    const checked = validate(createRegionRequest, input, locale);
    if (!checked.ok) return setFields(checked.fields);
    setFields({});
    create.mutate(checked.data);
  }

  return (
    <div className="flex gap-6">
      <WizardSteps current="region" />
      <div className="min-w-0 flex-1 space-y-4">
        <PageHeader title={t("region.title")} description={t("region.intro")} />
        {drafts.data?.items.length ? (
          <Card className="p-4">
            <h2 className="mb-2 text-sm font-semibold">{t("region.drafts")}</h2>
            <ul className="divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
              {drafts.data.items.map((c) => (
                <li key={c.id} className="flex items-center gap-3 py-2">
                  <span className="font-mono">{c.name}</span>
                  <span className="text-zinc-500">{c.regionName}</span>
                  <Link
                    href={`/install/${c.id}`}
                    className="ml-auto text-sky-700 hover:underline dark:text-sky-400"
                  >
                    {t("region.continue")}
                  </Link>
                </li>
              ))}
            </ul>
          </Card>
        ) : null}
        <Card className="p-4">
          <h2 className="mb-2 text-sm font-semibold">{t("region.pick")}</h2>
          {regions.data?.items.length ? (
            <ul className="grid gap-2 sm:grid-cols-2">
              {regions.data.items.map((r) => (
                <li key={r.id}>
                  <Link
                    href={`/install/cluster?region=${r.id}`}
                    className="block rounded-md border border-zinc-200 px-3 py-2 hover:border-sky-600 dark:border-zinc-700"
                    data-testid={`pick-region-${r.name}`}
                  >
                    <span className="font-medium">{r.displayName}</span>{" "}
                    <span className="font-mono text-xs text-zinc-500">{r.name}</span>
                  </Link>
                </li>
              ))}
            </ul>
          ) : (
            <p className="text-sm text-zinc-500">{t("region.none")}</p>
          )}
        </Card>
        <Card className="p-4">
          <h2 className="mb-2 text-sm font-semibold">{t("region.create")}</h2>
          <p className="mb-3 text-sm text-amber-700 dark:text-amber-400">{t("region.immutable")}</p>
          <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2" noValidate>
            <Field
              label={t("region.name")}
              htmlFor="wizard-region-name"
              error={fields.name}
              help={t("region.nameHelp")}
            >
              <Input
                id="wizard-region-name"
                className="font-mono"
                value={values.name}
                onChange={(e) => setValues((v) => ({ ...v, name: e.target.value }))}
                aria-invalid={Boolean(fields.name)}
              />
            </Field>
            <Field
              label={t("region.displayName")}
              htmlFor="wizard-region-display"
              error={fields.displayName}
            >
              <Input
                id="wizard-region-display"
                value={values.displayName}
                onChange={(e) => setValues((v) => ({ ...v, displayName: e.target.value }))}
              />
            </Field>
            {create.error && !cairnErrorOf(create.error)?.fields ? (
              <div className="sm:col-span-2">
                <ErrorNotice error={create.error} />
              </div>
            ) : null}
            <div className="sm:col-span-2">
              <Button type="submit" disabled={create.isPending}>
                {t("region.createAndContinue")}
              </Button>
            </div>
          </form>
        </Card>
      </div>
    </div>
  );
}
