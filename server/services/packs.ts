import "server-only";
/**
 * Content packs on releases: which packs are available (folders under `releases/packs/`), which
 * are installed on each release (content_pack), installing and removing them.
 *
 * - Install validates the pack on its own and against the release with the packs already
 *   installed (domain/release/pack.ts), then stores its manifest and every file, in one
 *   transaction under a per-release lock so two installs cannot each pass without the other.
 *   From then on the stored copy is the pack: plans, role catalogs and the step bundler use it,
 *   whatever the disk of this or another replica holds.
 * - Remove is refused while a mutating task runs on a cluster of the release, while nodes carry
 *   the pack's roles (or custom roles use its services), and while another pack builds on it.
 *   Otherwise, in one transaction, the row goes and, on every cluster where the pack's steps ran
 *   on some node, a `remove-pack` task is launched that runs the pack's cleanup on exactly those
 *   nodes. That task carries a copy of the pack (its intent), so its cleanup script is still
 *   served after the pack itself is gone.
 */
import { and, arrayOverlaps, eq, inArray, like, ne, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { clusters, nodes, steps, tasks } from "../../db/schema";
import { contentPacks } from "../../db/schema/packs";
import { CairnError } from "../../domain/errors";
import {
  mergePack,
  packScriptPath,
  packSummary,
  removePack,
  type ContentPack,
  type PackIssue,
  type PackSummary,
} from "../../domain/release/pack";
import { expandPlan } from "../../domain/taskgraph/plan";
import type { TaskGraph } from "../../domain/taskgraph/schema";
import { launchTask } from "../engine/executor";
import type { ServiceContext } from "./context";
import {
  effectiveBundle,
  listReleases,
  loadPackFolder,
  packFolders,
  PACKS_DIR,
  requireBundle,
  storedPack,
} from "./releases";

/** The task kind (and graph name) of a pack's cleanup after its removal. */
export const REMOVE_PACK_KIND = "remove-pack";
const CLEANUP_STEP = "cleanup";
const CLEANUP_TAG = "cairn:ran-pack";

export interface AvailablePack {
  id: string;
  ok: boolean;
  /** Problems of the pack on its own (parse), each naming file, step and field. */
  issues: PackIssue[];
  pack: PackSummary | null;
}

/** Every pack folder on disk, valid or not. */
export function listAvailablePacks(dir = PACKS_DIR): AvailablePack[] {
  return packFolders(dir).map((id) => {
    const result = loadPackFolder(id, dir);
    if (!result) return { id, ok: false, issues: [], pack: null };
    return result.ok
      ? { id, ok: true, issues: [], pack: packSummary(result.pack) }
      : { id, ok: false, issues: result.issues, pack: null };
  });
}

export interface InstalledPack {
  pack: PackSummary;
  installedBy: string;
  installedAt: Date;
}

async function installedRows(db: Db, releaseId: string) {
  return db
    .select({
      id: contentPacks.id,
      version: contentPacks.version,
      files: contentPacks.files,
      installedBy: contentPacks.installedBy,
      installedAt: contentPacks.installedAt,
    })
    .from(contentPacks)
    .where(eq(contentPacks.releaseId, releaseId))
    .orderBy(contentPacks.installedAt, contentPacks.id);
}

/**
 * The Releases page's view of packs for one release: the installed ones (as stored) and the
 * available ones, each with whether it can be installed now and, if not, every problem.
 */
export async function releasePacks(ctx: Pick<ServiceContext, "db">, releaseId: string) {
  const base = requireBundle(releaseId);
  const rows = await installedRows(ctx.db, releaseId);
  const installed: InstalledPack[] = [];
  for (const row of rows) {
    const parsed = storedPack(row);
    if (parsed.ok)
      installed.push({
        pack: packSummary(parsed.pack),
        installedBy: row.installedBy,
        installedAt: row.installedAt,
      });
  }
  let effective: Awaited<ReturnType<typeof effectiveBundle>> | null = null;
  let problem: CairnError | null = null;
  try {
    effective = await effectiveBundle(ctx.db, releaseId);
  } catch (e) {
    if (!(e instanceof CairnError)) throw e;
    problem = e;
  }
  const installedIds = new Set(rows.map((r) => r.id));
  const available = listAvailablePacks().map((a) => {
    if (!a.ok || !a.pack) return { ...a, installed: false, installable: false };
    const result = loadPackFolder(a.id);
    const pack = result?.ok ? result.pack : null;
    if (installedIds.has(a.id)) return { ...a, installed: true, installable: false };
    if (!pack?.manifest.releases.includes(releaseId))
      return { ...a, installed: false, installable: false, appliesTo: false };
    const merged = mergePack(effective ?? base, pack);
    return merged.ok
      ? { ...a, installed: false, installable: effective !== null }
      : { ...a, installed: false, installable: false, issues: merged.issues };
  });
  return {
    releaseId,
    installed,
    available,
    problem: problem?.toShape() ?? null,
  };
}

/** Packs installed on every release, for the releases list. */
export async function installedPackCounts(ctx: Pick<ServiceContext, "db">) {
  const rows = await ctx.db
    .select({ releaseId: contentPacks.releaseId, id: contentPacks.id })
    .from(contentPacks);
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.releaseId] ??= []).push(r.id);
  return out;
}

