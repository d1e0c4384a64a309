"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { serverFieldMessages, validate, type FieldMessages } from "@/components/forms";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, Input, Select } from "@/components/ui/input";
import { CLUSTER_KINDS } from "@/domain/model";
import { createClusterRequest } from "@/domain/region";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";

export function CreateClusterDialog({
  open,
  onClose,
  defaultRegionId,
}: {
  open: boolean;
  onClose: () => void;
  defaultRegionId?: string;
}) {
  const t = useTranslations("clusters");
  const tc = useTranslations("common");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const regions = useQuery(
    trpc.region.list.queryOptions({ limit: 200, sort: "name" }, { enabled: open }),
  );
  // Only valid bundles can build a cluster (an invalid one is listed on the Releases page with its
  // problems).
  const releases = useQuery(
    trpc.release.list.queryOptions(undefined, {
      enabled: open,
      select: (list) => list.filter((r) => r.ok),
    }),
  );
  const [values, setValues] = useState({
    regionId: defaultRegionId ?? "",
    name: "",
    displayName: "",
    kind: "hyperconverged" as (typeof CLUSTER_KINDS)[number],
    releaseId: "",
  });
  const [fields, setFields] = useState<FieldMessages>({});

  // Fill sensible defaults once the choices are known: the only region, the newest release.
  useEffect(() => {
    setValues((v) => ({
      ...v,
      regionId:
        v.regionId || (regions.data?.items.length === 1 ? (regions.data.items[0]?.id ?? "") : ""),
      releaseId: v.releaseId || (releases.data?.at(-1)?.id ?? ""),
    }));
  }, [regions.data, releases.data]);

  const create = useMutation(
    trpc.cluster.create.mutationOptions({
      onSuccess: async (cluster) => {
        await queryClient.invalidateQueries({ queryKey: trpc.cluster.pathKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.region.pathKey() });
        router.push(`/clusters/${cluster.id}`);
      },
      onError: (e) => setFields(serverFieldMessages(cairnErrorOf(e), locale)),
    }),
  );

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const input = { ...values, displayName: values.displayName || values.name };
    const checked = validate(createClusterRequest, input, locale);
    if (!checked.ok) return setFields(checked.fields);
    setFields({});
    create.mutate(checked.data);
  }

  return (
    <Dialog open={open} onClose={onClose} title={t("createTitle")}>
      <form onSubmit={submit} className="space-y-3" noValidate>
        <Field label={t("region")} htmlFor="cluster-region" error={fields.regionId}>
          <Select
            id="cluster-region"
            value={values.regionId}
            onChange={(e) => setValues((v) => ({ ...v, regionId: e.target.value }))}
            aria-invalid={Boolean(fields.regionId)}
          >
            <option value="">{t("chooseRegion")}</option>
            {regions.data?.items.map((r) => (
              <option key={r.id} value={r.id}>
                {r.displayName} ({r.name})
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t("name")} htmlFor="cluster-name" error={fields.name} help={t("nameHelp")}>
          <Input
            id="cluster-name"
            className="font-mono"
            value={values.name}
            onChange={(e) => setValues((v) => ({ ...v, name: e.target.value }))}
            aria-invalid={Boolean(fields.name)}
          />
        </Field>
        <Field
          label={t("displayName")}
          htmlFor="cluster-display"
          error={fields.displayName}
          help={t("displayNameHelp")}
        >
          <Input
            id="cluster-display"
            value={values.displayName}
            onChange={(e) => setValues((v) => ({ ...v, displayName: e.target.value }))}
          />
        </Field>
        <Field
          label={t("kind")}
          htmlFor="cluster-kind"
          error={fields.kind}
          help={t(`kindHelp.${values.kind}`)}
        >
          <Select
            id="cluster-kind"
            value={values.kind}
            onChange={(e) =>
              setValues((v) => ({ ...v, kind: e.target.value as (typeof CLUSTER_KINDS)[number] }))
            }
          >
            {CLUSTER_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kinds.${k}`)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label={t("release")} htmlFor="cluster-release" error={fields.releaseId}>
          <Select
            id="cluster-release"
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
        <div className="flex justify-end gap-2 pt-2">
          <Button variant="secondary" onClick={onClose}>
            {tc("cancel")}
          </Button>
          <Button type="submit" disabled={create.isPending}>
            {t("create")}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
