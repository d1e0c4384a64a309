/**
 * The step SDK: what every built-in (and content-pack) step is written with. A step reads its input
 * (`$CAIRN_INPUT`, checked against the step contract), computes the files it owns from pure
 * generators in domain/, and hands them to `ctx.writeFile`:
 *
 * - `apply`: writes only what differs (atomically: temp file + rename), says what changed, and
 *   changes nothing the second time — every step is idempotent;
 * - `noop`: prints a unified diff of what it would change and writes nothing.
 *
 * Paths are always relative to `CAIRN_ROOT` (`/` on a real node, the lab node's folder otherwise);
 * a path that would leave the root is refused. The server bundles a step with this SDK into one
 * file, so a node needs nothing but Node.js.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createTwoFilesPatch } from "diff";
import { stepContractSchema, type StepContract } from "../../domain/release/contract";

export type Change = "created" | "changed" | "unchanged" | "removed" | "absent";

export interface StepContext {
  input: StepContract;
  mode: "apply" | "noop";
  root: string;
  /** The absolute path of `rel` under the root; refuses paths that leave it. */
  path(rel: string): string;
  /** Makes the file hold exactly `content` (and `mode`), or in noop shows the diff. */
  writeFile(rel: string, content: string, options?: { mode?: number }): Promise<Change>;
  removeFile(rel: string): Promise<Change>;
  readFile(rel: string): Promise<string | null>;
  /**
   * Runs a command (apply only; in noop it is printed, unless `inNoop`), found as `which` finds
   * it, with `input` on its standard input. Throws with its output on failure.
   */
  run(command: string, args: string[], options?: { inNoop?: boolean; input?: string }): string;
  /** Where a command is: on PATH, or in the sbin folders a non-root PATH leaves out; else null. */
  which(command: string): string | null;
  /** Whether `which` finds the command. */
  has(command: string): boolean;
  log(line: string): void;
  changes: { path: string; change: Change }[];
}

export class StepError extends Error {}

/**
 * Where system tools live that a non-root PATH (Debian's default) does not include;
 * CAIRN_SBIN_DIRS (colon-separated) replaces the list.
 */
function sbinDirs(): string[] {
  const set = process.env.CAIRN_SBIN_DIRS;
  if (set !== undefined) return set.split(path.delimiter).filter(Boolean);
  return ["/usr/local/sbin", "/usr/sbin", "/sbin"];
}

export function contextFrom(
  input: StepContract,
  root: string,
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): StepContext {
  const mode = input.task.mode;
  const absRoot = path.resolve(root);
  const resolve = (rel: string) => {
    const full = path.resolve(absRoot, rel.replace(/^\/+/, ""));
    if (full !== absRoot && !full.startsWith(absRoot + path.sep))
      throw new StepError(`path ${rel} leaves CAIRN_ROOT (${absRoot})`);
    return full;
  };
  const changes: StepContext["changes"] = [];
  const current = async (file: string) => {
    try {
      return await readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
  };
  const show = (rel: string) => `/${rel.replace(/^\/+/, "")}`;
  const ctx: StepContext = {
    input,
    mode,
    root: absRoot,
    path: resolve,
    changes,
    log: out,
    async readFile(rel) {
      return current(resolve(rel));
    },
    async writeFile(rel, content, options = {}) {
      const file = resolve(rel);
      const before = await current(file);
      let modeDiffers = false;
      if (before !== null && options.mode !== undefined)
        modeDiffers = ((await stat(file)).mode & 0o7777) !== options.mode;
      const change: Change =
        before === null ? "created" : before !== content || modeDiffers ? "changed" : "unchanged";
      changes.push({ path: show(rel), change });
      if (change === "unchanged") return change;
      if (mode === "noop") {
        const patch = createTwoFilesPatch(
          `a${show(rel)}`,
          `b${show(rel)}`,
          before ?? "",
          content,
          undefined,
          undefined,
          { context: 2 },
        );
        out(`would ${change === "created" ? "create" : "change"} ${show(rel)}:`);
        for (const line of patch.split("\n").slice(2)) if (line) out(line);
        if (modeDiffers) out(`would set mode ${options.mode!.toString(8)} on ${show(rel)}`);
        return change;
      }
      await mkdir(path.dirname(file), { recursive: true });
      const temp = `${file}.cairn-${process.pid}`;
      await writeFile(temp, content, { mode: options.mode ?? 0o644 });
      await rename(temp, file);
      out(`${change} ${show(rel)}`);
      return change;
    },
    async removeFile(rel) {
      const file = resolve(rel);
      const before = await current(file);
      const change: Change = before === null ? "absent" : "removed";
      changes.push({ path: show(rel), change });
      if (before === null) return change;
      if (mode === "noop") out(`would remove ${show(rel)}`);
      else {
        await rm(file);
        out(`removed ${show(rel)}`);
      }
      return change;
    },
    run(command, args, options = {}) {
      const line = [command, ...args].join(" ");
      if (mode === "noop" && !options.inNoop) {
        out(`would run: ${line}`);
        return "";
      }
      out(`$ ${line}`);
      const r = spawnSync(ctx.which(command) ?? command, args, {
        encoding: "utf8",
        ...(options.input !== undefined ? { input: options.input } : {}),
      });
      if (r.error) throw new StepError(`${command}: ${r.error.message}`);
      if (r.status !== 0)
        throw new StepError(
          `${line} exited with ${r.status}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`,
        );
      return r.stdout;
    },
    which(command) {
      if (command.includes("/")) return existsSync(command) ? command : null;
      const dirs = [
        ...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean),
        ...sbinDirs(),
      ];
      for (const dir of dirs) {
        const file = path.join(dir, command);
        try {
          accessSync(file, constants.X_OK);
          return file;
        } catch {
          // not here
        }
      }
      return null;
    },
    has(command) {
      return ctx.which(command) !== null;
    },
  };
  return ctx;
}

