"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useCallback, useEffect, useState } from "react";
import { ClusterFields, type ClusterFieldValues } from "@/components/clusters/cluster-fields";
import { ErrorNotice } from "@/components/error-notice";
import { serverFieldMessages, validate, type FieldMessages } from "@/components/forms";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, Select } from "@/components/ui/input";
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
  const [values, setValues] = useState<ClusterFieldValues & { regionId: string }>({
    regionId: defaultRegionId ?? "",
    name: "",
    displayName: "",
    kind: "hyperconverged",
    releaseId: "",
  });
  const [fields, setFields] = useState<FieldMessages>({});

  const change = useCallback(
    (patch: Partial<ClusterFieldValues>) => setValues((v) => ({ ...v, ...patch })),
    [],
  );

  // The only region, once the choices are known.
  useEffect(() => {
    setValues((v) => ({
      ...v,
      regionId:
        v.regionId || (regions.data?.items.length === 1 ? (regions.data.items[0]?.id ?? "") : ""),
    }));
  }, [regions.data]);

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
        <ClusterFields
          idPrefix="cluster"
          values={values}
          onChange={change}
          fields={fields}
          enabled={open}
        />
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
