"use client";
import { skipToken, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { ErrorNotice } from "@/components/error-notice";
import { useDateTime } from "@/components/format";
import { serverFieldMessages, validate, type FieldMessages } from "@/components/forms";
import { useMe } from "@/components/use-me";
import { Button } from "@/components/ui/button";
import { Badge, Card, PageHeader } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Field, Input, Select } from "@/components/ui/input";
import { Table, Td, Th } from "@/components/ui/table";
import { CairnError } from "@/domain/errors";
import { createBootstrapTokenRequest } from "@/domain/node";
import type { Role } from "@/domain/user";
import { cairnErrorOf } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { useCairnLocale } from "@/lib/use-locale";
import type { BootstrapTokenView } from "@/server/services/nodes";
import { agentCommand, CodeBlock, CopyButton, useOrigin } from "./agent-command";
import { useRelativeTime } from "./format";

const STATE_TONE = { active: "ok", revoked: "bad", expired: "warn" } as const;

/**
 * What the server answers a non-administrator here, shown without sending a request that can only be
 * refused (the procedures refuse it too: this page is a convenience, not the check).
 */
function forbidden(role: Role) {
  return {
    data: { cairn: new CairnError("auth.forbidden", { role, allowed: "admin" }).toShape() },
  };
}

type Confirm = { kind: "revoke" | "rotate"; token: BootstrapTokenView } | null;
type Revealed = { title: string; secret: string } | null;

