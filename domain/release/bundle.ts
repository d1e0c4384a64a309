/**
 * Release bundles: `releases/<id>/release.yaml` + `roles.yaml` + `graphs/<operation>.yaml` +
 * `steps/…`. The engine knows nothing about clouds; a bundle says what each operation does.
 *
 * `parseBundle` is pure: it takes the bundle's files as a map (path → text) and returns the
 * validated bundle, or every problem at once, each naming the file, the step and the field. The
 * server reads the files (server/services/releases.ts); tests pass maps.
 */
import { z } from "zod";
import { localize, type Localized } from "../i18n";
import { ARCHES, settingsSchema } from "../model";
import { catalogIndex, parseRoleCatalog } from "../roles/catalog";
import type { RoleCatalog } from "../roles/schema";
import {
  parseGraph,
  parseSequences,
  readYaml,
  schemaIssues,
  type GraphIssue,
  type Sequence,
  type TaskGraph,
} from "../taskgraph/schema";

/** The operations every release defines, each a graph in `graphs/<operation>.yaml`. */
export const OPERATIONS = [
  "provision",
  "deploy",
  "remove-node",
  "enter-maintenance",
  "exit-maintenance",
  "update-settings",
  "verify-network",
] as const;
export type Operation = (typeof OPERATIONS)[number];

const localizedSchema = z.object({ en: z.string().min(1), "zh-CN": z.string().min(1) });

export const releaseManifestSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/),
  version: z.string().min(1),
  description: localizedSchema,
  /** Said plainly in the UI: what the steps really do where (e.g. lab nodes write files only). */
  notes: localizedSchema.optional(),
  architectures: z.array(z.enum(ARCHES)).min(1),
  /** Settings defaults of clusters built with this release (the settings schema is Cairn's). */
  settings: z.strictObject({ defaults: settingsSchema }),
  sequences: z
    .array(
      z.strictObject({
        name: z.string(),
        description: localizedSchema.optional(),
        graphs: z.array(z.string()).min(1),
      }),
    )
    .default([]),
});
export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;

export interface ReleaseBundle {
  manifest: ReleaseManifest;
  catalog: RoleCatalog;
  graphs: Record<Operation, TaskGraph> & Record<string, TaskGraph>;
  sequences: Sequence[];
  /** Every file of the bundle by path (scripts included), as read. */
  files: ReadonlyMap<string, string>;
}

export type BundleIssue = GraphIssue;
export type ParseBundleResult =
  { ok: true; bundle: ReleaseBundle } | { ok: false; issues: BundleIssue[] };

const TEXT = {
  missingFile: {
    en: "{file} is missing: every release has it.",
    "zh-CN": "缺少 {file}：每个发行版都必须包含该文件。",
  },
  missingGraph: {
    en: "{file} is missing: every release defines the {operation} operation.",
    "zh-CN": "缺少 {file}：每个发行版都必须定义 {operation} 操作。",
  },
  graphName: {
    en: "{file}: the graph is named {name}, but the file is for the {operation} operation.",
    "zh-CN": "{file}：任务图名称为 {name}，但该文件对应 {operation} 操作。",
  },
  missingScript: {
    en: "{file}: step {stepId} runs {script}, which is not in the release.",
    "zh-CN": "{file}：步骤 {stepId} 运行 {script}，但发行版中没有该文件。",
  },
  missingScriptHint: {
    en: "Add the script under the release folder, or correct the path (relative to the release).",
    "zh-CN": "请将脚本放入发行版目录，或更正路径（相对于发行版目录）。",
  },
  catalog: { en: "{file}: {detail}", "zh-CN": "{file}：{detail}" },
  idMismatch: {
    en: "{file}: id is {id}, but the release folder is {folder}.",
    "zh-CN": "{file}：id 为 {id}，但发行版目录为 {folder}。",
  },
} as const satisfies Record<string, Localized>;

function issue(
  code: GraphIssue["code"],
  file: string,
  text: Localized,
  params: Record<string, string | number>,
  extra: Partial<GraphIssue> = {},
): GraphIssue {
  return { code, file, path: "", message: localize(text, params), params, ...extra };
}

