"use client";
import { useQuery } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useEffect } from "react";
import type { FieldMessages } from "@/components/forms";
import { Field, Input, Select } from "@/components/ui/input";
import { CLUSTER_KINDS, type ClusterKind } from "@/domain/model";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";

export interface ClusterFieldValues {
  name: string;
  displayName: string;
  kind: ClusterKind;
  releaseId: string;
}

/**
 * The fields that define a new cluster — name, display name, kind, release (only valid bundles) —
 * for the Clusters page's dialog and the wizard's cluster step. The newest release is chosen
 * until the operator picks one.
 */
export function ClusterFields({
  idPrefix,
  values,
  onChange,
  fields,
  enabled = true,
}: {
  idPrefix: string;
  values: ClusterFieldValues;
  onChange: (patch: Partial<ClusterFieldValues>) => void;
  fields: FieldMessages;
  enabled?: boolean;
}) {
  const t = useTranslations("clusters");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  // Only valid bundles can build a cluster (an invalid one is listed on the Releases page with its
  // problems).
  const releases = useQuery(
    trpc.release.list.queryOptions(undefined, {
      enabled,
      select: (list) => list.filter((r) => r.ok),
    }),
  );
  const newest = releases.data?.at(-1)?.id;
  useEffect(() => {
    if (!values.releaseId && newest) onChange({ releaseId: newest });
  }, [values.releaseId, newest, onChange]);
  return (
    <>
      <Field
        label={t("name")}
        htmlFor={`${idPrefix}-name`}
        error={fields.name}
        help={t("nameHelp")}
      >
        <Input
          id={`${idPrefix}-name`}
          className="font-mono"
          value={values.name}
          onChange={(e) => onChange({ name: e.target.value })}
          aria-invalid={Boolean(fields.name)}
        />
      </Field>
      <Field
        label={t("displayName")}
        htmlFor={`${idPrefix}-display`}
        error={fields.displayName}
        help={t("displayNameHelp")}
      >
        <Input
          id={`${idPrefix}-display`}
          value={values.displayName}
          onChange={(e) => onChange({ displayName: e.target.value })}
        />
      </Field>
      <Field
        label={t("kind")}
        htmlFor={`${idPrefix}-kind`}
        error={fields.kind}
        help={t(`kindHelp.${values.kind}`)}
      >
        <Select
          id={`${idPrefix}-kind`}
          value={values.kind}
          onChange={(e) => onChange({ kind: e.target.value as ClusterKind })}
        >
          {CLUSTER_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`kinds.${k}`)}
            </option>
          ))}
        </Select>
      </Field>
      <Field label={t("release")} htmlFor={`${idPrefix}-release`} error={fields.releaseId}>
        <Select
          id={`${idPrefix}-release`}
          value={values.releaseId}
          onChange={(e) => onChange({ releaseId: e.target.value })}
        >
          {releases.data?.map((r) => (
            <option key={r.id} value={r.id}>
              {r.id} — {r.description[locale]}
            </option>
          ))}
        </Select>
      </Field>
    </>
  );
}
