/**
 * The task graph format of a release (Fuel's, which ended its 80-minute role-ordered deploys): a
 * graph per operation is a list of steps, each with a node selector, same-node `requires` /
 * `requiredFor`, cross-node `crossDepends` with an `all | any` policy, a condition, a timeout, a retry
 * policy, a concurrency strategy and a fault tolerance. Graphs chain into named sequences.
 *
 * Every problem found while reading a graph names the file, the step and the field
 * ("steps[3].retry.maxAttempts"), in both languages, and all problems are reported at once.
 */
import { parseDocument } from "yaml";
import { z } from "zod";
import { localize, type Localized, type Params } from "../i18n";

/** Step and graph names: lowercase, digits, `-`, `_`, `.`. Never `@` or `#`: plan ids use them. */
export const STEP_ID_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,99}$/;
/** Dotted settings path such as `ntp.servers`. */
export const SETTINGS_PATH_PATTERN = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;
/** Fuel's default for a shell step. */
export const DEFAULT_TIMEOUT_SECONDS = 300;

export const STEP_TYPES = ["shell", "core"] as const;
export type StepType = (typeof STEP_TYPES)[number];
export const CONDITION_KINDS = [
  "always",
  "added-nodes",
  "removed-nodes",
  "settings-changed",
] as const;
export const CROSS_POLICIES = ["all", "any"] as const;

const localizedSchema = z.strictObject({ en: z.string().min(1), "zh-CN": z.string().min(1) });
const stepIdSchema = z.string().regex(STEP_ID_PATTERN, { error: "step-id" });
const nameList = z.array(z.string().min(1));

/**
 * Temporal's retry fields. `maxAttempts` counts the first attempt: 1 means no retries (Fuel cut its
 * default retries to 0 to surface bad steps, and so do we).
 */
export const retryPolicySchema = z
  .strictObject({
    maxAttempts: z.number().int().min(1).max(100).default(1),
    initialIntervalSeconds: z.number().positive().max(3600).default(1),
    backoffCoefficient: z.number().min(1).max(10).default(2),
    maxIntervalSeconds: z.number().positive().max(86_400).default(60),
    /** Exit codes that mean "retrying cannot help" (bad input, missing tool): fail at once. */
    nonRetryableExitCodes: z.array(z.number().int().min(0).max(255)).default([]),
  })
  .refine((p) => p.maxIntervalSeconds >= p.initialIntervalSeconds, {
    error: "max-below-initial",
    path: ["maxIntervalSeconds"],
  });
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

/**
 * A per-launch change to the retry policy (e.g. `{retries: 0}` to fail fast). `retries` counts
 * re-runs after the first attempt; `maxAttempts` counts all attempts; give one of them.
 */
export const retryOverrideSchema = z
  .strictObject({
    retries: z.number().int().min(0).max(99).optional(),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    initialIntervalSeconds: z.number().positive().max(3600).optional(),
    backoffCoefficient: z.number().min(1).max(10).optional(),
    maxIntervalSeconds: z.number().positive().max(86_400).optional(),
    nonRetryableExitCodes: z.array(z.number().int().min(0).max(255)).optional(),
  })
  .refine((o) => o.retries === undefined || o.maxAttempts === undefined, {
    error: "retries-and-max-attempts",
    path: ["retries"],
  });
export type RetryOverride = z.infer<typeof retryOverrideSchema>;

/**
 * Which nodes a step runs on: a node matches when it has ANY of the listed roles, services or
 * tags, or when `all` is set, or (with `provisioningNode`) when it is the region's provisioning node.
 */
export const selectorSchema = z
  .strictObject({
    roles: nameList.optional(),
    services: nameList.optional(),
    tags: nameList.optional(),
    all: z.boolean().optional(),
    provisioningNode: z.boolean().optional(),
  })
  .refine(
    (s) =>
      s.all === true ||
      s.provisioningNode === true ||
      (s.roles?.length ?? 0) + (s.services?.length ?? 0) + (s.tags?.length ?? 0) > 0,
    { error: "empty-selector" },
  );
export type Selector = z.infer<typeof selectorSchema>;