/** Serialises every change of one release's packs (installs and removals). */
async function lockRelease(db: Db, releaseId: string) {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`cairn.packs:${releaseId}`}))`);
}

/** Installs a pack from `releases/packs/<packId>` on a release; returns what was stored. */
export async function installPack(
  ctx: ServiceContext,
  input: { releaseId: string; packId: string },
  dir = PACKS_DIR,
): Promise<InstalledPack> {
  requireBundle(input.releaseId);
  const result = loadPackFolder(input.packId, dir);
  if (!result)
    throw new CairnError("pack.unknown", {
      packId: input.packId,
      available:
        listAvailablePacks(dir)
          .map((p) => p.id)
          .join(", ") || "-",
    });
  if (!result.ok) throw invalid(input, result.issues);
  const pack = result.pack;
  return ctx.db.transaction(async (tx) => {
    await lockRelease(tx, input.releaseId);
    const current = await effectiveBundle(tx, input.releaseId);
    const merged = mergePack(current, pack);
    if (!merged.ok) throw invalid(input, merged.issues);
    const [row] = await tx
      .insert(contentPacks)
      .values({
        releaseId: input.releaseId,
        id: pack.manifest.id,
        version: pack.manifest.version,
        manifest: pack.manifest as unknown as Record<string, unknown>,
        files: Object.fromEntries(pack.files),
        installedBy: ctx.user.email,
      })
      .returning({ installedBy: contentPacks.installedBy, installedAt: contentPacks.installedAt });
    return {
      pack: packSummary(pack),
      installedBy: row!.installedBy,
      installedAt: row!.installedAt,
    };
  });
}

function invalid(input: { releaseId: string; packId: string }, issues: PackIssue[]) {
  return new CairnError(
    "pack.invalid",
    { packId: input.packId, releaseId: input.releaseId, count: issues.length },
    { details: { issues } },
  );
}

export interface CleanupTask {
  clusterId: string;
  cluster: string;
  taskId: string;
  nodes: number;
}

/**
 * Removes a pack from a release and launches its cleanup where its steps ran. Returns the cleanup
 * tasks (none when the pack's steps never ran on any node).
 */
export async function uninstallPack(
  ctx: ServiceContext,
  input: { releaseId: string; packId: string },
): Promise<{ releaseId: string; packId: string; cleanup: CleanupTask[] }> {
  requireBundle(input.releaseId);
  return ctx.db.transaction(async (tx) => {
    await lockRelease(tx, input.releaseId);
    const [row] = await tx
      .select({
        id: contentPacks.id,
        version: contentPacks.version,
        files: contentPacks.files,
      })
      .from(contentPacks)
      .where(and(eq(contentPacks.releaseId, input.releaseId), eq(contentPacks.id, input.packId)));
    if (!row) throw new CairnError("pack.not-installed", input);
    const parsed = storedPack(row);

    const ofRelease = await tx
      .select({ id: clusters.id, name: clusters.name, customRoles: clusters.customRoles })
      .from(clusters)
      .where(eq(clusters.releaseId, input.releaseId));
    const clusterIds = ofRelease.map((c) => c.id);
    if (clusterIds.length > 0) {
      const [busy] = await tx
        .select({ id: tasks.id, kind: tasks.kind, clusterId: tasks.clusterId })
        .from(tasks)
        .where(
          and(
            inArray(tasks.clusterId, clusterIds),
            inArray(tasks.status, ["pending", "running", "paused", "cancelling"]),
            ne(tasks.mode, "plan"),
          ),
        )
        .limit(1);
      if (busy)
        throw new CairnError("pack.busy", {
          ...input,
          taskId: busy.id,
          kind: busy.kind,
          cluster: ofRelease.find((c) => c.id === busy.clusterId)?.name ?? busy.clusterId,
        });
    }

    if (parsed.ok) await refuseInUse(tx, input, parsed.pack, ofRelease);

    // Another pack that builds on this one keeps it (checked on the stored packs).
    const current = await effectiveBundle(tx, input.releaseId).catch((e: unknown) => {
      if (e instanceof CairnError && e.code === "pack.stored-invalid") return null;
      throw e;
    });
    if (current) {
      const without = removePack(current, input.packId);
      if (!without.ok)
        throw new CairnError(
          "pack.required-by",
          {
            ...input,
            other: String(without.issues[0]?.params.pack ?? "?"),
            count: without.issues.length,
          },
          { details: { issues: without.issues } },
        );
    }

    await tx
      .delete(contentPacks)
      .where(and(eq(contentPacks.releaseId, input.releaseId), eq(contentPacks.id, input.packId)));

    const cleanup: CleanupTask[] = [];
    const manifest = parsed.ok ? parsed.pack.manifest : null;
    if (!manifest?.cleanup || clusterIds.length === 0) return { ...input, cleanup };
    const graph: TaskGraph = {
      name: REMOVE_PACK_KIND,
      description: manifest.cleanup.description ?? {
        en: `Undo content pack ${manifest.id}`,
        "zh-CN": `撤销内容包 ${manifest.id}`,
      },
      steps: [
        {
          id: CLEANUP_STEP,
          type: "shell",
          script: packScriptPath(manifest.id, manifest.cleanup.script),
          selector: { tags: [CLEANUP_TAG] },
          requires: [],
          requiredFor: [],
          crossDepends: [],
          condition: { when: "always" },
          timeoutSeconds: manifest.cleanup.timeoutSeconds,
          retry: {
            maxAttempts: 2,
            initialIntervalSeconds: 5,
            backoffCoefficient: 2,
            maxIntervalSeconds: 60,
            nonRetryableExitCodes: [],
          },
          strategy: { type: "parallel" },
          faultTolerance: 0,
        },
      ],
    };
    for (const cluster of ofRelease) {
      const ran = await nodesThatRan(tx, cluster.id, input.packId);
      if (ran.length === 0) continue;
      const plan = expandPlan(graph, {
        nodes: ran.map((id) => ({ id, roles: [], tags: [CLEANUP_TAG] })),
        changedSettings: [],
        intentKind: "validate",
      });
      const { task } = await launchTask(tx, {
        clusterId: cluster.id,
        kind: REMOVE_PACK_KIND,
        plan,
        mode: "apply",
        intent: {
          kind: REMOVE_PACK_KIND,
          operation: REMOVE_PACK_KIND,
          releaseId: input.releaseId,
          // The pack as it was installed: the cleanup's script is served from here.
          pack: {
            id: manifest.id,
            version: manifest.version,
            settings: manifest.settings,
            files: row.files,
          },
        },
        actor: ctx.user.email,
        now: new Date(),
      });
      cleanup.push({
        clusterId: cluster.id,
        cluster: cluster.name,
        taskId: task.id,
        nodes: ran.length,
      });
    }
    return { ...input, cleanup };
  });
}

/** Nodes of a cluster (still in it) on which one of the pack's steps had at least one attempt. */
async function nodesThatRan(db: Db, clusterId: string, packId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ nodeId: steps.nodeId })
    .from(steps)
    .innerJoin(tasks, eq(tasks.id, steps.taskId))
    .innerJoin(nodes, sql`${nodes.id}::text = ${steps.nodeId}`)
    .where(
      and(
        eq(tasks.clusterId, clusterId),
        like(steps.script, `${packScriptPath(packId, "")}%`),
        sql`${steps.attempts} > 0`,
        eq(nodes.clusterId, clusterId),
        ne(nodes.status, "removed"),
      ),
    );
  return rows
    .map((r) => r.nodeId)
    .filter((n): n is string => n !== null)
    .sort();
}

async function refuseInUse(
  db: Db,
  input: { releaseId: string; packId: string },
  pack: ContentPack,
  ofRelease: { id: string; name: string; customRoles: { name: string; services: string[] }[] }[],
) {
  const roles = pack.manifest.catalog.roles.map((r) => r.name);
  const services = new Set(pack.manifest.catalog.services.map((s) => s.name));
  const where: string[] = [];
  const used = new Set<string>();
  if (roles.length > 0 && ofRelease.length > 0) {
    const holders = await db
      .select({ hostname: nodes.hostname, roles: nodes.roles })
      .from(nodes)
      .where(
        and(
          inArray(
            nodes.clusterId,
            ofRelease.map((c) => c.id),
          ),
          ne(nodes.status, "removed"),
          arrayOverlaps(nodes.roles, roles),
        ),
      )
      .orderBy(nodes.hostname);
    for (const h of holders) {
      where.push(h.hostname);
      for (const r of h.roles) if (roles.includes(r)) used.add(r);
    }
  }
  for (const c of ofRelease)
    for (const custom of c.customRoles)
      if (custom.services.some((s) => services.has(s))) {
        where.push(`${c.name}/${custom.name}`);
        for (const s of custom.services) if (services.has(s)) used.add(s);
      }
  if (where.length === 0) return;
  throw new CairnError("pack.in-use", {
    ...input,
    roles: [...used].join(", "),
    count: where.length,
    nodes: where.slice(0, 5).join(", ") + (where.length > 5 ? ", …" : ""),
  });
}

/** Releases with their installed packs, for the Releases list. */
export async function releasesWithPacks(ctx: Pick<ServiceContext, "db">) {
  const counts = await installedPackCounts(ctx);
  return listReleases().map((r) => ({ ...r, packs: counts[r.id] ?? [] }));
}
