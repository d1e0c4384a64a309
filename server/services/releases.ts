import "server-only";
/**
 * Installed release bundles: every folder under `releases/` with a `release.yaml` (the `sdk`
 * folder is the step SDK, not a release). Each is read whole and validated by
 * `domain/release/bundle.ts`; a bundle with problems is listed with them (so the Releases page can
 * show what is wrong) but cannot be used for clusters.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { asc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { contentPacks } from "../../db/schema/packs";
import { parseBundle, type BundleIssue, type ReleaseBundle } from "../../domain/release/bundle";
import { CairnError } from "../../domain/errors";
import type { ReleaseManifest } from "../../domain/release/bundle";
import {
  mergePacks,
  parsePack,
  withoutPacks,
  type ContentPack,
  type EffectiveBundle,
  type PackIssue,
} from "../../domain/release/pack";

export const RELEASES_DIR = path.join(process.cwd(), "releases");
/** Content packs available to install: `releases/packs/<id>/pack.yaml`. */
export const PACKS_DIR = path.join(RELEASES_DIR, "packs");

/** Text files a bundle may hold; anything else (images, archives) is not read. */
const TEXT_FILE = /\.(ya?ml|ts|mts|sh|py|md|json|txt|j2|conf)$/;

export interface ReleaseSummary {
  id: string;
  version: string;
  description: ReleaseManifest["description"];
  notes?: ReleaseManifest["notes"];
  architectures: ReleaseManifest["architectures"];
  ok: boolean;
  issues: BundleIssue[];
}

function readTree(dir: string, base = dir, out = new Map<string, string>()) {
  for (const entry of readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) readTree(full, base, out);
    else if (TEXT_FILE.test(entry.name) && !entry.name.endsWith(".test.ts"))
      out.set(
        path.relative(base, full).split(path.sep).join("/"),
        readFileSync(/*turbopackIgnore: true*/ full, "utf8"),
      );
  }
  return out;
}

const cache = new Map<string, { stamp: number; result: ReturnType<typeof parseBundle> }>();

function newestMtime(dir: string): number {
  let newest = statSync(/*turbopackIgnore: true*/ dir).mtimeMs;
  for (const entry of readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true }))
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path.join(dir, entry.name)));
    else
      newest = Math.max(
        newest,
        statSync(/*turbopackIgnore: true*/ path.join(dir, entry.name)).mtimeMs,
      );
  return newest;
}

/** Reads and validates one bundle folder; cached until a file in it changes. */
export function loadBundle(id: string, dir = RELEASES_DIR): ReturnType<typeof parseBundle> {
  const folder = path.join(dir, id);
  const stamp = newestMtime(folder);
  const hit = cache.get(folder);
  if (hit && hit.stamp === stamp) return hit.result;
  const result = parseBundle(id, readTree(folder));
  cache.set(folder, { stamp, result });
  return result;
}

function bundleFolders(dir: string): string[] {
  return readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .filter((name) => {
      try {
        return statSync(/*turbopackIgnore: true*/ path.join(dir, name, "release.yaml")).isFile();
      } catch {
        return false;
      }
    })
    .sort();
}

/** Every installed bundle, valid or not, with its problems. */
export function listReleases(dir = RELEASES_DIR): ReleaseSummary[] {
  return bundleFolders(dir).map((id) => {
    const result = loadBundle(id, dir);
    if (result.ok) {
      const m = result.bundle.manifest;
      return {
        id: m.id,
        version: m.version,
        description: m.description,
        ...(m.notes ? { notes: m.notes } : {}),
        architectures: m.architectures,
        ok: true,
        issues: [],
      };
    }
    return {
      id,
      version: "?",
      description: { en: id, "zh-CN": id },
      architectures: [],
      ok: false,
      issues: result.issues,
    };
  });
}

/** A valid bundle, or `release.unknown` naming the ones that can be used. */
export function requireBundle(id: string, dir = RELEASES_DIR): ReleaseBundle {
  const usable = listReleases(dir).filter((r) => r.ok);
  if (!usable.some((r) => r.id === id))
    throw new CairnError("release.unknown", {
      releaseId: id,
      available: usable.map((r) => r.id).join(", ") || "-",
    });
  const result = loadBundle(id, dir);
  if (!result.ok) throw new Error("unreachable: listed as usable");
  return result.bundle;
}

export function requireRelease(id: string): ReleaseSummary {
  requireBundle(id);
  return listReleases().find((r) => r.id === id)!;
}

// ---------------------------------------------------------------------------------------------
// Content packs and the effective bundle

/** Reads a pack folder's files (the same text files as a release's, tests left out). */
export function readPackFolder(id: string, dir = PACKS_DIR): Map<string, string> | null {
  const folder = path.join(dir, id);
  if (!/^[a-z0-9-]+$/.test(id)) return null;
  try {
    if (!statSync(/*turbopackIgnore: true*/ path.join(folder, "pack.yaml")).isFile()) return null;
  } catch {
    return null;
  }
  return readTree(folder);
}