export const crossDependSchema = z.strictObject({
  step: stepIdSchema,
  /** `self` (this node), `*` (every node running the step) or a role or service name. */
  role: z.string().min(1).default("*"),
  policy: z.enum(CROSS_POLICIES).default("all"),
});
export type CrossDepend = z.infer<typeof crossDependSchema>;

export const conditionSchema = z
  .strictObject({
    when: z.enum(CONDITION_KINDS).default("always"),
    settings: z
      .array(z.string().regex(SETTINGS_PATH_PATTERN, { error: "settings-path" }))
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.when === "settings-changed" && (c.settings?.length ?? 0) === 0)
      ctx.addIssue({ code: "custom", message: "settings-required", path: ["settings"] });
    if (c.when !== "settings-changed" && c.settings !== undefined)
      ctx.addIssue({ code: "custom", message: "settings-without-condition", path: ["settings"] });
  });
export type Condition = z.infer<typeof conditionSchema>;

export const strategySchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("parallel"),
      /** At most this many nodes at once; absent means no limit beyond the engine's global one. */
      amount: z.number().int().positive().optional(),
    }),
    z.strictObject({ type: z.literal("one_by_one") }),
  ],
  { error: "strategy-type" },
);
export type Strategy = z.infer<typeof strategySchema>;

/** How many nodes of a step's group may fail while the step still succeeds: a count or "NN%". */
export const faultToleranceSchema = z.union(
  [
    z.number().int().nonnegative(),
    z.string().regex(/^(100|[1-9]?[0-9])%$/, { error: "fault-tolerance" }),
  ],
  { error: "fault-tolerance" },
);
export type FaultTolerance = z.infer<typeof faultToleranceSchema>;

const scriptSchema = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith("/") && !p.includes("\\") && !p.split("/").includes(".."), {
    error: "script-path",
  });

export const stepSchema = z
  .strictObject({
    id: stepIdSchema,
    description: localizedSchema.optional(),
    /** `shell`: the node agent runs `script`; `core`: a step the engine performs itself. */
    type: z.enum(STEP_TYPES),
    /** Path relative to the release folder, e.g. `steps/ntp.sh`. */
    script: scriptSchema.optional(),
    selector: selectorSchema,
    requires: z.array(stepIdSchema).default([]),
    requiredFor: z.array(stepIdSchema).default([]),
    crossDepends: z.array(crossDependSchema).default([]),
    condition: conditionSchema.prefault({}),
    timeoutSeconds: z.number().int().positive().max(86_400).default(DEFAULT_TIMEOUT_SECONDS),
    retry: retryPolicySchema.prefault({}),
    strategy: strategySchema.default({ type: "parallel" }),
    faultTolerance: faultToleranceSchema.default(0),
  })
  .superRefine((step, ctx) => {
    if (step.type === "shell" && step.script === undefined)
      ctx.addIssue({ code: "custom", message: "script-required", path: ["script"] });
  });
export type Step = z.infer<typeof stepSchema>;
export type StepInput = z.input<typeof stepSchema>;

export const taskGraphSchema = z.strictObject({
  /** The operation: provision, deploy, remove-node, update-settings… */
  name: stepIdSchema,
  description: localizedSchema.optional(),
  steps: z.array(stepSchema).min(1),
});
export type TaskGraph = z.infer<typeof taskGraphSchema>;
export type TaskGraphInput = z.input<typeof taskGraphSchema>;

export const sequenceSchema = z.strictObject({
  name: stepIdSchema,
  description: localizedSchema.optional(),
  graphs: z.array(stepIdSchema).min(1),
});
export type Sequence = z.infer<typeof sequenceSchema>;

// ---------------------------------------------------------------------------------------------
// Problems

export type GraphIssueCode =
  | "syntax"
  | "schema"
  | "duplicate-id"
  | "unknown-reference"
  | "unknown-role"
  | "cycle"
  | "unknown-graph";

export interface GraphIssue {
  code: GraphIssueCode;
  file: string;
  /** The step concerned, when there is one. */
  stepId?: string;
  /** Field path such as `steps[3].retry.maxAttempts`; empty for the whole file. */
  path: string;
  /** Complete sentence naming the file, the step and the field. */
  message: Localized;
  hint?: Localized;
  params: Params;
}

