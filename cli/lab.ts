/**
 * `cairn lab --nodes N --server URL --token TOKEN`: starts N lab agents in this process (synthetic
 * machines whose steps run as real processes under `--dir`) and keeps them running until Ctrl+C or
 * SIGTERM. The fleet itself is agent/lab.ts; this file parses options and prints progress.
 */
import { InvalidArgumentError, type Command } from "commander";
import { fill, isLocale, type Locale, type Localized } from "../domain/i18n";
import { LAB_PROFILES, type LabProfile } from "../domain/lab/inventory";
import { STEP_ID_PATTERN } from "../domain/taskgraph/schema";
import type { AgentNotice } from "../agent/agent";
import { startLabFleet, type LabFleet, type LabFleetOptions } from "../agent/lab";
import { pickLocale } from "./license";

const T = {
  starting: {
    en: "Starting {nodes} lab node(s) (profile {profile}) in {dir}",
    "zh-CN": "正在 {dir} 中启动 {nodes} 个实验节点（配置 {profile}）",
  },
  registered: {
    en: "{count} of {nodes} lab node(s) registered with {server}; Ctrl+C stops them",
    "zh-CN": "{nodes} 个实验节点中已有 {count} 个注册到 {server}；按 Ctrl+C 停止",
  },
  noneRegistered: {
    en: "No lab node could register with {server}: {reason}",
    "zh-CN": "没有实验节点能注册到 {server}：{reason}",
  },
  unreachable: {
    en: "{server} is unreachable ({error}); the lab nodes keep retrying",
    "zh-CN": "无法连接 {server}（{error}）；实验节点会继续重试",
  },
  fatal: { en: "{host}: cannot continue: {message}", "zh-CN": "{host}：无法继续：{message}" },
  stopping: { en: "Stopping the lab nodes…", "zh-CN": "正在停止实验节点…" },
  stopped: { en: "Lab nodes stopped", "zh-CN": "实验节点已停止" },
  invalid: { en: "Invalid lab options: {message}", "zh-CN": "实验节点参数无效：{message}" },
} satisfies Record<string, Localized>;

export interface LabCommandOptions {
  nodes: number;
  server: string;
  token: string;
  profile: LabProfile;
  dir: string;
  failRate: number;
  slow: number;
  /** Graph step ids whose first attempt in each task fails (`--fail-once ntp,services`). */
  failOnce?: string[];
  seed: number;
  regionIndex: number;
  firstIndex: number;
  heartbeat?: number;
  lang?: string;
}

export interface LabCommandDeps {
  out(line: string): void;
  err(line: string): void;
  /** Resolves when the fleet should stop; by default on SIGINT or SIGTERM. */
  waitForStop(): Promise<void>;
  start(opts: LabFleetOptions): Promise<LabFleet>;
  setExitCode(code: number): void;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

const defaultDeps: LabCommandDeps = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  waitForStop: waitForSignal,
  start: startLabFleet,
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

const wholeNumber = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`a whole number from ${min} to ${max} (got "${value}")`);
  return n;
};

function rate(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`a number from 0 to 1 (got "${value}")`);
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && Number.isFinite(n)))
    throw new InvalidArgumentError(`a number of seconds, 0 or more (got "${value}")`);
  return n;
}

function stepIds(value: string): string[] {
  const ids = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = ids.find((id) => !STEP_ID_PATTERN.test(id));
  if (ids.length === 0 || bad !== undefined)
    throw new InvalidArgumentError(
      `graph step ids separated by commas, such as ntp,services (got "${bad ?? value}")`,
    );
  return ids;
}

function profile(value: string): LabProfile {
  if (!(LAB_PROFILES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`one of ${LAB_PROFILES.join(", ")} (got "${value}")`);
  return value as LabProfile;
}

function lang(value: string): string {
  if (!isLocale(value)) throw new InvalidArgumentError(`use en or zh-CN (got "${value}")`);
  return value;
}

function url(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol === "http:" || u.protocol === "https:") return value;
  } catch {
    // reported below
  }
  throw new InvalidArgumentError(
    `an http:// or https:// URL such as http://localhost:3000 (got "${value}")`,
  );
}

