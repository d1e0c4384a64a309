import "server-only";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { ARCHES } from "../../domain/model";
import { CairnError } from "../../domain/errors";

const releaseHeader = z.object({
  id: z.string().min(1),
  version: z.string().min(1),
  description: z.object({ en: z.string(), "zh-CN": z.string() }),
  architectures: z.array(z.enum(ARCHES)).min(1),
});
export type ReleaseSummary = z.infer<typeof releaseHeader>;

export const RELEASES_DIR = path.join(process.cwd(), "releases");

/** The installed release bundles: every `releases/<id>/release.yaml` whose header is valid. */
export function listReleases(dir = RELEASES_DIR): ReleaseSummary[] {
  const found: ReleaseSummary[] = [];
  for (const entry of readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    let text: string;
    try {
      text = readFileSync(
        /*turbopackIgnore: true*/ path.join(dir, entry.name, "release.yaml"),
        "utf8",
      );
    } catch {
      continue;
    }
    const header = releaseHeader.safeParse(parse(text));
    if (header.success && header.data.id === entry.name) found.push(header.data);
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

export function requireRelease(id: string): ReleaseSummary {
  const releases = listReleases();
  const release = releases.find((r) => r.id === id);
  if (!release)
    throw new CairnError("release.unknown", {
      releaseId: id,
      available: releases.map((r) => r.id).join(", ") || "-",
    });
  return release;
}