/** Texts of field problems. Zod schemas above name a key here as their error. */
const PROBLEMS = {
  required: { en: "is required", "zh-CN": "为必填项" },
  "wrong-type": {
    en: "must be {expected} (found {found})",
    "zh-CN": "必须是{expectedZh}（实际为 {found}）",
  },
  "number-min": {
    en: "must be at least {limit} (found {found})",
    "zh-CN": "不能小于 {limit}（实际为 {found}）",
  },
  "number-above": {
    en: "must be more than {limit} (found {found})",
    "zh-CN": "必须大于 {limit}（实际为 {found}）",
  },
  "number-max": {
    en: "must be at most {limit} (found {found})",
    "zh-CN": "不能大于 {limit}（实际为 {found}）",
  },
  "not-integer": {
    en: "must be a whole number (found {found})",
    "zh-CN": "必须是整数（实际为 {found}）",
  },
  "list-min": { en: "needs at least {limit} item(s)", "zh-CN": "至少需要 {limit} 项" },
  "text-empty": { en: "must not be empty", "zh-CN": "不能为空" },
  "one-of": {
    en: "must be one of {values} (found {found})",
    "zh-CN": "必须是 {values} 之一（实际为 {found}）",
  },
  "unknown-fields": {
    en: "has unknown field(s) {keys}{suggestion}",
    "zh-CN": "包含未知字段 {keys}{suggestionZh}",
  },
  "step-id": {
    en: "must be lowercase letters, digits, '-', '_' or '.', starting with a letter or digit, at most 100 characters (found {found})",
    "zh-CN":
      "只能包含小写字母、数字、“-”“_”“.”，以字母或数字开头，最多 100 个字符（实际为 {found}）",
  },
  "settings-path": {
    en: "must be a dotted settings path such as ntp.servers (found {found})",
    "zh-CN": "必须是以点分隔的设置路径，例如 ntp.servers（实际为 {found}）",
  },
  "max-below-initial": {
    en: "must not be shorter than initialIntervalSeconds (found {found})",
    "zh-CN": "不能小于 initialIntervalSeconds（实际为 {found}）",
  },
  "retries-and-max-attempts": {
    en: "give either retries or maxAttempts, not both",
    "zh-CN": "retries 与 maxAttempts 只能指定其一",
  },
  "empty-selector": {
    en: "selects no nodes: name roles, services or tags, or set all or provisioningNode",
    "zh-CN": "未选中任何节点：请指定 roles、services 或 tags，或设置 all 或 provisioningNode",
  },
  "settings-required": {
    en: 'must list the settings to watch when the condition is "settings-changed"',
    "zh-CN": "条件为“settings-changed”时必须列出要监视的设置",
  },
  "settings-without-condition": {
    en: 'is only used with when: "settings-changed"',
    "zh-CN": "仅在 when 为“settings-changed”时使用",
  },
  "strategy-type": {
    en: "must be {type: parallel} (with an optional amount) or {type: one_by_one} (found {found})",
    "zh-CN": "必须是 {type: parallel}（可选 amount）或 {type: one_by_one}（实际为 {found}）",
  },
  "fault-tolerance": {
    en: 'must be a number of nodes (0 or more) or a percentage such as "10%" (found {found})',
    "zh-CN": "必须是节点数（0 或以上）或百分比，例如“10%”（实际为 {found}）",
  },
  "script-path": {
    en: "must be a path inside the release such as steps/ntp.sh, without a leading / or .. (found {found})",
    "zh-CN": "必须是发行版内的路径，例如 steps/ntp.sh，不能以 / 开头或包含 ..（实际为 {found}）",
  },
  "script-required": {
    en: "is required for a shell step: name the script it runs, relative to the release",
    "zh-CN": "shell 步骤必须指定：填写它运行的脚本（相对于发行版目录）",
  },
  other: { en: "is not valid ({detail})", "zh-CN": "无效（{detail}）" },
} as const satisfies Record<string, Localized>;
type ProblemKey = keyof typeof PROBLEMS;

const TYPE_NAMES: Record<string, Localized> = {
  string: { en: "text", "zh-CN": "文本" },
  number: { en: "a number", "zh-CN": "数字" },
  boolean: { en: "true or false", "zh-CN": "true 或 false" },
  array: { en: "a list", "zh-CN": "列表" },
  object: { en: "a mapping", "zh-CN": "映射（键值对）" },
};