/** Runs the fleet until `waitForStop` resolves (or no node could register). */
export async function runLab(opts: LabCommandOptions, deps: LabCommandDeps): Promise<number> {
  const locale: Locale = pickLocale(opts.lang);
  const say = (text: Localized, params: Record<string, string | number> = {}) =>
    fill(text[locale], params);
  let announcedUnreachable = false;
  let firstFatal: string | null = null;
  const logger = (host: string, notice: AgentNotice) => {
    if (notice.type === "unreachable" && !announcedUnreachable) {
      announcedUnreachable = true;
      deps.err(say(T.unreachable, { server: opts.server, error: notice.error }));
    } else if (notice.type === "reconnected") announcedUnreachable = false;
    else if (notice.type === "fatal") {
      if (firstFatal === null) {
        firstFatal = notice.message;
        deps.err(say(T.fatal, { host, message: notice.message }));
      }
    }
  };
  deps.out(say(T.starting, { nodes: opts.nodes, profile: opts.profile, dir: opts.dir }));
  let fleet: LabFleet;
  try {
    fleet = await deps.start({
      server: opts.server,
      token: opts.token,
      nodes: opts.nodes,
      profile: opts.profile,
      dir: opts.dir,
      failRate: opts.failRate,
      slowSeconds: opts.slow,
      ...(opts.failOnce?.length ? { failOnce: opts.failOnce } : {}),
      seed: opts.seed,
      regionIndex: opts.regionIndex,
      firstIndex: opts.firstIndex,
      ...(opts.heartbeat !== undefined ? { heartbeatSeconds: opts.heartbeat } : {}),
      logger,
    });
  } catch (error) {
    deps.err(say(T.invalid, { message: (error as Error).message }));
    return 2;
  }
  const stopRequested = deps.waitForStop();
  const registered = await Promise.race([fleet.registered, stopRequested.then(() => null)]);
  if (registered === 0) {
    deps.err(say(T.noneRegistered, { server: opts.server, reason: firstFatal ?? "?" }));
    await fleet.stop();
    return 1;
  }
  if (registered !== null) {
    deps.out(say(T.registered, { count: registered, nodes: opts.nodes, server: opts.server }));
    await stopRequested;
  }
  deps.out(say(T.stopping));
  await fleet.stop();
  deps.out(say(T.stopped));
  return 0;
}

export function registerLabCommand(
  program: Command,
  overrides: Partial<LabCommandDeps> = {},
): void {
  const deps: LabCommandDeps = { ...defaultDeps, ...overrides };
  program
    .command("lab")
    .description(
      "Run lab nodes: synthetic machines whose agents register with Cairn and run steps for real",
    )
    .requiredOption("--nodes <n>", "how many lab nodes", wholeNumber(1, 100_000))
    .requiredOption("--server <url>", "Cairn's address, e.g. http://localhost:3000", url)
    .option(
      "--token <token>",
      "the region's bootstrap token (or CAIRN_LAB_TOKEN, which keeps it out of process listings)",
    )
    .option("--profile <profile>", `machine mix: ${LAB_PROFILES.join(", ")}`, profile, "mixed")
    .option("--dir <dir>", "folder for the nodes' roots and state", ".cairn/lab")
    .option("--fail-rate <rate>", "share of steps that fail on purpose, 0 to 1", rate, 0)
    .option("--slow <seconds>", "seconds every step waits before it runs", seconds, 0)
    .option(
      "--fail-once <steps>",
      "graph step ids (comma-separated) whose first attempt in each task fails, with a log line saying so; the retry runs for real",
      stepIds,
    )
    .option(
      "--seed <n>",
      "seed of the machine mix and of the injected failures",
      wholeNumber(0, 2 ** 31 - 1),
      1,
    )
    .option(
      "--region-index <n>",
      "which region's lab this is (hostnames, MACs differ per region)",
      wholeNumber(0, 255),
      0,
    )
    .option(
      "--first-index <n>",
      "index of the first node, to add nodes to a running lab without repeating machines",
      wholeNumber(0, 1_000_000),
      0,
    )
    .option(
      "--heartbeat <seconds>",
      "seconds between heartbeats until the server says otherwise",
      seconds,
    )
    .option("--lang <lang>", "output language: en or zh-CN", lang)
    .addHelpText(
      "after",
      "\nEach node gets <dir>/nodes/<hostname>/root (its CAIRN_ROOT, with sparse disk images under\n" +
        "var/lib/cairn-lab/disks) and <dir>/nodes/<hostname>/state (its credential).\n" +
        "Exit codes: 0 stopped, 1 no node could register, 2 bad usage.",
    )
    .action(async (opts: Omit<LabCommandOptions, "token"> & { token?: string }) => {
      const token = opts.token ?? process.env.CAIRN_LAB_TOKEN;
      if (!token) {
        deps.err(
          fill(T.invalid[pickLocale(opts.lang)], {
            message: "--token is required (or set CAIRN_LAB_TOKEN)",
          }),
        );
        deps.setExitCode(2);
        return;
      }
      deps.setExitCode(await runLab({ ...opts, token }, deps));
    });
}
