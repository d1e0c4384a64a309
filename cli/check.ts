/**
 * `cairn check [file]`: reads a cluster description (YAML or JSON), prints every finding in the
 * chosen language. The check itself is `checkClusterDescription` from domain/ (pure); this file only
 * reads input and prints.
 *
 * Exit codes: 0 nothing blocks, 1 something blocks, 2 unreadable or invalid input (with the path of
 * the bad field) or bad usage.
 */
import { readFile } from "node:fs/promises";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { parse as parseYaml } from "yaml";
import { checkClusterDescription, clusterDescriptionJsonSchema, type CheckIssue } from "../domain/check";
import { SEVERITY_LABELS } from "../domain/constraints/engine";
import type { Finding, Severity } from "../domain/constraints/types";
import { localize, type Locale, type Localized, type Params } from "../domain/i18n";
import { pickLocale } from "./license";

export const EXIT_OK = 0;
export const EXIT_BLOCKED = 1;
export const EXIT_INPUT = 2;

const T = {
  unreadable: { en: "Cannot read {file}: {detail}.", "zh-CN": "无法读取 {file}：{detail}。" },
  notYaml: {
    en: "{file} is not valid YAML or JSON: {detail}",
    "zh-CN": "{file} 不是有效的 YAML 或 JSON：{detail}",
  },
  invalid: {
    en: "{file} is not a valid cluster description ({count} problem(s)); `cairn check --schema` prints the expected format:",
    "zh-CN": "{file} 不是有效的集群描述（{count} 处问题）；运行 `cairn check --schema` 可查看所需格式：",
  },
  noFile: {
    en: "Name a cluster description file (or - for standard input), or use --schema.",
    "zh-CN": "请指定集群描述文件（或用 - 表示标准输入），或使用 --schema。",
  },
  badNow: {
    en: "--now wants a date such as 2026-03-01 (got {value}).",
    "zh-CN": "--now 需要日期，例如 2026-03-01（实际为 {value}）。",
  },
  header: {
    en: "Cluster {cluster} in region {region}: {nodes} node(s), release {release}, check: {intent}",
    "zh-CN": "区域 {region} 中的集群 {cluster}：{nodes} 个节点，发行版 {release}，检查：{intent}",
  },
  nodes: { en: "nodes: ", "zh-CN": "节点：" },
  fields: { en: "fields: ", "zh-CN": "字段：" },
  fix: { en: "fix: ", "zh-CN": "修复：" },
  override: { en: "override: ", "zh-CN": "可强制执行：" },
  group: { en: "{label} ({count})", "zh-CN": "{label}（{count}）" },
  summaryBlocked: {
    en: "{block} blocking, {warn} warning(s), {info} note(s): the operation is refused until the blocking findings are fixed.",
    "zh-CN": "{block} 项阻止，{warn} 项警告，{info} 项提示：修复阻止项之前，该操作将被拒绝。",
  },
  summaryOk: {
    en: "{block} blocking, {warn} warning(s), {info} note(s): nothing blocks.",
    "zh-CN": "{block} 项阻止，{warn} 项警告，{info} 项提示：没有阻止项。",
  },
} satisfies Record<string, Localized>;

const say = (text: Localized, params: Params, locale: Locale) => localize(text, params)[locale];

export interface CheckCommandOptions {
  json?: boolean;
  lang?: string;
  schema?: boolean;
  /** Evaluate as of this date instead of now (licences expire; examples and CI stay reproducible). */
  now?: string;
}

export interface CheckOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CheckIo {
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  now(): number;
}

const defaultIo: CheckIo = {
  readFile: (path) => readFile(path, "utf8"),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  },
  now: () => Date.now(),
};

export interface JsonFinding {
  id: string;
  severity: Severity;
  message: string;
  hint: string;
  subjects: Finding["subjects"];
  params: Finding["params"];
}

export function toJsonFinding(f: Finding, locale: Locale): JsonFinding {
  return {
    id: f.id,
    severity: f.severity,
    message: f.message[locale],
    hint: f.hint[locale],
    subjects: f.subjects,
    params: f.params,
  };
}

/** Findings grouped by severity, each with its hint, subjects, offered fix and override tier. */
export function formatFindings(findings: readonly Finding[], locale: Locale): string {
  const lines: string[] = [];
  for (const severity of ["block", "warn", "info"] as const) {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push("", say(T.group, { label: SEVERITY_LABELS[severity][locale], count: group.length }, locale));
    for (const f of group) {
      lines.push(`  [${f.id}] ${f.message[locale]}`, `    → ${f.hint[locale]}`);
      if (f.subjects.nodes?.length) {
        const nodes = f.subjects.nodes;
        const shown =
          nodes.length > 8 ? `${nodes.slice(0, 8).join(", ")} (+${nodes.length - 8})` : nodes.join(", ");
        lines.push(`    ${T.nodes[locale]}${shown}`);
      }
      if (f.subjects.fields?.length) lines.push(`    ${T.fields[locale]}${f.subjects.fields.join(", ")}`);
      if (f.fix)
        lines.push(
          `    ${T.fix[locale]}${f.fix.label[locale]} (${f.fix.action} ${JSON.stringify(f.fix.params)})`,
        );
      if (severity === "block" && f.override !== "none") lines.push(`    ${T.override[locale]}${f.override}`);
    }
  }
  return lines.join("\n");
}

