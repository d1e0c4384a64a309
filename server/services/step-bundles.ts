import "server-only";
/**
 * Release steps written in TypeScript are shipped to nodes as one self-contained ES module: the
 * step, the step SDK and the domain generators it uses, bundled with esbuild on first use and
 * cached by the sources' content. A node needs Node.js and nothing else (no copy of the release,
 * no node_modules). Shell steps are shipped as they are.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { build } from "esbuild";

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
