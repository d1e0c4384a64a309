"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { useDateTime } from "@/components/format";
import { serverFieldMessages, validate, type FieldMessages } from "@/components/forms";
import { useMe } from "@/components/use-me";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Field, Input, Select } from "@/components/ui/input";
import { Table, Td, Th } from "@/components/ui/table";
import { ROLES, createUserRequest, type Role } from "@/domain/user";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";

const EMPTY = { name: "", email: "", password: "", role: "viewer" as Role };

export function UserList() {
  const t = useTranslations("users");
  const tc = useTranslations("common");
  const tr = useTranslations("roles");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const locale = useCairnLocale();
  const when = useDateTime();
  const { user: me } = useMe();
  const users = useQuery(trpc.user.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [values, setValues] = useState(EMPTY);
  const [fields, setFields] = useState<FieldMessages>({});
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.user.list.queryKey() });
  const create = useMutation(
    trpc.user.create.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        setValues(EMPTY);
        setCreating(false);
      },
      onError: (e) => setFields(serverFieldMessages(cairnErrorOf(e), locale)),
    }),
  );
  const setRole = useMutation(trpc.user.setRole.mutationOptions({ onSettled: invalidate }));
  const remove = useMutation(trpc.user.delete.mutationOptions({ onSettled: invalidate }));

  return (
    <>
      <PageHeader title={t("title")} description={t("description")} actions={<Button onClick={() => setCreating(true)}>{t("create")}</Button>} />
      <ErrorNotice error={users.error ?? setRole.error ?? remove.error} />
      <Table>
        <thead>
          <tr>
            <Th>{t("email")}</Th>
            <Th>{t("name")}</Th>
            <Th>{t("role")}</Th>
            <Th>{tc("created")}</Th>
            <Th />
          </tr>
        </thead>
        <tbody>
          {users.data?.map((u) => (
            <tr key={u.id}>
              <Td className="font-mono">{u.email}</Td>
              <Td>{u.name}</Td>
              <Td>
                <Select
                  aria-label={t("roleOf", { email: u.email })}
                  className="h-8 w-36"
                  value={u.role}
                  disabled={u.id === me?.id}
                  onChange={(e) => setRole.mutate({ id: u.id, role: e.target.value as Role })}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {tr(r)}
                    </option>
                  ))}
                </Select>
              </Td>
              <Td className="text-zinc-500">{when(u.createdAt)}</Td>
              <Td className="text-right">
                {u.id !== me?.id ? (
                  <Button variant="ghost" size="sm" onClick={() => remove.mutate({ id: u.id })}>
                    {tc("delete")}
                  </Button>
                ) : null}
              </Td>
            </tr>
          ))}
        </tbody>
      </Table>
      <p className="mt-3 text-xs text-zinc-500">{t("rolesExplained")}</p>

      <Dialog open={creating} onClose={() => setCreating(false)} title={t("createTitle")}>
        <form
          className="space-y-3"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const checked = validate(createUserRequest, values, locale);
            if (!checked.ok) return setFields(checked.fields);
            setFields({});
            create.mutate(checked.data);
          }}
        >
          <Field label={t("name")} htmlFor="user-name" error={fields.name}>
            <Input id="user-name" value={values.name} onChange={(e) => setValues((v) => ({ ...v, name: e.target.value }))} />
          </Field>
          <Field label={t("email")} htmlFor="user-email" error={fields.email}>
            <Input id="user-email" type="email" value={values.email} onChange={(e) => setValues((v) => ({ ...v, email: e.target.value }))} />
          </Field>
          <Field label={t("password")} htmlFor="user-password" error={fields.password} help={t("passwordHelp")}>
            <Input id="user-password" type="password" autoComplete="new-password" value={values.password} onChange={(e) => setValues((v) => ({ ...v, password: e.target.value }))} />
          </Field>
          <Field label={t("role")} htmlFor="user-role" error={fields.role}>
            <Select id="user-role" value={values.role} onChange={(e) => setValues((v) => ({ ...v, role: e.target.value as Role }))}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {tr(r)}
                </option>
              ))}
            </Select>
          </Field>
          {create.error && !cairnErrorOf(create.error)?.fields ? <ErrorNotice error={create.error} /> : null}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setCreating(false)}>
              {tc("cancel")}
            </Button>
            <Button type="submit" disabled={create.isPending}>
              {t("create")}
            </Button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