/** Reads and checks the input named by the environment; every problem names the field. */
/**
 * Checks a file's candidate content with the tool that will read it (`chronyd -p -f FILE`,
 * `collectd -T -C FILE`) before anything is written; throws a StepError saying what `refused`
 * says about the tool's reason. In apply the candidate goes next to its destination under the
 * root (the folder the file goes to anyway; folders created only for a refused file are removed
 * again); in noop to the system's temporary directory, so that noop leaves the root untouched.
 */
export async function checkCandidate(
  ctx: StepContext,
  rel: string,
  content: string,
  check: { tool: string; args: (file: string) => string[]; refused: (reason: string) => string },
): Promise<void> {
  let file: string;
  let cleanup: (passed: boolean) => Promise<void>;
  if (ctx.mode === "apply") {
    const target = ctx.path(rel);
    const parent = path.dirname(target);
    const firstCreated = await mkdir(parent, { recursive: true });
    file = `${target}.cairn-check-${process.pid}`;
    cleanup = async (passed) => {
      await rm(file, { force: true });
      if (passed || firstCreated === undefined) return;
      // Best effort: a folder something else wrote into meanwhile stays, with its parents.
      for (let dir = parent; ; dir = path.dirname(dir)) {
        const removed = await rmdir(dir).then(
          () => true,
          () => false,
        );
        if (!removed || dir === firstCreated) break;
      }
    };
  } else {
    const dir = await mkdtemp(path.join(tmpdir(), `cairn-${check.tool}-`));
    file = path.join(dir, path.basename(rel));
    cleanup = () => rm(dir, { recursive: true, force: true });
  }
  await writeFile(file, content, { mode: 0o644 });
  let passed = false;
  try {
    ctx.run(check.tool, check.args(file), { inNoop: true });
    passed = true;
  } catch (e) {
    throw new StepError(check.refused(e instanceof Error ? e.message : String(e)));
  } finally {
    await cleanup(passed);
  }
}

export async function readContract(env: NodeJS.ProcessEnv = process.env): Promise<StepContract> {
  const file = env.CAIRN_INPUT;
  if (!file) throw new StepError("CAIRN_INPUT is not set: run this step through cairn-agent");
  const parsed = stepContractSchema.safeParse(JSON.parse(await readFile(file, "utf8")));
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(input)"}: ${i.message}`);
    throw new StepError(`the step input is not valid: ${issues.join("; ")}`);
  }
  const mode = env.CAIRN_MODE;
  if (mode && mode !== parsed.data.task.mode)
    throw new StepError(
      `CAIRN_MODE=${mode} disagrees with the input's mode ${parsed.data.task.mode}`,
    );
  return parsed.data;
}

/**
 * A step's entry point: runs `body` with the context and exits 0, or prints the error and exits 1.
 * Ends with a one-line summary of what changed (or would change).
 */
export async function runStep(body: (ctx: StepContext) => Promise<void>): Promise<void> {
  try {
    const input = await readContract();
    const ctx = contextFrom(input, process.env.CAIRN_ROOT ?? "/");
    await body(ctx);
    const touched = ctx.changes.filter((c) => c.change !== "unchanged" && c.change !== "absent");
    ctx.log(
      touched.length === 0
        ? "no changes"
        : `${ctx.mode === "noop" ? "would change" : "changed"} ${touched.length} file(s)`,
    );
  } catch (e) {
    process.stderr.write(`cairn step: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
