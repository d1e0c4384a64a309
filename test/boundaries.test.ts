/**
 * The import table of docs/architecture.md, enforced: a file may import only from the folders its
 * own folder is allowed to. `domain/` in particular stays pure so the browser and other programs
 * can run the same rules.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const TOP = [
  "domain",
  "db",
  "server",
  "app",
  "components",
  "lib",
  "agent",
  "cli",
  "releases",
  "e2e",
  "scripts",
  "bench",
  "test",
  "i18n",
  "messages",
];

/** folder → folders of ours it may import (itself always allowed). */
const ALLOWED: Record<string, string[]> = {
  domain: [],
  db: ["domain"],
  server: ["domain", "db"],
  lib: ["domain", "server"],
  components: ["domain", "lib", "server"],
  app: ["components", "server", "domain", "lib"],
  cli: ["domain", "db", "server", "agent"],
  agent: ["domain"],
  // Release steps use the step SDK (releases/sdk) and the pure generators of domain/.
  releases: ["domain"],
  i18n: ["domain", "messages"],
};

/** Node built-ins and database drivers that pure code must not touch (tests may). */
const IMPURE_PACKAGES =
  /^(node:|fs$|path$|child_process$|pg$|@electric-sql\/|next|react|drizzle-orm)/;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* files(full);
    else if (/\.(ts|tsx)$/.test(name)) yield full;
  }
}

function importsOf(source: string): string[] {
  const found: string[] = [];
  const re =
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of source.matchAll(re)) found.push((m[1] ?? m[2])!);
  return found;
}

function folderOf(spec: string, file: string): string | null {
  if (spec.startsWith("@/")) return spec.slice(2).split("/")[0] ?? null;
  if (!spec.startsWith(".")) return null;
  const rel = path.relative(ROOT, path.resolve(path.dirname(file), spec));
  return rel.split(path.sep)[0] ?? null;
}

describe("import boundaries", () => {
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`${folder}/ imports only ${allowed.length ? allowed.join(", ") : "itself"}`, () => {
      const dir = path.join(ROOT, folder);
      let exists = true;
      try {
        statSync(dir);
      } catch {
        exists = false;
      }
      if (!exists) return;
      const violations: string[] = [];
      for (const file of files(dir)) {
        const isTest = /\.test\.tsx?$/.test(file);
        for (const spec of importsOf(readFileSync(file, "utf8"))) {
          const target = folderOf(spec, file);
          if (
            target &&
            TOP.includes(target) &&
            target !== folder &&
            !allowed.includes(target) &&
            !(isTest && target === "test")
          )
            violations.push(`${path.relative(ROOT, file)} imports ${spec}`);
          if (folder === "domain" && !isTest && !target && IMPURE_PACKAGES.test(spec))
            violations.push(
              `${path.relative(ROOT, file)} imports ${spec} (domain/ must stay pure)`,
            );
        }
      }
      expect(violations).toEqual([]);
    });
  }
});