/** Every field name in the format, to suggest `requiredFor` for a mistyped `required_for`. */
const KNOWN_FIELDS = [
  "name",
  "description",
  "steps",
  "id",
  "type",
  "script",
  "selector",
  "requires",
  "requiredFor",
  "crossDepends",
  "condition",
  "timeoutSeconds",
  "retry",
  "strategy",
  "faultTolerance",
  "roles",
  "services",
  "tags",
  "all",
  "provisioningNode",
  "step",
  "role",
  "policy",
  "when",
  "settings",
  "maxAttempts",
  "initialIntervalSeconds",
  "backoffCoefficient",
  "maxIntervalSeconds",
  "nonRetryableExitCodes",
  "amount",
  "graphs",
  "en",
  "zh-CN",
];

const TEXT = {
  inStep: {
    en: "{file}: step {stepId}, field {path} {problem}.",
    "zh-CN": "{file}：步骤 {stepId} 的字段 {path} {problem}。",
  },
  inFile: { en: "{file}: field {path} {problem}.", "zh-CN": "{file}：字段 {path} {problem}。" },
  atRoot: { en: "{file}: the graph {problem}.", "zh-CN": "{file}：任务图{problem}。" },
  syntax: {
    en: "{file}: line {line}, column {column}: not valid YAML ({detail}).",
    "zh-CN": "{file}：第 {line} 行第 {column} 列：不是有效的 YAML（{detail}）。",
  },
  syntaxHint: {
    en: "Check the indentation and quoting around that line.",
    "zh-CN": "请检查该行附近的缩进和引号。",
  },
  duplicate: {
    en: "{file}: step id {stepId} is used by steps[{first}] and steps[{index}]; step ids must be unique.",
    "zh-CN":
      "{file}：步骤 ID {stepId} 同时被 steps[{first}] 和 steps[{index}] 使用；步骤 ID 必须唯一。",
  },
  duplicateHint: { en: "Rename one of the two steps.", "zh-CN": "请重命名其中一个步骤。" },
  unknownRef: {
    en: "{file}: step {stepId}, field {path} names step {ref}, which is not in graph {graph}.",
    "zh-CN":
      "{file}：步骤 {stepId} 的字段 {path} 引用了步骤 {ref}，但任务图 {graph} 中没有该步骤。",
  },
  unknownRefHint: {
    en: "Use one of the graph's step ids{suggestion}.",
    "zh-CN": "请使用任务图中已有的步骤 ID{suggestionZh}。",
  },
  unknownRole: {
    en: "{file}: step {stepId}, field {path} names {kind} {name}, which the role catalog does not define.",
    "zh-CN": "{file}：步骤 {stepId} 的字段 {path} 引用了{kindZh} {name}，但角色目录中没有定义。",
  },
  unknownRoleHint: {
    en: "Use a {kind} from the catalog: {known}.",
    "zh-CN": "请使用角色目录中的{kindZh}：{known}。",
  },
  cycle: {
    en: "{file}: steps wait for each other in a cycle, so none of them can start: {cycle} (→ means “waits for”).",
    "zh-CN": "{file}：以下步骤相互等待形成循环，因此都无法开始：{cycle}（→ 表示“等待”）。",
  },
  cycleHint: {
    en: "Remove one of these dependencies (requires, requiredFor or crossDepends).",
    "zh-CN": "请删除其中一个依赖（requires、requiredFor 或 crossDepends）。",
  },
  unknownGraph: {
    en: "{file}: sequence {sequence} runs graph {graph}, which the release does not define.",
    "zh-CN": "{file}：序列 {sequence} 引用了任务图 {graph}，但发行版中没有定义该任务图。",
  },
  unknownGraphHint: {
    en: "Use one of the release's graphs: {known}.",
    "zh-CN": "请使用发行版中已有的任务图：{known}。",
  },
} as const satisfies Record<string, Localized>;

/** `["steps", 3, "retry", "maxAttempts"]` → `steps[3].retry.maxAttempts`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function stepIdAt(root: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== "steps" || typeof path[1] !== "number") return undefined;
  const id = valueAt(root, ["steps", path[1], "id"]);
  return typeof id === "string" && id !== "" ? id : `#${path[1]}`;
}

/** Fills each locale with its own phrase for the `{x}` / `{xZh}` pairs. */
function both(template: Localized, params: Params, zhParams: Params = {}): Localized {
  return {
    en: localize(template, params).en,
    "zh-CN": localize(template, { ...params, ...zhParams })["zh-CN"],
  };
}

