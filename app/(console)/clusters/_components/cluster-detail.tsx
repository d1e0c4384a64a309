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
import { Field, Input } from "@/components/ui/input";
import { canDeleteCluster } from "@/domain/cluster";
import { renameClusterRequest } from "@/domain/region";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";

export function ClusterDetail({ id }: { id: string }) {
  const t = useTranslations("clusters");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const locale = useCairnLocale();
  const when = useDateTime();
  const { canOperate } = useMe();
  const cluster = useQuery(trpc.cluster.get.queryOptions({ id }));
  const [renaming, setRenaming] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [displayName, setDisplayName] = useState("");
  const [fields, setFields] = useState<FieldMessages>({});
  const invalidate = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.cluster.pathKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.region.pathKey() });
  };
  const rename = useMutation(
    trpc.cluster.rename.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        setRenaming(false);
      },
      onError: (e) => setFields(serverFieldMessages(cairnErrorOf(e), locale)),
    }),
  );
  const remove = useMutation(
    trpc.cluster.delete.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        router.push("/clusters");
      },
    }),
  );

  if (cluster.error) return <ErrorNotice error={cluster.error} />;
  if (!cluster.data) return <p className="text-sm text-zinc-500">{tc("loading")}</p>;
  const c = cluster.data;
  const deletable = canDeleteCluster(c.status);

  return (
    <>
      <PageHeader
        title={c.displayName}
        actions={
          canOperate ? (
            <>
              <Button
                variant="secondary"
                onClick={() => {
                  setDisplayName(c.displayName);
                  setFields({});
                  setRenaming(true);
                }}
              >
                {t("rename")}
              </Button>
              <Button variant="danger" onClick={() => setConfirmDelete(true)} title={deletable ? undefined : t("deleteOnlyNew")}>
                {tc("delete")}
              </Button>
            </>
          ) : undefined
        }
      />
      <Card>
        <dl className="grid grid-cols-[10rem_1fr] gap-y-2 text-sm">
          <dt className="text-zinc-500">{t("name")}</dt>
          <dd className="font-mono">{c.name}</dd>
          <dt className="text-zinc-500">{t("region")}</dt>
          <dd>
            <Link href={`/regions/${c.regionId}`} className="font-mono text-sky-700 hover:underline dark:text-sky-400">
              {c.regionName}
            </Link>
          </dd>
          <dt className="text-zinc-500">{t("kind")}</dt>
          <dd>{t(`kinds.${c.kind}`)}</dd>
          <dt className="text-zinc-500">{t("release")}</dt>
          <dd className="font-mono">{c.releaseId}</dd>
          <dt className="text-zinc-500">{t("status")}</dt>
          <dd>
            <Badge data-testid="cluster-status">{t(`statuses.${c.status}`)}</Badge>
          </dd>
          <dt className="text-zinc-500">{tc("created")}</dt>
          <dd>{when(c.createdAt)}</dd>
        </dl>
      </Card>

      <Dialog open={renaming} onClose={() => setRenaming(false)} title={t("renameTitle")}>
        <form
          className="space-y-3"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            const checked = validate(renameClusterRequest, { id, displayName }, locale);
            if (!checked.ok) return setFields(checked.fields);
            rename.mutate(checked.data);
          }}
        >
          <Field label={t("displayName")} htmlFor="rename-display" error={fields.displayName} help={t("renameHelp")}>
            <Input id="rename-display" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
          </Field>
          {rename.error && !cairnErrorOf(rename.error)?.fields ? <ErrorNotice error={rename.error} /> : null}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setRenaming(false)}>
              {tc("cancel")}
            </Button>
            <Button type="submit" disabled={rename.isPending}>
              {tc("save")}
            </Button>
          </div>
        </form>
      </Dialog>

      <Dialog open={confirmDelete} onClose={() => setConfirmDelete(false)} title={t("deleteTitle", { name: c.name })}>
        <p className="mb-4 text-sm">{deletable ? t("deleteBody") : t("deleteOnlyNew")}</p>
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
