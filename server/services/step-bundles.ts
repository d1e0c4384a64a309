import "server-only";
/**
 * Release steps written in TypeScript are shipped to nodes as one self-contained ES module: the
 * step, the step SDK and the domain generators it uses, bundled with esbuild on first use and
 * cached by the sources' content. A node needs Node.js and nothing else (no copy of the release,
 * no node_modules). Shell steps are shipped as they are.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { build, type Plugin } from "esbuild";
import type { Db } from "../../db/client";
import { contentPacks } from "../../db/schema/packs";
import { packOfScript, PACKS_FOLDER, type PackManifest } from "../../domain/release/pack";
import { RELEASES_DIR } from "./releases";

const cache = new Map<string, Promise<string>>();

/** Step scripts that are bundled rather than shipped as they are. */
export function isBundledStep(script: string): boolean {
  return /\.(ts|mts)$/.test(script);
}

/**
 * The bundled module of a TypeScript step. `releaseDir` is the bundle's folder; `script` its path
 * inside it. The key includes the step's own text so an edited release is rebundled.
 */
export function bundleStep(releaseDir: string, script: string, source: string): Promise<string> {
  const key = createHash("sha256").update(releaseDir).update(script).update(source).digest("hex");
  let found = cache.get(key);
  if (!found) {
    const file = path.join(releaseDir, script);
    const sdk = path.resolve(releaseDir, "..", "sdk", "step.ts");
    found = build({
      stdin: {
        contents: `import step from ${JSON.stringify(file)};\nimport { runStep } from ${JSON.stringify(sdk)};\nawait runStep(step);\n`,
        resolveDir: releaseDir,
        loader: "ts",
        sourcefile: `${script} (entry)`,
      },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      write: false,
      legalComments: "none",
      logLevel: "silent",
      banner: {
        js: `// cairn release step ${script}, bundled\nimport { createRequire as __cairnRequire } from "node:module";\nconst require = __cairnRequire(import.meta.url);`,
      },
    }).then((r) => r.outputFiles[0]!.text);
    found.catch(() => cache.delete(key));
    cache.set(key, found);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Content packs: bundled from the files stored at install, not from the repository

/** What the bundler needs of an installed pack (a content_pack row, or a removal task's copy). */
export interface StoredPackFiles {
  id: string;
  version: string;
  settings: PackManifest["settings"];
  /** The pack's files by path relative to its folder, as installed. */
  files: Readonly<Record<string, string>>;
}

const EXTENSIONS = ["", ".ts", ".mts", ".js", ".mjs", "/index.ts"];

/**
 * Serves the pack's own modules from its stored files. The pack is placed where it would sit in
 * the repository (`releases/packs/<id>/`), so its imports of the step SDK (`../../../sdk/…`) and
 * of Cairn's domain generators resolve to this server's copies, and imports inside the pack to
 * what was installed — whatever the disk holds now, on every replica alike.
 */
function storedPackPlugin(packDir: string, files: Readonly<Record<string, string>>): Plugin {
  const inside = (abs: string) => abs === packDir || abs.startsWith(packDir + path.sep);
  return {
    name: "cairn-stored-pack",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!args.path.startsWith(".") && !path.isAbsolute(args.path)) return undefined;
        const abs = path.resolve(args.resolveDir, args.path);
        if (!inside(abs)) return undefined;
        const rel = path.relative(packDir, abs).split(path.sep).join("/");
        const found = EXTENSIONS.map((ext) => rel + ext).find((candidate) => candidate in files);
        if (found === undefined)
          return {
            errors: [{ text: `${args.path} is not among the pack's installed files` }],
          };
        return { path: path.join(packDir, found), namespace: "cairn-pack" };
      });
      b.onLoad({ filter: /.*/, namespace: "cairn-pack" }, (args) => {
        const rel = path.relative(packDir, args.path).split(path.sep).join("/");
        return {
          contents: files[rel] ?? "",
          loader: /\.m?js$/.test(rel) ? "js" : "ts",
          resolveDir: path.dirname(args.path),
        };
      });
    },
  };
}

/**
 * A pack's TypeScript step as one ES module: the step from the pack's stored files, wrapped with
 * `packStep` (releases/sdk/pack.ts) and the pack's declared settings, with the SDK and the domain
 * code it imports. Cached by the pack's content.
 */
