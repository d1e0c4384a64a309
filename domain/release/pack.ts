/**
 * Content packs: a second bundle kind that adds roles, settings and steps to a release (the brief's
 * integration packages). A pack is `releases/packs/<id>/pack.yaml` + `steps/` + optional
 * `graphs/<operation>.yaml`:
 *
 * - `pack.yaml`: id, version, description, the releases it applies to, the services and roles it
 *   adds (the role catalog's format), the settings it adds (each with a type, a default and limits)
 *   and the cleanup that undoes its steps when it is removed;
 * - `graphs/<operation>.yaml`: steps added to that operation's graph of the release, in the same
 *   step format as the release's graphs; they may wait for (`requires`, `crossDepends`) or run
 *   before (`requiredFor`) the release's steps, but never replace one.
 *
 * A pack's settings live under `packs.<pack id>` of the cluster's settings, so they cannot collide
 * with the release's or another pack's; a step condition names them by that full path
 * (`packs.monitoring-agent.interval`).
 *
 * Everything here is pure: `parsePack` reads a file map, `mergePack` returns the effective bundle
 * (the release plus its packs) or every problem, each naming the file, the step and the field.
 * `removePack` rebuilds the effective bundle without one pack: with no pack left it is the
 * release's own bundle again, object for object.
 */
import { z } from "zod";
import { localize, type Localized, type Params } from "../i18n";
import type { Settings } from "../model";
import { parseRoleCatalog } from "../roles/catalog";
import { roleSchema, serviceSchema, type RoleCatalog } from "../roles/schema";
import {
  findCycles,
  readYaml,
  schemaIssues,
  stepSchema,
  STEP_ID_PATTERN,
  type GraphIssue,
  type GraphIssueCode,
  type Step,
  type TaskGraph,
} from "../taskgraph/schema";
import type { ReleaseBundle } from "./bundle";

/** Folder of the packs beside the releases, and the prefix of pack files inside a bundle. */
export const PACKS_FOLDER = "packs";
export const PACK_ID_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const PACK_SETTING_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9]*$/;
/** A settings path in a pack's step condition: segments may carry `-` (pack ids do). */
const PACK_SETTINGS_PATH_PATTERN = /^[A-Za-z][A-Za-z0-9-]*(\.[A-Za-z][A-Za-z0-9-]*)*$/;

const localizedSchema = z.strictObject({ en: z.string().min(1), "zh-CN": z.string().min(1) });

const scriptSchema = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.includes("\\") && !p.split("/").includes(".."), {
    error: "script-path",
  });

// ---------------------------------------------------------------------------------------------
// Settings a pack declares

const common = { description: localizedSchema };
export const packSettingSchema = z
  .discriminatedUnion(
    "type",
    [
      z.strictObject({
        type: z.literal("integer"),
        default: z.number().int(),
        min: z.number().int().optional(),
        max: z.number().int().optional(),
        ...common,
      }),
      z.strictObject({
        type: z.literal("number"),
        default: z.number(),
        min: z.number().optional(),
        max: z.number().optional(),
        ...common,
      }),
      z.strictObject({
        type: z.literal("boolean"),
        default: z.boolean(),
        ...common,
      }),
      z.strictObject({
        type: z.literal("string"),
        default: z.string(),
        /** A regular expression the whole value must match. */
        pattern: z.string().optional(),
        ...common,
      }),
      z.strictObject({
        type: z.literal("string-list"),
        default: z.array(z.string()),
        pattern: z.string().optional(),
        maxItems: z.number().int().positive().optional(),
        ...common,
      }),
    ],
    { error: "setting-type" },
  )
  .superRefine((s, ctx) => {
    // The default must pass the setting's own checks, or every cluster starts invalid.
    const parsed = settingValueSchema(s).safeParse(s.default);
    if (!parsed.success)
      ctx.addIssue({ code: "custom", message: "default-invalid", path: ["default"] });
  });
export type PackSetting = z.infer<typeof packSettingSchema>;