/** Bootstrap tokens of one region: list, create, revoke, rotate. Administrators only. */
export function TokenList() {
  const t = useTranslations("tokens");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const when = useDateTime();
  const ago = useRelativeTime();
  const { user, isAdmin } = useMe();
  const regions = useQuery(
    trpc.region.list.queryOptions({ limit: 200, sort: "name" }, { enabled: isAdmin }),
  );
  const regionId = params.get("region") || regions.data?.items[0]?.id;
  const region = regions.data?.items.find((r) => r.id === regionId);
  const tokens = useQuery(
    trpc.token.list.queryOptions(isAdmin && regionId ? { regionId } : skipToken),
  );
  const [creating, setCreating] = useState(false);
  const [confirm, setConfirm] = useState<Confirm>(null);
  const [revealed, setRevealed] = useState<Revealed>(null);

  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.token.list.pathKey() });
  const revoke = useMutation(
    trpc.token.revoke.mutationOptions({
      onSuccess: () => setConfirm(null),
      onSettled: invalidate,
    }),
  );
  const rotate = useMutation(
    trpc.token.rotate.mutationOptions({
      onSuccess: (r) => {
        setConfirm(null);
        setRevealed({ title: t("rotatedTitle"), secret: r.secret });
      },
      onSettled: invalidate,
    }),
  );

  const ask = (c: NonNullable<Confirm>) => {
    revoke.reset();
    rotate.reset();
    setConfirm(c);
  };

  if (!user) return <p className="text-sm text-zinc-500">{tc("loading")}</p>;
  if (!isAdmin)
    return (
      <>
        <PageHeader title={t("title")} />
        <ErrorNotice error={forbidden(user.role)} />
      </>
    );

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          region ? <Button onClick={() => setCreating(true)}>{t("create")}</Button> : undefined
        }
      />
      <ErrorNotice error={regions.error ?? tokens.error} />
      {regions.data && regions.data.items.length === 0 ? (
        <Card className="max-w-xl text-sm">
          <p>{t("noRegions")}</p>
          <Link
            href="/regions"
            className="mt-2 inline-block text-sky-700 hover:underline dark:text-sky-400"
          >
            {t("createRegion")}
          </Link>
        </Card>
      ) : (
        <>
          <div className="mb-3 flex items-center gap-2">
            <label htmlFor="token-region" className="text-sm text-zinc-600 dark:text-zinc-400">
              {t("regionLabel")}
            </label>
            <Select
              id="token-region"
              className="w-64"
              value={regionId ?? ""}
              onChange={(e) => {
                const next = new URLSearchParams(params);
                next.set("region", e.target.value);
                router.replace(`${pathname}?${next.toString()}`);
              }}
            >
              {regions.data?.items.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.displayName} ({r.name})
                </option>
              ))}
            </Select>
          </div>
          <Table>
            <thead>
              <tr>
                <Th>{t("label")}</Th>
                <Th>{t("token")}</Th>
                <Th>{t("state")}</Th>
                <Th>{tc("created")}</Th>
                <Th>{t("expires")}</Th>
                <Th>{t("lastUsed")}</Th>
                <Th />
              </tr>
            </thead>
            <tbody>
              {tokens.data?.map((k) => (
                <tr key={k.id} data-testid="token-row">
                  <Td className="min-w-40">{k.label}</Td>
                  <Td className="font-mono text-xs whitespace-nowrap">{k.prefix}…</Td>
                  <Td>
                    <Badge
                      tone={STATE_TONE[k.state]}
                      data-testid="token-state"
                      title={
                        k.revokedAt
                          ? t("revokedAtBy", { time: when(k.revokedAt), actor: k.revokedBy ?? "—" })
                          : undefined
                      }
                    >
                      {t(`states.${k.state}`)}
                    </Badge>
                  </Td>
                  <Td className="text-xs whitespace-nowrap text-zinc-500">
                    {when(k.createdAt)}
                    {k.createdBy ? (
                      <div className="text-zinc-700 dark:text-zinc-300">
                        {t("createdBy", { who: k.createdBy })}
                      </div>
                    ) : null}
                  </Td>
                  <Td className="text-xs whitespace-nowrap text-zinc-500">
                    {k.expiresAt ? when(k.expiresAt) : t("never")}
                  </Td>
                  <Td className="text-xs whitespace-nowrap text-zinc-500">
                    {k.lastUsedAt ? (
                      <span title={when(k.lastUsedAt)}>{ago(k.lastUsedAt)}</span>
                    ) : (
                      t("never")
                    )}
                    <div className="text-zinc-700 tabular-nums dark:text-zinc-300">
                      {t("uses", { count: k.uses })}
                    </div>
                  </Td>
                  <Td className="text-right whitespace-nowrap">
                    {k.state !== "revoked" ? (
                      <>
                        <Button
                          variant="ghost"
                          size="sm"
                          onClick={() => ask({ kind: "rotate", token: k })}
                        >
                          {t("rotate")}
                        </Button>
                        <Button
                          variant="ghost"
                          size="sm"
                          className="text-red-700 dark:text-red-400"
                          onClick={() => ask({ kind: "revoke", token: k })}
                        >
                          {t("revoke")}
                        </Button>
                      </>
                    ) : null}
                  </Td>
                </tr>
              ))}
              {tokens.data?.length === 0 ? (
                <tr>
                  <Td colSpan={7} className="py-8 text-center text-zinc-500">
                    {t("empty")}
                  </Td>
                </tr>
              ) : null}
            </tbody>
          </Table>
        </>
      )}

      {region ? (
        <CreateTokenDialog
          open={creating}
          onClose={() => setCreating(false)}
          region={region}
          onCreated={async (secret) => {
            await invalidate();
            setCreating(false);
            setRevealed({ title: t("secretTitle"), secret });
          }}
        />
      ) : null}

      <Dialog
        open={confirm !== null}
        onClose={() => setConfirm(null)}
        title={
          confirm
            ? t(confirm.kind === "revoke" ? "revokeTitle" : "rotateTitle", {
                prefix: confirm.token.prefix,
              })
            : ""
        }
      >
        {confirm ? (
          <>
            <p className="mb-4 text-sm">
              {confirm.kind === "revoke" ? t("revokeBody") : t("rotateBody")}
            </p>
            <ErrorNotice error={confirm.kind === "revoke" ? revoke.error : rotate.error} />
            <div className="mt-4 flex justify-end gap-2">
              <Button variant="secondary" onClick={() => setConfirm(null)}>
                {tc("cancel")}
              </Button>
              <Button
                variant={confirm.kind === "revoke" ? "danger" : "primary"}
                disabled={revoke.isPending || rotate.isPending}
                onClick={() =>
                  (confirm.kind === "revoke" ? revoke : rotate).mutate({ id: confirm.token.id })
                }
              >
                {confirm.kind === "revoke" ? t("revoke") : t("rotate")}
              </Button>
            </div>
          </>
        ) : null}
      </Dialog>

      <SecretDialog revealed={revealed} onClose={() => setRevealed(null)} />
    </>
  );
}

