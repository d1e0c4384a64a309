"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { serverFieldMessages, validate, type FieldMessages } from "@/components/forms";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Field, Input, Textarea } from "@/components/ui/input";
import { createRegionRequest } from "@/domain/region";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";

const EMPTY = { name: "", displayName: "", description: "" };

export function CreateRegionDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useTranslations("regions");
  const tc = useTranslations("common");
  const locale = useCairnLocale();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [values, setValues] = useState(EMPTY);
  const [fields, setFields] = useState<FieldMessages>({});
  const create = useMutation(
    trpc.region.create.mutationOptions({
      onSuccess: async (region) => {
        await queryClient.invalidateQueries({ queryKey: trpc.region.list.pathKey() });
        setValues(EMPTY);
        onClose();
        router.push(`/regions/${region.id}`);
      },
      onError: (e) => setFields(serverFieldMessages(cairnErrorOf(e), locale)),
    }),
  );

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const checked = validate(createRegionRequest, values, locale);
    if (!checked.ok) return setFields(checked.fields);
    setFields({});
    create.mutate(checked.data);
  }

  const set = (key: keyof typeof values) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
    setValues((v) => ({ ...v, [key]: e.target.value }));

  return (
    <Dialog open={open} onClose={onClose} title={t("createTitle")}>
      <form onSubmit={submit} className="space-y-3" noValidate>
        <Field label={t("name")} htmlFor="region-name" error={fields.name} help={t("nameHelp")}>
          <Input id="region-name" className="font-mono" value={values.name} onChange={set("name")} aria-invalid={Boolean(fields.name)} />
        </Field>
        <Field label={t("displayName")} htmlFor="region-display" error={fields.displayName}>
          <Input id="region-display" value={values.displayName} onChange={set("displayName")} aria-invalid={Boolean(fields.displayName)} />
        </Field>
        <Field label={t("descriptionLabel")} htmlFor="region-description" error={fields.description}>
          <Textarea id="region-description" rows={3} value={values.description} onChange={set("description")} />
        </Field>
        {create.error && !cairnErrorOf(create.error)?.fields ? <ErrorNotice error={create.error} /> : null}
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
