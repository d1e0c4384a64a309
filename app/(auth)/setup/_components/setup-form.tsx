"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { serverFieldMessages, validate, type FieldMessages } from "@/components/forms";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field, Input } from "@/components/ui/input";
import { authClient } from "@/lib/auth-client";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import { setupRequest } from "@/domain/user";

export function SetupForm() {
  const t = useTranslations("auth");
  const locale = useCairnLocale();
  const router = useRouter();
  const trpc = useTRPC();
  const [values, setValues] = useState({ name: "Administrator", email: "", password: "", confirm: "" });
  const [fields, setFields] = useState<FieldMessages>({});
  const create = useMutation(trpc.setup.createAdmin.mutationOptions());

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const checked = validate(setupRequest, values, locale);
    const mismatch: FieldMessages = values.password !== values.confirm ? { confirm: t("passwordsDiffer") } : {};
    if (!checked.ok || mismatch.confirm) {
      setFields({ ...(checked.ok ? {} : checked.fields), ...mismatch });
      return;
    }
    setFields({});
    try {
      await create.mutateAsync(checked.data);
    } catch (err) {
      setFields(serverFieldMessages(cairnErrorOf(err), locale));
      return;
    }
    await authClient.signIn.email({ email: checked.data.email, password: checked.data.password });
    router.replace("/");
    router.refresh();
  }

  const set = (key: keyof typeof values) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setValues((v) => ({ ...v, [key]: e.target.value }));

  return (
    <Card>
      <h1 className="text-lg font-semibold">{t("setupTitle")}</h1>
      <p className="mt-1 mb-4 text-sm text-zinc-500">{t("setupIntro")}</p>
      <form onSubmit={submit} className="space-y-3" noValidate>
        <Field label={t("name")} htmlFor="name" error={fields.name}>
          <Input id="name" value={values.name} onChange={set("name")} aria-invalid={Boolean(fields.name)} />
        </Field>
        <Field label={t("email")} htmlFor="email" error={fields.email}>
          <Input id="email" type="email" autoComplete="username" value={values.email} onChange={set("email")} aria-invalid={Boolean(fields.email)} />
        </Field>
        <Field label={t("password")} htmlFor="password" error={fields.password} help={t("passwordHelp")}>
          <Input id="password" type="password" autoComplete="new-password" value={values.password} onChange={set("password")} aria-invalid={Boolean(fields.password)} />
        </Field>
        <Field label={t("confirmPassword")} htmlFor="confirm" error={fields.confirm}>
          <Input id="confirm" type="password" autoComplete="new-password" value={values.confirm} onChange={set("confirm")} aria-invalid={Boolean(fields.confirm)} />
        </Field>
        {create.error && !cairnErrorOf(create.error)?.fields ? <ErrorNotice error={create.error} /> : null}
        <Button type="submit" className="w-full" disabled={create.isPending}>
          {t("createAdmin")}
        </Button>
      </form>
    </Card>
  );
}
