#!/usr/bin/env node
/**
 * Bundles the agent (agent/main.ts and everything it imports, systeminformation and commander
 * included) into one ES module a node runs with a plain `node`: dist/cairn-agent.mjs.
 *
 *   node agent/bundle.mjs [--outfile path]
 *
 * systeminformation is CommonJS and requires Node built-ins at run time; an ES module has no
 * `require`, so the banner makes one.
 */
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function bundleAgent({
  outfile = path.join(root, "dist/cairn-agent.mjs"),
  minify = false,
} = {}) {
  const result = await build({
    stdin: {
      contents:
        'import { run } from "./agent/main.ts";\nprocess.exitCode = await run(process.argv);\n',
      resolveDir: root,
      sourcefile: "cairn-agent-entry.ts",
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    minify,
    legalComments: "none",
    logLevel: "warning",
    banner: {
      js: [
        "#!/usr/bin/env node",
        'import { createRequire as __cairnCreateRequire } from "node:module";',
        "const require = __cairnCreateRequire(import.meta.url);",
      ].join("\n"),
    },
  });
  return { outfile, warnings: result.warnings };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--outfile");
  const outfile = i > 0 ? path.resolve(process.argv[i + 1] ?? "") : undefined;
  const { outfile: written } = await bundleAgent(outfile ? { outfile } : {});
  const { chmod } = await import("node:fs/promises");
  await chmod(written, 0o755);
  const shown = path.relative(process.cwd(), written);
  console.log(`wrote ${shown.startsWith("..") ? written : shown}`);
}