function CreateTokenDialog({
  open,
  onClose,
  region,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  region: { id: string; name: string };
  onCreated: (secret: string) => Promise<void>;
}) {
  const t = useTranslations("tokens");
  const tc = useTranslations("common");
  const trpc = useTRPC();
  const locale = useCairnLocale();
  const [label, setLabel] = useState("");
  const [days, setDays] = useState("");
  const [fields, setFields] = useState<FieldMessages>({});
  const create = useMutation(
    trpc.token.create.mutationOptions({
      onSuccess: async (r) => {
        setLabel("");
        setDays("");
        await onCreated(r.secret);
      },
      onError: (e) => setFields(serverFieldMessages(cairnErrorOf(e), locale)),
    }),
  );
  return (
    <Dialog open={open} onClose={onClose} title={t("createTitle", { region: region.name })}>
      <form
        className="space-y-3"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const checked = validate(
            createBootstrapTokenRequest,
            {
              regionId: region.id,
              label,
              expiresInDays: days.trim() === "" ? undefined : Number(days),
            },
            locale,
          );
          if (!checked.ok) return setFields(checked.fields);
          setFields({});
          create.mutate(checked.data);
        }}
      >
        <Field label={t("label")} htmlFor="token-label" error={fields.label} help={t("labelHelp")}>
          <Input
            id="token-label"
            value={label}
            onChange={(e) => setLabel(e.target.value)}
            aria-invalid={Boolean(fields.label)}
          />
        </Field>
        <Field
          label={t("expiresInDays")}
          htmlFor="token-days"
          error={fields.expiresInDays}
          help={t("expiresHelp")}
        >
          <Input
            id="token-days"
            type="number"
            min={0}
            max={3650}
            inputMode="numeric"
            className="w-32"
            value={days}
            onChange={(e) => setDays(e.target.value)}
            aria-invalid={Boolean(fields.expiresInDays)}
          />
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

/** The one time a secret is visible. Closing it forgets the secret: nothing can show it again. */
function SecretDialog({ revealed, onClose }: { revealed: Revealed; onClose: () => void }) {
  const t = useTranslations("tokens");
  const origin = useOrigin();
  const command = revealed ? agentCommand(origin, revealed.secret) : "";
  return (
    <Dialog open={revealed !== null} onClose={onClose} title={revealed?.title ?? ""}>
      {revealed ? (
        <div className="space-y-4">
          <p
            role="note"
            className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm font-medium text-amber-900 dark:border-amber-800 dark:bg-amber-950/50 dark:text-amber-200"
          >
            {t("secretOnce")}
          </p>
          <div>
            <p className="mb-1 text-sm font-medium">{t("secretLabel")}</p>
            <CodeBlock data-testid="token-secret">{revealed.secret}</CodeBlock>
            <div className="mt-1.5">
              <CopyButton text={revealed.secret} label={t("copySecret")} />
            </div>
          </div>
          <div>
            <p className="mb-1 text-sm font-medium">{t("commandLabel")}</p>
            <CodeBlock data-testid="agent-command">{command}</CodeBlock>
            <div className="mt-1.5">
              <CopyButton text={command} label={t("copyCommand")} />
            </div>
          </div>
          <div className="flex justify-end">
            <Button onClick={onClose}>{t("done")}</Button>
          </div>
        </div>
      ) : null}
    </Dialog>
  );
}
