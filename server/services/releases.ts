import "server-only";
/**
 * Installed release bundles: every folder under `releases/` with a `release.yaml` (the `sdk`
 * folder is the step SDK, not a release). Each is read whole and validated by
 * `domain/release/bundle.ts`; a bundle with problems is listed with them (so the Releases page can
 * show what is wrong) but cannot be used for clusters.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseBundle, type BundleIssue, type ReleaseBundle } from "../../domain/release/bundle";
import { CairnError } from "../../domain/errors";
import type { ReleaseManifest } from "../../domain/release/bundle";

export const RELEASES_DIR = path.join(process.cwd(), "releases");

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

/** What the Releases page shows of one bundle: roles, graphs with their steps and edges. */
export function releaseDetail(id: string) {
  const bundle = requireBundle(id);
  return {
    manifest: bundle.manifest,
    roles: bundle.catalog.roles.map((r) => ({
      name: r.name,
      description: r.description,
      services: r.services,
    })),
    services: bundle.catalog.services.map((s) => ({ name: s.name, description: s.description })),
    graphs: Object.values(bundle.graphs).map((g) => ({
      name: g.name,
      description: g.description,
      steps: g.steps.map((s) => ({
        id: s.id,
        script: s.script ?? null,
        selector: s.selector,
        requires: s.requires,
        crossDepends: s.crossDepends.map((c) => c.step),
        condition: s.condition,
        timeoutSeconds: s.timeoutSeconds,
        strategy: s.strategy,
      })),
    })),
    sequences: bundle.sequences,
  };
}