export function bundlePackStep(
  pack: StoredPackFiles,
  script: string,
  releasesDir = RELEASES_DIR,
): Promise<string> {
  const key = createHash("sha256")
    .update("pack\0")
    .update(releasesDir)
    .update(JSON.stringify([pack.id, pack.version, pack.settings, script]))
    .update(JSON.stringify(Object.entries(pack.files).sort(([a], [b]) => a.localeCompare(b))))
    .digest("hex");
  let found = cache.get(key);
  if (!found) {
    const packDir = path.join(releasesDir, PACKS_FOLDER, pack.id);
    const sdk = path.join(releasesDir, "sdk");
    const info = { id: pack.id, version: pack.version, settings: pack.settings };
    found = build({
      stdin: {
        contents: [
          `import step from ${JSON.stringify(path.join(packDir, script))};`,
          `import { runStep } from ${JSON.stringify(path.join(sdk, "step.ts"))};`,
          `import { packStep } from ${JSON.stringify(path.join(sdk, "pack.ts"))};`,
          `await runStep(packStep(${JSON.stringify(info)}, step));`,
        ].join("\n"),
        resolveDir: packDir,
        loader: "ts",
        sourcefile: `${PACKS_FOLDER}/${pack.id}/${script} (entry)`,
      },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      write: false,
      legalComments: "none",
      logLevel: "silent",
      plugins: [storedPackPlugin(packDir, pack.files)],
      banner: {
        js: `// cairn content pack ${pack.id} ${pack.version}, step ${script}, bundled\nimport { createRequire as __cairnRequire } from "node:module";\nconst require = __cairnRequire(import.meta.url);`,
      },
    }).then((r) => r.outputFiles[0]!.text);
    found.catch(() => cache.delete(key));
    cache.set(key, found);
  }
  return found;
}

/** A removal task's copy of the pack it cleans up (its intent), when there is one. */
function packOfIntent(intent: unknown, packId: string): StoredPackFiles | null {
  const pack = (intent as { pack?: StoredPackFiles } | null | undefined)?.pack;
  return pack && pack.id === packId && typeof pack.files === "object" ? pack : null;
}

/**
 * The script a node runs for a step of a task on a cluster of `releaseId`, as `{path, content}`:
 * a release's TypeScript step bundled from the repository, a content pack's step bundled from the
 * files stored when it was installed (or, for the cleanup task of a removed pack, from the copy
 * that task carries in its intent), a shell script as it is. Null when there is no such file.
 */
export async function stepScript(
  db: Db,
  input: { releaseId: string; script: string; intent?: unknown; releasesDir?: string },
): Promise<{ path: string; content: string } | null> {
  const releasesDir = input.releasesDir ?? RELEASES_DIR;
  const { script } = input;
  const shipped = (content: string) => ({ path: script.replace(/\.m?ts$/, ".mjs"), content });
  const pack = packOfScript(script);
  if (pack) {
    let stored = packOfIntent(input.intent, pack.packId);
    if (!stored) {
      const [row] = await db
        .select({
          id: contentPacks.id,
          version: contentPacks.version,
          manifest: contentPacks.manifest,
          files: contentPacks.files,
        })
        .from(contentPacks)
        .where(and(eq(contentPacks.releaseId, input.releaseId), eq(contentPacks.id, pack.packId)));
      if (row)
        stored = {
          id: row.id,
          version: row.version,
          settings: ((row.manifest as Partial<PackManifest>).settings ??
            {}) as PackManifest["settings"],
          files: row.files,
        };
    }
    const source = stored?.files[pack.rel];
    if (!stored || source === undefined) return null;
    return isBundledStep(pack.rel)
      ? shipped(await bundlePackStep(stored, pack.rel, releasesDir))
      : { path: script, content: source };
  }
  const dir = path.resolve(releasesDir, input.releaseId);
  const file = path.resolve(dir, script);
  if (!file.startsWith(dir + path.sep)) return null;
  let source: string;
  try {
    source = await readFile(/*turbopackIgnore: true*/ file, "utf8");
  } catch {
    return null;
  }
  return isBundledStep(script)
    ? shipped(await bundleStep(dir, script, source))
    : { path: script, content: source };
}