function problemOf(
  issue: z.core.$ZodIssue,
  root: unknown,
): { key: ProblemKey; params: Params; zh?: Params } {
  const found = describe(valueAt(root, issue.path));
  if (issue.message in PROBLEMS) return { key: issue.message as ProblemKey, params: { found } };
  switch (issue.code) {
    case "invalid_type": {
      if (valueAt(root, issue.path) === undefined) return { key: "required", params: {} };
      if (issue.expected === "int") return { key: "not-integer", params: { found } };
      const name = TYPE_NAMES[issue.expected] ?? { en: issue.expected, "zh-CN": issue.expected };
      return {
        key: "wrong-type",
        params: { expected: name.en, found },
        zh: { expectedZh: name["zh-CN"] },
      };
    }
    case "too_small": {
      const limit = Number(issue.minimum);
      if (issue.origin === "array" || issue.origin === "set")
        return { key: "list-min", params: { limit } };
      if (issue.origin === "string") return { key: "text-empty", params: {} };
      return {
        key: issue.inclusive === false ? "number-above" : "number-min",
        params: { limit, found },
      };
    }
    case "too_big":
      return { key: "number-max", params: { limit: Number(issue.maximum), found } };
    case "invalid_value":
      return {
        key: "one-of",
        params: { values: issue.values.map((v) => String(v)).join(", "), found },
      };
    case "unrecognized_keys": {
      const suggestions = issue.keys
        .map((key) => [key, key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] as const)
        .filter(([key, camel]) => camel !== key && KNOWN_FIELDS.includes(camel));
      const en = suggestions.map(([key, camel]) => `${camel} instead of ${key}`).join(", ");
      const zh = suggestions.map(([key, camel]) => `${camel} 而非 ${key}`).join("、");
      return {
        key: "unknown-fields",
        params: { keys: issue.keys.join(", "), suggestion: en ? ` (did you mean ${en}?)` : "" },
        zh: { suggestionZh: zh ? `（是否应为 ${zh}？）` : "" },
      };
    }
    default:
      return { key: "other", params: { detail: issue.message } };
  }
}

/** Turns zod issues into graph issues naming the file, the step and the field. */
export function schemaIssues(error: z.ZodError, root: unknown, file: string): GraphIssue[] {
  return error.issues.map((issue) => {
    const { key, params, zh = {} } = problemOf(issue, root);
    const path = formatPath(issue.path);
    const stepId = stepIdAt(root, issue.path);
    const problem = both(PROBLEMS[key], params, zh);
    const template = stepId !== undefined ? TEXT.inStep : path !== "" ? TEXT.inFile : TEXT.atRoot;
    const outer: Params = { file, path, ...(stepId !== undefined ? { stepId } : {}) };
    return {
      code: "schema" as const,
      file,
      ...(stepId !== undefined ? { stepId } : {}),
      path,
      message: {
        en: localize(template, { ...outer, problem: problem.en }).en,
        "zh-CN": localize(template, { ...outer, problem: problem["zh-CN"] })["zh-CN"],
      },
      params: { ...outer, problem: key, ...params },
    };
  });
}

/** Edit distance, to suggest `ntp-server` for a mistyped `ntp-servr`. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(
        above + 1,
        (row[j - 1] as number) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Same-node and cross-node "waits for" edges between steps, as `dependent → [dependencies]`. */
export function stepDependencies(graph: TaskGraph): Map<string, string[]> {
  const waitsFor = new Map<string, string[]>(graph.steps.map((s) => [s.id, []]));
  const add = (dependent: string, dependency: string) => {
    const list = waitsFor.get(dependent);
    if (list && !list.includes(dependency)) list.push(dependency);
  };
  for (const step of graph.steps) {
    for (const r of step.requires) add(step.id, r);
    for (const r of step.requiredFor) add(r, step.id);
    for (const c of step.crossDepends) add(step.id, c.step);
  }
  return waitsFor;
}