/** The zod schema of one declared setting's value. */
export function settingValueSchema(s: PackSetting): z.ZodType {
  const matches = (pattern: string | undefined) => {
    if (pattern === undefined) return () => true;
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${pattern})$`);
    } catch {
      return () => false;
    }
    return (v: string) => re.test(v);
  };
  switch (s.type) {
    case "integer":
    case "number": {
      let n = s.type === "integer" ? z.number().int() : z.number();
      if (s.min !== undefined) n = n.min(s.min);
      if (s.max !== undefined) n = n.max(s.max);
      return n;
    }
    case "boolean":
      return z.boolean();
    case "string":
      return z.string().refine(matches(s.pattern), { error: `must match ${s.pattern}` });
    case "string-list": {
      const list = z.array(
        z.string().refine(matches(s.pattern), { error: `must match ${s.pattern}` }),
      );
      return s.maxItems !== undefined ? list.max(s.maxItems) : list;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The manifest and the graphs of a pack

export const packManifestSchema = z.strictObject({
  id: z.string().regex(PACK_ID_PATTERN, { error: "pack-id" }).max(63),
  version: z.string().min(1),
  description: localizedSchema,
  notes: localizedSchema.optional(),
  /** Ids of the releases the pack applies to. */
  releases: z.array(z.string().min(1)).min(1),
  /** Services and roles the pack adds, in the role catalog's format. */
  catalog: z
    .strictObject({
      services: z.array(serviceSchema).default([]),
      roles: z.array(roleSchema).default([]),
    })
    .prefault({}),
  /** Settings the pack adds, under `packs.<id>.<key>` of a cluster's settings. */
  settings: z
    .record(z.string().regex(PACK_SETTING_KEY_PATTERN, { error: "setting-key" }), packSettingSchema)
    .default({}),
  /**
   * What undoes the pack's steps when it is removed: a script run on every node that ran one of
   * them, which removes what the pack wrote and nothing else.
   */
  cleanup: z
    .strictObject({
      script: scriptSchema,
      description: localizedSchema.optional(),
      timeoutSeconds: z.number().int().positive().max(86_400).default(300),
    })
    .optional(),
});
export type PackManifest = z.infer<typeof packManifestSchema>;

const packConditionSchema = z
  .strictObject({
    when: z.enum(["always", "added-nodes", "removed-nodes", "settings-changed"]).default("always"),
    settings: z
      .array(z.string().regex(PACK_SETTINGS_PATH_PATTERN, { error: "settings-path" }))
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.when === "settings-changed" && (c.settings?.length ?? 0) === 0)
      ctx.addIssue({ code: "custom", message: "settings-required", path: ["settings"] });
    if (c.when !== "settings-changed" && c.settings !== undefined)
      ctx.addIssue({ code: "custom", message: "settings-without-condition", path: ["settings"] });
  });

/** A release step, except that its condition may name a pack's settings (`packs.<id>.<key>`). */
const packStepSchema = stepSchema.safeExtend({ condition: packConditionSchema.prefault({}) });

const packGraphSchema = z.strictObject({
  name: z.string().regex(STEP_ID_PATTERN, { error: "step-id" }),
  description: localizedSchema.optional(),
  steps: z.array(packStepSchema).min(1),
});

export interface PackGraph {
  name: string;
  description?: Localized;
  steps: Step[];
}

export interface ContentPack {
  manifest: PackManifest;
  /** Steps added per operation, as written (scripts relative to the pack folder). */
  graphs: Record<string, PackGraph>;
  /** Every file of the pack by path relative to its folder (scripts included). */
  files: ReadonlyMap<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Problems

export type PackIssueCode =
  | GraphIssueCode
  | "release-mismatch"
  | "duplicate-pack"
  | "collision"
  | "unknown-setting"
  | "missing-cleanup"
  | "depended-on";

export interface PackIssue extends Omit<GraphIssue, "code"> {
  code: PackIssueCode;
}

const TEXT = {
  missingFile: {
    en: "{file} is missing: every content pack has it.",
    "zh-CN": "缺少 {file}：每个内容包都必须包含该文件。",
  },
  idMismatch: {
    en: "{file}: id is {id}, but the pack folder is {folder}.",
    "zh-CN": "{file}：id 为 {id}，但内容包目录为 {folder}。",
  },
  graphFileName: {
    en: "{file}: the graph is named {name}, but the file is for {expected}.",
    "zh-CN": "{file}：任务图名称为 {name}，但该文件对应 {expected}。",
  },
  missingScript: {
    en: "{file}: step {stepId}, field {path} runs {script}, which is not in the pack.",
    "zh-CN": "{file}：步骤 {stepId} 的字段 {path} 运行 {script}，但内容包中没有该文件。",
  },
  missingCleanupScript: {
    en: "{file}: field cleanup.script names {script}, which is not in the pack.",
    "zh-CN": "{file}：字段 cleanup.script 指定的 {script} 不在内容包中。",
  },
  missingScriptHint: {
    en: "Add the script to the pack folder, or correct the path (relative to the pack).",
    "zh-CN": "请将脚本放入内容包目录，或更正路径（相对于内容包目录）。",
  },
  missingCleanup: {
    en: "{file}: the pack adds steps ({steps}) but has no cleanup: field cleanup is required so that removing the pack undoes them.",
    "zh-CN":
      "{file}：内容包添加了步骤（{steps}），但没有 cleanup：必须填写 cleanup 字段，以便移除内容包时撤销这些步骤的结果。",
  },
  missingCleanupHint: {
    en: "Add cleanup: {script: steps/cleanup.ts} with a script that removes only what the pack's steps wrote.",
    "zh-CN": "请添加 cleanup: {script: steps/cleanup.ts}，其脚本只删除内容包步骤写入的内容。",
  },
  releaseMismatch: {
    en: "{file}: field releases lists {releases}; the pack does not apply to release {release}.",
    "zh-CN": "{file}：字段 releases 为 {releases}；该内容包不适用于发行版 {release}。",
  },
  releaseMismatchHint: {
    en: "Install it on one of the releases it lists, or add {release} to releases once the pack works with it.",
    "zh-CN": "请安装到其列出的发行版上；或确认内容包兼容后将 {release} 加入 releases。",
  },
  duplicatePack: {
    en: "{file}: pack {pack} is already installed on release {release}.",
    "zh-CN": "{file}：内容包 {pack} 已安装在发行版 {release} 上。",
  },
  duplicatePackHint: {
    en: "Remove the installed pack first to install another version.",
    "zh-CN": "如需安装其他版本，请先移除已安装的内容包。",
  },
  collisionRole: {
    en: "{file}: field {path} adds {kind} {name}, which {owner} already defines; a pack cannot replace it.",
    "zh-CN": "{file}：字段 {path} 添加的{kindZh} {name} 已由{ownerZh}定义；内容包不能替换它。",
  },
  collisionStep: {
    en: "{file}: step {stepId}, field {path}: graph {graph} already has a step {stepId} ({owner}); a pack cannot replace it.",
    "zh-CN":
      "{file}：步骤 {stepId} 的字段 {path}：任务图 {graph} 中已有步骤 {stepId}（{ownerZh}）；内容包不能替换它。",
  },
  collisionSetting: {
    en: "{file}: field settings.{key} would be {setting}, which {owner} already defines; a pack cannot replace it.",
    "zh-CN":
      "{file}：字段 settings.{key} 对应 {setting}，但{ownerZh}已定义该设置；内容包不能替换它。",
  },
  collisionHint: {
    en: "Rename it in the pack, e.g. with the pack id as a prefix.",
    "zh-CN": "请在内容包中重命名，例如加上内容包 ID 作为前缀。",
  },
  unknownGraph: {
    en: "{file}: field name is {graph}, which release {release} does not define.",
    "zh-CN": "{file}：字段 name 为 {graph}，但发行版 {release} 中没有该任务图。",
  },
  unknownGraphHint: {
    en: "A pack adds steps to the release's graphs: {known}.",
    "zh-CN": "内容包只能向发行版已有的任务图添加步骤：{known}。",
  },
  unknownRef: {
    en: "{file}: step {stepId}, field {path} names step {ref}, which is neither in graph {graph} of release {release} nor in the pack.",
    "zh-CN":
      "{file}：步骤 {stepId} 的字段 {path} 引用了步骤 {ref}，但发行版 {release} 的任务图 {graph} 与内容包中都没有该步骤。",
  },
  unknownRefHint: {
    en: "Use one of the graph's steps: {known}.",
    "zh-CN": "请使用任务图中已有的步骤：{known}。",
  },
  unknownRole: {
    en: "{file}: step {stepId}, field {path} names {kind} {name}, which neither the release nor the pack defines.",
    "zh-CN":
      "{file}：步骤 {stepId} 的字段 {path} 引用了{kindZh} {name}，但发行版与内容包都未定义。",
  },
  unknownRoleHint: {
    en: "Use a {kind} of the release or add it to the pack's catalog: {known}.",
    "zh-CN": "请使用发行版中的{kindZh}，或将其加入内容包的 catalog：{known}。",
  },
  unknownSetting: {
    en: "{file}: step {stepId}, field {path} watches {setting}, which is neither a setting of release {release} nor one the pack declares.",
    "zh-CN":
      "{file}：步骤 {stepId} 的字段 {path} 监视 {setting}，但它既不是发行版 {release} 的设置，也不是内容包声明的设置。",
  },
  unknownSettingHint: {
    en: "Name a release setting (such as ntp or dns.domain) or one of the pack's: {known}.",
    "zh-CN": "请指定发行版的设置（例如 ntp 或 dns.domain）或内容包的设置：{known}。",
  },
  catalog: {
    en: "{file}: field {path}: {detail}.",
    "zh-CN": "{file}：字段 {path}：{detail}。",
  },
  cycle: {
    en: "{file}: with the pack's steps, graph {graph} waits in a cycle, so none of these steps can start: {cycle} (→ means “waits for”).",
    "zh-CN":
      "{file}：加入内容包的步骤后，任务图 {graph} 中以下步骤相互等待形成循环，都无法开始：{cycle}（→ 表示“等待”）。",
  },
  cycleHint: {
    en: "Remove one of the pack's dependencies (requires, requiredFor or crossDepends).",
    "zh-CN": "请删除内容包中的一个依赖（requires、requiredFor 或 crossDepends）。",
  },
  dependedOn: {
    en: "{file}: pack {pack} needs {what} of pack {other}; removing {other} would break it.",
    "zh-CN": "{file}：内容包 {pack} 依赖内容包 {other} 的{whatZh}；移除 {other} 会使其失效。",
  },
  dependedOnHint: {
    en: "Remove pack {pack} first.",
    "zh-CN": "请先移除内容包 {pack}。",
  },
} as const satisfies Record<string, Localized>;

function both(template: Localized, params: Params, zh: Params = {}): Localized {
  return {
    en: localize(template, params).en,
    "zh-CN": localize(template, { ...params, ...zh })["zh-CN"],
  };
}

function packIssue(
  code: PackIssueCode,
  file: string,
  text: Localized,
  params: Params,
  extra: Partial<PackIssue> & { zh?: Params } = {},
): PackIssue {
  const { zh, ...rest } = extra;
  return { code, file, path: "", message: both(text, params, zh), params, ...rest };
}

/** Where a pack's file is named in problems: `packs/<folder>/<path>`. */
export const packFile = (folder: string, rel: string) => `${PACKS_FOLDER}/${folder}/${rel}`;

// ---------------------------------------------------------------------------------------------
// Reading a pack

export type ParsePackResult = { ok: true; pack: ContentPack } | { ok: false; issues: PackIssue[] };

/**
 * Validates a pack on its own: the manifest, its graphs and that every script it names exists.
 * What depends on the release (collisions, references, cycles) is `mergePack`'s.
 */
export function parsePack(folder: string, files: ReadonlyMap<string, string>): ParsePackResult {
  const issues: PackIssue[] = [];
  const manifestFile = packFile(folder, "pack.yaml");
  const text = files.get("pack.yaml");
  if (text === undefined)
    return {
      ok: false,
      issues: [packIssue("schema", manifestFile, TEXT.missingFile, { file: manifestFile })],
    };
  const read = readYaml(text, manifestFile);
  if (!read.ok) return { ok: false, issues: read.errors };
  const parsed = packManifestSchema.safeParse(read.data);
  if (!parsed.success)
    issues.push(...withPackProblems(schemaIssues(parsed.error, read.data, manifestFile)));
  else if (parsed.data.id !== folder)
    issues.push(
      packIssue(
        "schema",
        manifestFile,
        TEXT.idMismatch,
        { file: manifestFile, id: parsed.data.id, folder },
        { path: "id" },
      ),
    );

  const graphs: Record<string, PackGraph> = {};
  for (const [rel, source] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const match = /^graphs\/([^/]+)\.ya?ml$/.exec(rel);
    if (!match) continue;
    const file = packFile(folder, rel);
    const expected = match[1] as string;
    const yaml = readYaml(source, file);
    if (!yaml.ok) {
      issues.push(...yaml.errors);
      continue;
    }
    const graph = packGraphSchema.safeParse(yaml.data);
    if (!graph.success) {
      issues.push(...withPackProblems(schemaIssues(graph.error, yaml.data, file)));
      continue;
    }
    if (graph.data.name !== expected)
      issues.push(
        packIssue(
          "schema",
          file,
          TEXT.graphFileName,
          { file, name: graph.data.name, expected },
          { path: "name" },
        ),
      );
    graph.data.steps.forEach((step, i) => {
      if (step.script !== undefined && !files.has(step.script))
        issues.push(
          packIssue(
            "unknown-reference",
            file,
            TEXT.missingScript,
            { file, stepId: step.id, path: `steps[${i}].script`, script: step.script },
            { stepId: step.id, path: `steps[${i}].script`, hint: TEXT.missingScriptHint },
          ),
        );
    });
    graphs[graph.data.name] = graph.data as PackGraph;
  }

  if (parsed.success) {
    const cleanup = parsed.data.cleanup;
    if (cleanup && !files.has(cleanup.script))
      issues.push(
        packIssue(
          "unknown-reference",
          manifestFile,
          TEXT.missingCleanupScript,
          { file: manifestFile, script: cleanup.script },
          { path: "cleanup.script", hint: TEXT.missingScriptHint },
        ),
      );
    const shellSteps = Object.values(graphs).flatMap((g) =>
      g.steps.filter((s) => s.type === "shell").map((s) => s.id),
    );
    if (!cleanup && shellSteps.length > 0)
      issues.push(
        packIssue(
          "missing-cleanup",
          manifestFile,
          TEXT.missingCleanup,
          { file: manifestFile, steps: [...new Set(shellSteps)].join(", ") },
          { path: "cleanup", hint: TEXT.missingCleanupHint },
        ),
      );
  }

  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  return { ok: true, pack: { manifest: parsed.data, graphs, files } };
}

const PACK_PROBLEMS: Record<string, Localized> = {
  "pack-id": {
    en: "must be lowercase letters and digits in words joined by '-', starting with a letter",
    "zh-CN": "只能由小写字母和数字组成，单词之间用“-”连接，并以字母开头",
  },
  "setting-key": {
    en: "names a setting with a key that is not letters and digits starting with a letter",
    "zh-CN": "中的设置键必须由字母和数字组成并以字母开头",
  },
  "setting-type": {
    en: "must have type integer, number, boolean, string or string-list",
    "zh-CN": "的 type 必须是 integer、number、boolean、string 或 string-list",
  },
  "default-invalid": {
    en: "does not pass the setting's own min, max, pattern or maxItems",
    "zh-CN": "不满足该设置自身的 min、max、pattern 或 maxItems 限制",
  },
};

/** Replaces the generic "is not valid (pack-id)" text of the pack's own refinements. */
function withPackProblems(issues: GraphIssue[]): PackIssue[] {
  return issues.map((issue) => {
    const detail = issue.params.detail;
    const key = typeof detail === "string" ? detail : undefined;
    const problem = key ? PACK_PROBLEMS[key] : undefined;
    if (!problem) return issue;
    const where = issue.path ? `field ${issue.path}` : "the file";
    const whereZh = issue.path ? `字段 ${issue.path}` : "该文件";
    return {
      ...issue,
      message: {
        en: `${issue.file}: ${issue.stepId ? `step ${issue.stepId}, ` : ""}${where} ${problem.en}.`,
        "zh-CN": `${issue.file}：${issue.stepId ? `步骤 ${issue.stepId} 的` : ""}${whereZh}${problem["zh-CN"]}。`,
      },
      params: { ...issue.params, problem: key as string },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The effective bundle

/** The release's bundle with its installed packs merged in. */
export interface EffectiveBundle extends ReleaseBundle {
  /** The release's own bundle. */
  base: ReleaseBundle;
  /** Installed packs, in the order they were merged. */
  packs: readonly ContentPack[];
  /** Which pack added a step (`<graph>/<step id>`), a role or a service; absent: the release. */
  origin: {
    steps: Readonly<Record<string, string>>;
    roles: Readonly<Record<string, string>>;
    services: Readonly<Record<string, string>>;
  };
}

/** Settings of a cluster with the packs' values under `packs.<id>`. */
export type EffectiveSettings = Settings & { packs?: Record<string, Record<string, unknown>> };

/** A release's bundle as an effective bundle with no pack (its own objects, unchanged). */
export function withoutPacks(bundle: ReleaseBundle): EffectiveBundle {
  const base = isEffective(bundle) ? bundle.base : bundle;
  return {
    ...base,
    base,
    packs: [],
    origin: { steps: {}, roles: {}, services: {} },
  };
}

function isEffective(bundle: ReleaseBundle): bundle is EffectiveBundle {
  return "base" in bundle && "packs" in bundle;
}

/** The script path of a pack's file inside the effective bundle: `packs/<id>/<rel>`. */
export const packScriptPath = (packId: string, rel: string) => `${PACKS_FOLDER}/${packId}/${rel}`;

/** `packs/<id>/<rel>` → `{packId, rel}`; null for the release's own files. */
export function packOfScript(script: string): { packId: string; rel: string } | null {
  const m = /^packs\/([^/]+)\/(.+)$/.exec(script);
  return m ? { packId: m[1] as string, rel: m[2] as string } : null;
}

function ownerText(packId: string | undefined, release: string) {
  return packId
    ? { en: `pack ${packId}`, "zh-CN": `内容包 ${packId}` }
    : { en: `release ${release}`, "zh-CN": `发行版 ${release}` };
}

/** Dotted paths of every leaf of a settings object (lists are leaves). */
function settingLeaves(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return [prefix];
  const keys = Object.keys(value);
  if (keys.length === 0) return prefix ? [prefix] : [];
  return keys.flatMap((k) =>
    settingLeaves((value as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k),
  );
}

const overlaps = (a: string, b: string) =>
  a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);

export type MergePackResult =
  { ok: true; bundle: EffectiveBundle } | { ok: false; issues: PackIssue[] };

/**
 * Adds a pack to a release's bundle (or to an effective bundle that already has packs). Refuses,
 * with every problem at once: a pack for another release, a pack already merged, a role, service,
 * setting or step id the bundle already has (a pack adds, it never replaces), a graph the release
 * does not define, a reference to a step, role, service or setting that does not exist, and a
 * cycle that only appears once the pack's steps join the release's.
 */
export function mergePack(bundle: ReleaseBundle, pack: ContentPack): MergePackResult {
  const current = isEffective(bundle) ? bundle : withoutPacks(bundle);
  const { manifest } = pack;
  const id = manifest.id;
  const release = current.manifest.id;
  const manifestFile = packFile(id, "pack.yaml");
  const issues: PackIssue[] = [];

  if (!manifest.releases.includes(release))
    issues.push(
      packIssue(
        "release-mismatch",
        manifestFile,
        TEXT.releaseMismatch,
        { file: manifestFile, releases: manifest.releases.join(", "), release },
        { path: "releases", hint: localize(TEXT.releaseMismatchHint, { release }) },
      ),
    );
  if (current.packs.some((p) => p.manifest.id === id)) {
    issues.push(
      packIssue(
        "duplicate-pack",
        manifestFile,
        TEXT.duplicatePack,
        { file: manifestFile, pack: id, release },
        { path: "id", hint: TEXT.duplicatePackHint },
      ),
    );
    return { ok: false, issues };
  }

  // Catalog: new names only, then the merged catalog's own reference checks.
  const collide = (kind: "role" | "service", name: string, path: string) => {
    const owner = (kind === "role" ? current.origin.roles : current.origin.services)[name];
    const text = ownerText(owner, release);
    issues.push(
      packIssue(
        "collision",
        manifestFile,
        TEXT.collisionRole,
        { file: manifestFile, path, kind, name, owner: text.en },
        {
          path,
          hint: TEXT.collisionHint,
          zh: { kindZh: kind === "role" ? "角色" : "服务", ownerZh: text["zh-CN"] },
        },
      ),
    );
  };
  const baseServices = new Set(current.catalog.services.map((s) => s.name));
  const baseRoles = new Set(current.catalog.roles.map((r) => r.name));
  manifest.catalog.services.forEach((s, i) => {
    if (baseServices.has(s.name)) collide("service", s.name, `catalog.services[${i}].name`);
  });
  manifest.catalog.roles.forEach((r, i) => {
    if (baseRoles.has(r.name)) collide("role", r.name, `catalog.roles[${i}].name`);
  });
  const catalog: RoleCatalog = {
    services: [...current.catalog.services, ...manifest.catalog.services],
    roles: [...current.catalog.roles, ...manifest.catalog.roles],
  };
  if (!issues.some((i) => i.code === "collision")) {
    const checked = parseRoleCatalog(catalog);
    if (!checked.ok)
      for (const problem of checked.issues) {
        // Paths index the merged lists; the pack's entries follow the bundle's.
        const m = /^(services|roles)\[(\d+)\](.*)$/.exec(problem.path);
        const offset =
          m?.[1] === "services" ? current.catalog.services.length : current.catalog.roles.length;
        const index = m ? Number(m[2]) - offset : -1;
        const path = m && index >= 0 ? `catalog.${m[1]}[${index}]${m[3]}` : "catalog";
        issues.push(
          packIssue(
            "schema",
            manifestFile,
            TEXT.catalog,
            { file: manifestFile, path, detail: problem.message },
            { path },
          ),
        );
      }
  }

  // Settings: under packs.<id>, which nothing else may already hold.
  const defaults = current.manifest.settings.defaults as EffectiveSettings;
  const taken = settingLeaves(defaults);
  const packDefaults: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(manifest.settings)) {
    const path = `packs.${id}.${key}`;
    const clash = taken.find((t) => overlaps(t, path));
    if (clash !== undefined) {
      const owner = ownerText(
        clash.startsWith("packs.") ? clash.split(".")[1] : undefined,
        release,
      );
      issues.push(
        packIssue(
          "collision",
          manifestFile,
          TEXT.collisionSetting,
          { file: manifestFile, key, setting: path, owner: owner.en },
          { path: `settings.${key}`, hint: TEXT.collisionHint, zh: { ownerZh: owner["zh-CN"] } },
        ),
      );
    }
    packDefaults[key] = setting.default;
  }
  // What a step condition may watch: the release's settings, the pack's, and installed packs'.
  const settingPaths = [...taken, ...Object.keys(manifest.settings).map((k) => `packs.${id}.${k}`)];

  // Graphs: steps join the release's graphs of the same name.
  const known = {
    roles: catalog.roles.map((r) => r.name),
    services: catalog.services.map((s) => s.name),
  };
  const graphs: Record<string, TaskGraph> = { ...current.graphs };
  const stepOrigin: Record<string, string> = { ...current.origin.steps };
  for (const [name, graph] of Object.entries(pack.graphs)) {
    const file = packFile(id, `graphs/${name}.yaml`);
    const target = current.graphs[name];
    if (!target) {
      const known = Object.keys(current.graphs).join(", ");
      issues.push(
        packIssue(
          "unknown-graph",
          file,
          TEXT.unknownGraph,
          { file, graph: name, release, known },
          { path: "name", hint: localize(TEXT.unknownGraphHint, { known }) },
        ),
      );
      continue;
    }
    const releaseIds = new Set(target.steps.map((s) => s.id));
    const ids = new Set([...releaseIds, ...graph.steps.map((s) => s.id)]);
    const seen = new Set<string>();
    graph.steps.forEach((step, i) => {
      const at = `steps[${i}]`;
      if (releaseIds.has(step.id) || seen.has(step.id)) {
        const owner = ownerText(seen.has(step.id) ? id : stepOrigin[`${name}/${step.id}`], release);
        issues.push(
          packIssue(
            "duplicate-id",
            file,
            TEXT.collisionStep,
            { file, stepId: step.id, path: `${at}.id`, graph: name, owner: owner.en },
            {
              stepId: step.id,
              path: `${at}.id`,
              hint: TEXT.collisionHint,
              zh: { ownerZh: owner["zh-CN"] },
            },
          ),
        );
      }
      seen.add(step.id);
      const ref = (path: string, target: string) => {
        if (ids.has(target)) return;
        const params = {
          file,
          stepId: step.id,
          path,
          ref: target,
          graph: name,
          release,
          known: [...ids].join(", "),
        };
        issues.push(
          packIssue("unknown-reference", file, TEXT.unknownRef, params, {
            stepId: step.id,
            path,
            hint: localize(TEXT.unknownRefHint, params),
          }),
        );
      };
      step.requires.forEach((r, k) => ref(`${at}.requires[${k}]`, r));
      step.requiredFor.forEach((r, k) => ref(`${at}.requiredFor[${k}]`, r));
      step.crossDepends.forEach((c, k) => ref(`${at}.crossDepends[${k}].step`, c.step));
      const role = (path: string, value: string, kind: "role" | "service" | "role or service") => {
        const list =
          kind === "role"
            ? known.roles
            : kind === "service"
              ? known.services
              : [...known.roles, ...known.services];
        if (list.includes(value)) return;
        const kindZh = { role: "角色", service: "服务", "role or service": "角色或服务" }[kind];
        const params = { file, stepId: step.id, path, kind, name: value, known: list.join(", ") };
        issues.push(
          packIssue("unknown-role", file, TEXT.unknownRole, params, {
            stepId: step.id,
            path,
            hint: both(TEXT.unknownRoleHint, params, { kindZh }),
            zh: { kindZh },
          }),
        );
      };
      step.selector.roles?.forEach((r, k) => role(`${at}.selector.roles[${k}]`, r, "role"));
      step.selector.services?.forEach((s, k) =>
        role(`${at}.selector.services[${k}]`, s, "service"),
      );
      step.crossDepends.forEach((c, k) => {
        if (c.role !== "self" && c.role !== "*")
          role(`${at}.crossDepends[${k}].role`, c.role, "role or service");
      });
      step.condition.settings?.forEach((s, k) => {
        if (settingPaths.some((p) => overlaps(p, s))) return;
        const path = `${at}.condition.settings[${k}]`;
        const params = {
          file,
          stepId: step.id,
          path,
          setting: s,
          release,
          known: Object.keys(manifest.settings)
            .map((key) => `packs.${id}.${key}`)
            .join(", "),
        };
        issues.push(
          packIssue("unknown-setting", file, TEXT.unknownSetting, params, {
            stepId: step.id,
            path,
            hint: localize(TEXT.unknownSettingHint, params),
          }),
        );
      });
    });
    const added = graph.steps.map((s) =>
      s.script === undefined ? s : { ...s, script: packScriptPath(id, s.script) },
    );
    for (const s of graph.steps) stepOrigin[`${name}/${s.id}`] = id;
    graphs[name] = { ...target, steps: [...target.steps, ...added] };
  }

  if (issues.length > 0) return { ok: false, issues };

  // Cycles only once every reference resolves.
  for (const name of Object.keys(pack.graphs)) {
    const merged = graphs[name] as TaskGraph;
    const file = packFile(id, `graphs/${name}.yaml`);
    for (const cycle of findCycles(merged)) {
      const params = { file, graph: name, cycle: cycle.join(" → ") };
      const own = cycle.find((s) => pack.graphs[name]?.steps.some((p) => p.id === s));
      issues.push(
        packIssue("cycle", file, TEXT.cycle, params, {
          ...(own ? { stepId: own } : {}),
          path: "steps",
          hint: TEXT.cycleHint,
        }),
      );
    }
  }
  if (issues.length > 0) return { ok: false, issues };

  const files = new Map(current.files);
  for (const [rel, text] of pack.files) files.set(packScriptPath(id, rel), text);
  const roles: Record<string, string> = { ...current.origin.roles };
  for (const r of manifest.catalog.roles) roles[r.name] = id;
  const services: Record<string, string> = { ...current.origin.services };
  for (const s of manifest.catalog.services) services[s.name] = id;
  return {
    ok: true,
    bundle: {
      manifest: {
        ...current.manifest,
        settings: {
          defaults: {
            ...defaults,
            packs: { ...defaults.packs, [id]: packDefaults },
          } as Settings,
        },
      },
      catalog,
      graphs: graphs as ReleaseBundle["graphs"],
      sequences: current.sequences,
      files,
      base: current.base,
      packs: [...current.packs, pack],
      origin: { steps: stepOrigin, roles, services },
    },
  };
}

/** Merges packs in order; the first refusal stops (it names the pack's files). */
export function mergePacks(bundle: ReleaseBundle, packs: readonly ContentPack[]): MergePackResult {
  let current: EffectiveBundle = withoutPacks(bundle);
  for (const pack of packs) {
    const merged = mergePack(current, pack);
    if (!merged.ok) return merged;
    current = merged.bundle;
  }
  return { ok: true, bundle: current };
}

/**
 * The effective bundle without one pack: the release merged with the other packs again. Refused
 * when another pack builds on this one (its steps wait for the pack's, its roles use its services).
 * With no pack left, the result holds the release's own objects.
 */
export function removePack(bundle: EffectiveBundle, packId: string): MergePackResult {
  const rest = bundle.packs.filter((p) => p.manifest.id !== packId);
  const merged = mergePacks(bundle.base, rest);
  if (merged.ok) return merged;
  const removed = bundle.packs.find((p) => p.manifest.id === packId);
  return {
    ok: false,
    issues: merged.issues.map((issue) => {
      const other = /^packs\/([^/]+)\//.exec(issue.file)?.[1] ?? "?";
      const params = { file: issue.file, pack: other, other: packId, what: issue.path };
      return {
        ...issue,
        code: "depended-on" as const,
        message: both(TEXT.dependedOn, params, { whatZh: ` ${issue.path} ` }),
        hint: localize(TEXT.dependedOnHint, { pack: other }),
        params: { ...params, removed: removed?.manifest.version ?? "" },
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// Settings values

export interface PackSettingProblem {
  /** Full settings path, e.g. `packs.monitoring-agent.interval`. */
  path: string;
  message: string;
}

/**
 * A pack's settings for a cluster: the stored values (`settings.packs.<id>`) over the declared
 * defaults; undeclared keys are dropped. Throws nothing: invalid values are reported and replaced
 * by the defaults only in `problems`' absence — callers decide (steps fail, the UI shows them).
 */
export function resolvePackSettings(
  packId: string,
  declared: PackManifest["settings"],
  stored: unknown,
): { values: Record<string, unknown>; problems: PackSettingProblem[] } {
  const given =
    typeof stored === "object" && stored !== null && !Array.isArray(stored)
      ? (stored as Record<string, unknown>)
      : {};
  const values: Record<string, unknown> = {};
  const problems: PackSettingProblem[] = [];
  for (const [key, setting] of Object.entries(declared)) {
    if (!(key in given) || given[key] === undefined) {
      values[key] = setting.default;
      continue;
    }
    const parsed = settingValueSchema(setting).safeParse(given[key]);
    if (parsed.success) values[key] = parsed.data;
    else {
      values[key] = setting.default;
      problems.push({
        path: `packs.${packId}.${key}`,
        message: parsed.error.issues.map((i) => i.message).join("; "),
      });
    }
  }
  return { values, problems };
}

/**
 * A cluster's settings as steps get them: the stored settings (or the release's defaults) with
 * `packs` holding exactly the installed packs' settings, stored values over defaults.
 */
export function effectiveSettings(
  bundle: EffectiveBundle,
  stored: Settings | EffectiveSettings | null,
): EffectiveSettings {
  const base = (stored ?? bundle.base.manifest.settings.defaults) as EffectiveSettings;
  const { packs: storedPacks, ...own } = base;
  if (bundle.packs.length === 0) return own as Settings;
  const packs: Record<string, Record<string, unknown>> = {};
  for (const pack of bundle.packs) {
    const id = pack.manifest.id;
    packs[id] = resolvePackSettings(id, pack.manifest.settings, storedPacks?.[id]).values;
  }
  return { ...(own as Settings), packs };
}

// ---------------------------------------------------------------------------------------------
// What the UI shows of a pack

export function packSummary(pack: ContentPack) {
  const m = pack.manifest;
  return {
    id: m.id,
    version: m.version,
    description: m.description,
    ...(m.notes ? { notes: m.notes } : {}),
    releases: m.releases,
    services: m.catalog.services.map((s) => ({ name: s.name, description: s.description })),
    roles: m.catalog.roles.map((r) => ({
      name: r.name,
      description: r.description,
      services: r.services,
    })),
    settings: Object.entries(m.settings).map(([key, s]) => ({
      key,
      path: `packs.${m.id}.${key}`,
      type: s.type,
      default: s.default as unknown,
      description: s.description,
      ...("min" in s && s.min !== undefined ? { min: s.min } : {}),
      ...("max" in s && s.max !== undefined ? { max: s.max } : {}),
    })),
    steps: Object.entries(pack.graphs).flatMap(([graph, g]) =>
      g.steps.map((s) => ({
        graph,
        id: s.id,
        script: s.script ?? null,
        description: s.description ?? null,
        requires: s.requires,
        requiredFor: s.requiredFor,
      })),
    ),
    cleanup: m.cleanup
      ? { script: m.cleanup.script, description: m.cleanup.description ?? null }
      : null,
  };
}
export type PackSummary = ReturnType<typeof packSummary>;
