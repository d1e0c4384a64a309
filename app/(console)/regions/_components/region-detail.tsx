"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { useDateTime } from "@/components/format";
import { serverFieldMessages, validate, type FieldMessages } from "@/components/forms";
import { useMe } from "@/components/use-me";
import { Button } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Field, Input, Textarea } from "@/components/ui/input";
import { Table, Td, Th } from "@/components/ui/table";
import { updateRegionRequest } from "@/domain/region";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";

export function RegionDetail({ id }: { id: string }) {
  const t = useTranslations("regions");
  const tc = useTranslations("common");
  const tcl = useTranslations("clusters");
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const locale = useCairnLocale();
  const when = useDateTime();
  const { canOperate, isAdmin } = useMe();
  const region = useQuery(trpc.region.get.queryOptions({ id }));
  const clusters = useQuery(trpc.cluster.list.queryOptions({ regionId: id, limit: 200 }));
  const [editing, setEditing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [values, setValues] = useState({ displayName: "", description: "" });
  const [fields, setFields] = useState<FieldMessages>({});

  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.region.pathKey() });
  const update = useMutation(
    trpc.region.update.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        setEditing(false);
      },
      onError: (e) => setFields(serverFieldMessages(cairnErrorOf(e), locale)),
    }),
  );
  const remove = useMutation(
    trpc.region.delete.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        router.push("/regions");
      },
    }),
  );

  if (region.error) return <ErrorNotice error={region.error} />;
  if (!region.data) return <p className="text-sm text-zinc-500">{tc("loading")}</p>;
  const r = region.data;

  return (
    <>
      <PageHeader
        title={r.displayName}
        description={r.description || undefined}
        actions={
          <>
            {canOperate ? (
              <Button
                variant="secondary"
                onClick={() => {
                  setValues({ displayName: r.displayName, description: r.description });
                  setFields({});
                  setEditing(true);
                }}
              >
                {tc("edit")}
              </Button>
            ) : null}
            {isAdmin ? (
              <Button variant="danger" onClick={() => setConfirmDelete(true)}>
                {tc("delete")}
              </Button>
            ) : null}
          </>
        }
      />
      <Card className="mb-6">
        <dl className="grid grid-cols-[10rem_1fr] gap-y-2 text-sm">
          <dt className="text-zinc-500">{t("name")}</dt>
          <dd className="font-mono">
            {r.name} <span className="ml-2 text-xs text-zinc-500">{t("nameImmutable")}</span>
          </dd>
          <dt className="text-zinc-500">{tc("created")}</dt>
          <dd>{when(r.createdAt)}</dd>
        </dl>
      </Card>
      <div className="mb-2 flex items-center justify-between">
        <h2 className="text-base font-semibold">{t("clusters")}</h2>
        {canOperate ? (
          <Link href={`/clusters?region=${r.id}&create=1`} className="text-sm text-sky-700 hover:underline dark:text-sky-400">
            {tcl("create")}
          </Link>
        ) : null}
      </div>
      <Table>
        <thead>
          <tr>
            <Th>{tcl("name")}</Th>
            <Th>{tcl("kind")}</Th>
            <Th>{tcl("status")}</Th>
          </tr>
        </thead>
        <tbody>
          {clusters.data?.items.map((c) => (
            <tr key={c.id}>
              <Td className="font-mono">
                <Link href={`/clusters/${c.id}`} className="text-sky-700 hover:underline dark:text-sky-400">
                  {c.name}
                </Link>
              </Td>
              <Td>{tcl(`kinds.${c.kind}`)}</Td>
              <Td>
                <Badge>{tcl(`statuses.${c.status}`)}</Badge>
              </Td>
            </tr>
          ))}
          {clusters.data?.items.length === 0 ? (
            <tr>
              <Td colSpan={3} className="py-6 text-center text-zinc-500">
                {tcl("emptyInRegion")}
              </Td>
            </tr>
          ) : null}
        </tbody>
      </Table>

      <Dialog open={editing} onClose={() => setEditing(false)} title={t("editTitle")}>
        <form
          className="space-y-3"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const checked = validate(updateRegionRequest, { id, ...values }, locale);
            if (!checked.ok) return setFields(checked.fields);
            update.mutate(checked.data);
          }}
        >
          <Field label={t("displayName")} htmlFor="edit-display" error={fields.displayName}>
            <Input id="edit-display" value={values.displayName} onChange={(e) => setValues((v) => ({ ...v, displayName: e.target.value }))} />
          </Field>
          <Field label={t("descriptionLabel")} htmlFor="edit-description" error={fields.description}>
            <Textarea id="edit-description" rows={3} value={values.description} onChange={(e) => setValues((v) => ({ ...v, description: e.target.value }))} />
          </Field>
          {update.error && !cairnErrorOf(update.error)?.fields ? <ErrorNotice error={update.error} /> : null}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setEditing(false)}>
              {tc("cancel")}
            </Button>
            <Button type="submit" disabled={update.isPending}>
              {tc("save")}
            </Button>
          </div>
        </form>
      </Dialog>

      <Dialog open={confirmDelete} onClose={() => setConfirmDelete(false)} title={t("deleteTitle", { name: r.name })}>
        <p className="mb-4 text-sm">{t("deleteBody")}</p>
        <ErrorNotice error={remove.error} />
        <div className="mt-4 flex justify-end gap-2">
          <Button variant="secondary" onClick={() => setConfirmDelete(false)}>
            {tc("cancel")}
          </Button>
          <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate({ id })}>
            {tc("delete")}
          </Button>
        </div>
      </Dialog>
    </>
  );
}