const packCache = new Map<string, { stamp: number; result: ReturnType<typeof parsePack> }>();

/** Reads and validates one pack folder on disk (not installed yet); cached until a file changes. */
export function loadPackFolder(id: string, dir = PACKS_DIR): ReturnType<typeof parsePack> | null {
  if (!/^[a-z0-9-]+$/.test(id)) return null;
  const folder = path.join(dir, id);
  let stamp: number;
  try {
    stamp = newestMtime(folder);
  } catch {
    return null;
  }
  const hit = packCache.get(folder);
  if (hit && hit.stamp === stamp) return hit.result;
  const files = readPackFolder(id, dir);
  if (!files) return null;
  const result = parsePack(id, files);
  packCache.set(folder, { stamp, result });
  return result;
}

/** Ids of the pack folders on disk, sorted. */
export function packFolders(dir = PACKS_DIR): string[] {
  try {
    return readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
      .filter((e) => {
        if (!e.isDirectory()) return false;
        try {
          return statSync(/*turbopackIgnore: true*/ path.join(dir, e.name, "pack.yaml")).isFile();
        } catch {
          return false;
        }
      })
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/** A stored pack (content_pack row) as a pack again: parsed from the files kept at install. */
export function storedPack(row: { id: string; files: Record<string, string> }) {
  return parsePack(row.id, new Map(Object.entries(row.files)));
}

const effectiveCache = new Map<
  string,
  { base: ReleaseBundle; key: string; bundle: EffectiveBundle }
>();

/**
 * The release's bundle with the packs installed on it (content_pack, in install order): what
 * plans, role catalogs and the step bundler use. An installed pack that no longer fits the release
 * (the release changed under it) is `pack.stored-invalid`, naming the pack and its problems: plans
 * must not silently drop a pack's steps.
 */
export async function effectiveBundle(
  db: Db,
  releaseId: string,
  dir = RELEASES_DIR,
): Promise<EffectiveBundle> {
  const base = requireBundle(releaseId, dir);
  const rows = await db
    .select({
      id: contentPacks.id,
      version: contentPacks.version,
      files: contentPacks.files,
      installedAt: contentPacks.installedAt,
    })
    .from(contentPacks)
    .where(eq(contentPacks.releaseId, releaseId))
    .orderBy(asc(contentPacks.installedAt), asc(contentPacks.id));
  if (rows.length === 0) return withoutPacks(base);
  const key = rows.map((r) => `${r.id}@${r.version}@${r.installedAt.getTime()}`).join(",");
  const hit = effectiveCache.get(`${dir}:${releaseId}`);
  if (hit && hit.base === base && hit.key === key) return hit.bundle;
  const packs: ContentPack[] = [];
  for (const row of rows) {
    const parsed = storedPack(row);
    if (!parsed.ok) throw storedInvalid(releaseId, row.id, parsed.issues);
    packs.push(parsed.pack);
  }
  const merged = mergePacks(base, packs);
  if (!merged.ok) {
    const packId = /^packs\/([^/]+)\//.exec(merged.issues[0]?.file ?? "")?.[1] ?? "?";
    throw storedInvalid(releaseId, packId, merged.issues);
  }
  effectiveCache.set(`${dir}:${releaseId}`, { base, key, bundle: merged.bundle });
  return merged.bundle;
}

function storedInvalid(releaseId: string, packId: string, issues: PackIssue[]) {
  return new CairnError(
    "pack.stored-invalid",
    { releaseId, packId, problem: issues[0]?.message.en ?? "?" },
    { details: { issues } },
  );
}

/**
 * What the Releases page shows of one release: its effective roles and graphs (installed packs'
 * steps included, each marked with the pack that added it), steps with their edges.
 */
export async function releaseDetail(db: Db, id: string) {
  const bundle = await effectiveBundle(db, id);
  return {
    manifest: bundle.base.manifest,
    roles: bundle.catalog.roles.map((r) => ({
      name: r.name,
      description: r.description,
      services: r.services,
      pack: bundle.origin.roles[r.name] ?? null,
    })),
    services: bundle.catalog.services.map((s) => ({
      name: s.name,
      description: s.description,
      pack: bundle.origin.services[s.name] ?? null,
    })),
    graphs: Object.values(bundle.graphs).map((g) => ({
      name: g.name,
      description: g.description,
      steps: g.steps.map((s) => ({
        id: s.id,
        script: s.script ?? null,
        selector: s.selector,
        requires: s.requires,
        requiredFor: s.requiredFor,
        crossDepends: s.crossDepends.map((c) => c.step),
        condition: s.condition,
        timeoutSeconds: s.timeoutSeconds,
        strategy: s.strategy,
        pack: bundle.origin.steps[`${g.name}/${s.id}`] ?? null,
      })),
    })),
    sequences: bundle.sequences,
    packs: bundle.packs.map((p) => ({ id: p.manifest.id, version: p.manifest.version })),
  };
}