/**
 * Cycles among steps, each as the path of step ids in "waits for" order, closed (a → b → a).
 * One cycle per strongly connected component (Tarjan), so a tangle is reported once, not per loop.
 */
export function findCycles(graph: TaskGraph): string[][] {
  const waitsFor = stepDependencies(graph);
  const order = graph.steps.map((s) => s.id);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of waitsFor.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component);
    }
  };
  for (const id of order) if (!index.has(id)) visit(id);

  const cycles: string[][] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = order.find((id) => members.has(id)) as string;
    const selfLoop = (waitsFor.get(start) ?? []).includes(start);
    if (component.length === 1 && !selfLoop) continue;
    if (selfLoop) {
      cycles.push([start, start]);
      continue;
    }
    // Walk inside the component from its first step (in graph order) back to it: breadth-first, so
    // the reported cycle is a shortest one and deterministic.
    const previous = new Map<string, string>();
    const queue = [start];
    let closing: string | undefined;
    for (let i = 0; i < queue.length && closing === undefined; i++) {
      const v = queue[i] as string;
      for (const w of waitsFor.get(v) ?? []) {
        if (!members.has(w)) continue;
        if (w === start) {
          closing = v;
          break;
        }
        if (!previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    const path = [start];
    for (let v = closing as string; v !== start; v = previous.get(v) as string)
      path.splice(1, 0, v);
    path.push(start);
    cycles.push(path);
  }
  return cycles;
}

export interface ValidateGraphOptions {
  file: string;
  /** When given, selectors and crossDepends must name roles and services that exist. */
  catalog?: { roles: readonly string[]; services: readonly string[] };
}

/** Checks what the schema cannot: unique ids, references to existing steps, no cycles. */
export function validateGraph(graph: TaskGraph, options: ValidateGraphOptions): GraphIssue[] {
  const { file } = options;
  const issues: GraphIssue[] = [];
  const firstIndex = new Map<string, number>();
  graph.steps.forEach((step, index) => {
    const first = firstIndex.get(step.id);
    if (first === undefined) {
      firstIndex.set(step.id, index);
      return;
    }
    const params = { file, stepId: step.id, first, index };
    issues.push({
      code: "duplicate-id",
      file,
      stepId: step.id,
      path: `steps[${index}].id`,
      message: localize(TEXT.duplicate, params),
      hint: TEXT.duplicateHint,
      params,
    });
  });

  const ids = [...firstIndex.keys()];
  const unknownRef = (step: Step, path: string, ref: string) => {
    const suggestion = closest(ref, ids);
    const params = { file, stepId: step.id, path, ref, graph: graph.name };
    issues.push({
      code: "unknown-reference",
      file,
      stepId: step.id,
      path,
      message: localize(TEXT.unknownRef, params),
      hint: both(
        TEXT.unknownRefHint,
        { suggestion: suggestion ? ` (did you mean ${suggestion}?)` : "" },
        { suggestionZh: suggestion ? `（是否应为 ${suggestion}？）` : "" },
      ),
      params: { ...params, ...(suggestion ? { suggestion } : {}) },
    });
  };
  const catalog = options.catalog;
  const unknownRole = (
    step: Step,
    path: string,
    name: string,
    kind: "role" | "service" | "role or service",
  ) => {
    const known =
      kind === "role"
        ? catalog?.roles
        : kind === "service"
          ? catalog?.services
          : [...(catalog?.roles ?? []), ...(catalog?.services ?? [])];
    const kindZh = { role: "角色", service: "服务", "role or service": "角色或服务" }[kind];
    const params = { file, stepId: step.id, path, name, kind, known: (known ?? []).join(", ") };
    issues.push({
      code: "unknown-role",
      file,
      stepId: step.id,
      path,
      message: both(TEXT.unknownRole, params, { kindZh }),
      hint: both(TEXT.unknownRoleHint, params, { kindZh }),
      params,
    });
  };

  graph.steps.forEach((step, i) => {
    const at = `steps[${i}]`;
    step.requires.forEach(
      (ref, k) => firstIndex.has(ref) || unknownRef(step, `${at}.requires[${k}]`, ref),
    );
    step.requiredFor.forEach(
      (ref, k) => firstIndex.has(ref) || unknownRef(step, `${at}.requiredFor[${k}]`, ref),
    );
    step.crossDepends.forEach((c, k) => {
      if (!firstIndex.has(c.step)) unknownRef(step, `${at}.crossDepends[${k}].step`, c.step);
      if (
        catalog &&
        c.role !== "self" &&
        c.role !== "*" &&
        !catalog.roles.includes(c.role) &&
        !catalog.services.includes(c.role)
      )
        unknownRole(step, `${at}.crossDepends[${k}].role`, c.role, "role or service");
    });
    if (catalog) {
      step.selector.roles?.forEach(
        (r, k) =>
          catalog.roles.includes(r) || unknownRole(step, `${at}.selector.roles[${k}]`, r, "role"),
      );
      step.selector.services?.forEach(
        (s, k) =>
          catalog.services.includes(s) ||
          unknownRole(step, `${at}.selector.services[${k}]`, s, "service"),
      );
    }
  });

  // Cycles only make sense once every reference resolves to one step.
  if (issues.some((i) => i.code === "duplicate-id" || i.code === "unknown-reference"))
    return issues;
  for (const cycle of findCycles(graph)) {
    const params = { file, cycle: cycle.join(" → ") };
    issues.push({
      code: "cycle",
      file,
      stepId: cycle[0],
      path: "steps",
      message: localize(TEXT.cycle, params),
      hint: TEXT.cycleHint,
      params: { ...params, steps: cycle.slice(0, -1).join(", ") },
    });
  }
  return issues;
}

export type ParseGraphResult = { ok: true; graph: TaskGraph } | { ok: false; errors: GraphIssue[] };

/** Reads YAML text into plain data, or a syntax issue with the line and column. */
export function readYaml(
  text: string,
  file: string,
): { ok: true; data: unknown } | { ok: false; errors: GraphIssue[] } {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length === 0) return { ok: true, data: doc.toJS() as unknown };
  return {
    ok: false,
    errors: doc.errors.map((e) => {
      const params = {
        file,
        line: e.linePos?.[0]?.line ?? 0,
        column: e.linePos?.[0]?.col ?? 0,
        detail: (e.message.split("\n")[0] ?? e.code).replace(/ at line \d+, column \d+:?$/, ""),
      };
      return {
        code: "syntax",
        file,
        path: "",
        message: localize(TEXT.syntax, params),
        hint: TEXT.syntaxHint,
        params,
      };
    }),
  };
}