function issuesText(file: string, issues: readonly CheckIssue[], locale: Locale): string {
  return [
    say(T.invalid, { file, count: issues.length }, locale),
    ...issues.map((i) => `  ${i.path}: ${i.message}`),
  ].join("\n");
}

/** The whole command as a function of its arguments: reads the file, checks it, renders the output. */
export async function check(
  file: string | undefined,
  opts: CheckCommandOptions,
  io: CheckIo = defaultIo,
): Promise<CheckOutput> {
  const locale = pickLocale(opts.lang);
  const out = (code: number, stdout: string, stderr = ""): CheckOutput => ({
    code,
    stdout: stdout && !stdout.endsWith("\n") ? `${stdout}\n` : stdout,
    stderr: stderr && !stderr.endsWith("\n") ? `${stderr}\n` : stderr,
  });
  if (opts.schema) return out(EXIT_OK, JSON.stringify(clusterDescriptionJsonSchema(), null, 2));
  if (file === undefined) return out(EXIT_INPUT, "", say(T.noFile, {}, locale));
  let now = io.now();
  if (opts.now !== undefined) {
    now = Date.parse(opts.now);
    if (Number.isNaN(now)) return out(EXIT_INPUT, "", say(T.badNow, { value: opts.now }, locale));
  }
  const name = file === "-" ? "stdin" : file;
  let text: string;
  try {
    text = file === "-" ? await io.readStdin() : await io.readFile(file);
  } catch (error) {
    const detail = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return out(EXIT_INPUT, "", say(T.unreadable, { file: name, detail }, locale));
  }
  let input: unknown;
  try {
    input = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    return out(EXIT_INPUT, "", say(T.notYaml, { file: name, detail: (error as Error).message }, locale));
  }
  const result = checkClusterDescription(input, { now });
  if (!result.ok) {
    const stdout = opts.json ? JSON.stringify({ issues: result.issues }, null, 2) : "";
    return out(EXIT_INPUT, stdout, issuesText(name, result.issues, locale));
  }
  const blocked = result.findings.some((f) => f.severity === "block");
  const code = blocked ? EXIT_BLOCKED : EXIT_OK;
  if (opts.json) {
    return out(
      code,
      JSON.stringify({ findings: result.findings.map((f) => toJsonFinding(f, locale)) }, null, 2),
    );
  }
  const { state, intent } = result;
  const count = (s: Severity) => result.findings.filter((f) => f.severity === s).length;
  const header = say(
    T.header,
    {
      cluster: state.cluster.name,
      region: state.region.name,
      nodes: state.nodes.length,
      release: state.cluster.releaseId,
      intent: intent.kind,
    },
    locale,
  );
  const summary = say(
    blocked ? T.summaryBlocked : T.summaryOk,
    { block: count("block"), warn: count("warn"), info: count("info") },
    locale,
  );
  const body = formatFindings(result.findings, locale);
  return out(code, body ? [header, body, "", summary].join("\n") : [header, summary].join("\n"));
}

function langOption(value: string): string {
  if (value !== "en" && value !== "zh-CN") throw new InvalidArgumentError(`use en or zh-CN (got "${value}")`);
  return value;
}

interface Sink {
  write(output: CheckOutput): void;
}

const processSink: Sink = {
  write(output) {
    if (output.stdout) process.stdout.write(output.stdout);
    if (output.stderr) process.stderr.write(output.stderr);
    process.exitCode = output.code;
  },
};

export function registerCheckCommand(
  program: Command,
  sink: Sink = processSink,
  io: CheckIo = defaultIo,
): void {
  program
    .command("check")
    .description("Check a cluster description (YAML or JSON) against every Cairn rule")
    .argument("[file]", 'cluster description, or "-" for standard input')
    .option("--json", "print {findings: [{id, severity, message, hint, subjects, params}]}", false)
    .option("--lang <lang>", "output language: en or zh-CN", langOption)
    .option("--schema", "print the JSON Schema of the cluster description and exit", false)
    .option("--now <date>", "check as of this date (ISO 8601) instead of now")
    .addHelpText(
      "after",
      "\nExit codes: 0 nothing blocks, 1 something blocks, 2 unreadable or invalid input.\n" +
        "The same check is exported for programs: checkClusterDescription() in domain/index.ts.",
    )
    .action(async (file: string | undefined, opts: CheckCommandOptions) => {
      sink.write(await check(file, opts, io));
    });
}

/**
 * Runs `cairn check` with these arguments (without "node cairn check") and returns what it would
 * print and its exit code, without touching the process: for tests and embedding programs.
 */
export async function runCheck(args: readonly string[], io: CheckIo = defaultIo): Promise<CheckOutput> {
  let captured: CheckOutput = { code: EXIT_OK, stdout: "", stderr: "" };
  let usage = "";
  const program = new Command("cairn").exitOverride().configureOutput({
    writeOut: (s) => {
      usage += s;
    },
    writeErr: (s) => {
      usage += s;
    },
  });
  registerCheckCommand(program, { write: (o) => (captured = o) }, io);
  try {
    await program.parseAsync(["check", ...args], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0
        ? { code: EXIT_OK, stdout: usage, stderr: "" }
        : { code: EXIT_INPUT, stdout: "", stderr: usage };
    }
    throw error;
  }
  return captured;
}