/** Parses YAML text of a file in the map; a missing file is an issue too. */
function yamlOf(files: ReadonlyMap<string, string>, file: string, issues: GraphIssue[]) {
  const text = files.get(file);
  if (text === undefined) {
    issues.push(issue("schema", file, TEXT.missingFile, { file }));
    return undefined;
  }
  const read = readYaml(text, file);
  if (!read.ok) {
    issues.push(...read.errors);
    return undefined;
  }
  return read.data;
}

/**
 * Validates a whole bundle. `folder` is the bundle's folder name (its id must match); file paths
 * in `files` are relative to the bundle folder, with `/` separators.
 */
export function parseBundle(folder: string, files: ReadonlyMap<string, string>): ParseBundleResult {
  const issues: GraphIssue[] = [];
  const manifestFile = `${folder}/release.yaml`;
  const at = (p: string) => `${folder}/${p}`;
  if (!files.has("release.yaml"))
    return {
      ok: false,
      issues: [issue("schema", manifestFile, TEXT.missingFile, { file: manifestFile })],
    };
  const raw = yamlOf(new Map([[manifestFile, files.get("release.yaml")!]]), manifestFile, issues);
  const manifest = releaseManifestSchema.safeParse(raw);
  if (!manifest.success) issues.push(...schemaIssues(manifest.error, raw, manifestFile));
  else if (manifest.data.id !== folder)
    issues.push(
      issue(
        "schema",
        manifestFile,
        TEXT.idMismatch,
        { file: manifestFile, id: manifest.data.id, folder },
        { path: "id" },
      ),
    );

  const rolesText = files.get("roles.yaml");
  let catalog: RoleCatalog | undefined;
  if (rolesText === undefined)
    issues.push(issue("schema", at("roles.yaml"), TEXT.missingFile, { file: at("roles.yaml") }));
  else {
    const parsed = parseRoleCatalog(rolesText);
    if (parsed.ok) catalog = parsed.catalog;
    else
      for (const problem of parsed.issues)
        issues.push(
          issue(
            "schema",
            at("roles.yaml"),
            TEXT.catalog,
            {
              file: at("roles.yaml"),
              detail: `${problem.path}: ${problem.message}`,
            },
            { path: problem.path },
          ),
        );
  }
  const index = catalog ? catalogIndex(catalog) : undefined;
  const known = index
    ? { roles: [...index.roles.keys()], services: [...index.services.keys()] }
    : undefined;

  const graphs: Record<string, TaskGraph> = {};
  for (const operation of OPERATIONS) {
    const rel = `graphs/${operation}.yaml`;
    const file = at(rel);
    const text = files.get(rel);
    if (text === undefined) {
      issues.push(issue("unknown-graph", file, TEXT.missingGraph, { file, operation }));
      continue;
    }
    const parsed = parseGraph(text, { file, ...(known ? { catalog: known } : {}) });
    if (!parsed.ok) {
      issues.push(...parsed.errors);
      continue;
    }
    if (parsed.graph.name !== operation)
      issues.push(
        issue(
          "schema",
          file,
          TEXT.graphName,
          { file, name: parsed.graph.name, operation },
          { path: "name" },
        ),
      );
    parsed.graph.steps.forEach((step, i) => {
      if (step.script !== undefined && !files.has(step.script))
        issues.push({
          ...issue("unknown-reference", file, TEXT.missingScript, {
            file,
            stepId: step.id,
            script: step.script,
          }),
          stepId: step.id,
          path: `steps[${i}].script`,
          hint: TEXT.missingScriptHint,
        });
    });
    graphs[operation] = parsed.graph;
  }

  let sequences: Sequence[] = [];
  if (manifest.success) {
    const parsed = parseSequences(manifest.data.sequences, [...OPERATIONS], { file: manifestFile });
    if (parsed.ok) sequences = parsed.sequences;
    else issues.push(...parsed.errors.map((e) => ({ ...e, path: `sequences${e.path}` })));
  }

  if (issues.length > 0 || !manifest.success || !catalog) return { ok: false, issues };
  return {
    ok: true,
    bundle: {
      manifest: manifest.data,
      catalog,
      graphs: graphs as ReleaseBundle["graphs"],
      sequences,
      files,
    },
  };
}