/**
 * Parses a graph from YAML text or already-parsed data, then validates it. Returns every problem
 * at once; `ok` only when the graph can be planned.
 */
export function parseGraph(input: unknown, options: ValidateGraphOptions): ParseGraphResult {
  let data = input;
  if (typeof input === "string") {
    const read = readYaml(input, options.file);
    if (!read.ok) return read;
    data = read.data;
  }
  const parsed = taskGraphSchema.safeParse(data);
  if (!parsed.success) return { ok: false, errors: schemaIssues(parsed.error, data, options.file) };
  const errors = validateGraph(parsed.data, options);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, graph: parsed.data };
}

/** Parses sequences and checks that each names existing graphs. */
export function parseSequences(
  input: unknown,
  graphNames: readonly string[],
  options: { file: string },
): { ok: true; sequences: Sequence[] } | { ok: false; errors: GraphIssue[] } {
  const { file } = options;
  let data = input;
  if (typeof input === "string") {
    const read = readYaml(input, file);
    if (!read.ok) return read;
    data = read.data;
  }
  const parsed = z.array(sequenceSchema).safeParse(data);
  if (!parsed.success) return { ok: false, errors: schemaIssues(parsed.error, data, file) };
  const errors: GraphIssue[] = [];
  parsed.data.forEach((sequence, i) =>
    sequence.graphs.forEach((graph, k) => {
      if (graphNames.includes(graph)) return;
      const params = { file, sequence: sequence.name, graph, known: graphNames.join(", ") };
      errors.push({
        code: "unknown-graph",
        file,
        path: `[${i}].graphs[${k}]`,
        message: localize(TEXT.unknownGraph, params),
        hint: localize(TEXT.unknownGraphHint, params),
        params,
      });
    }),
  );
  return errors.length > 0 ? { ok: false, errors } : { ok: true, sequences: parsed.data };
}
