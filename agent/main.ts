/**
 * The `cairn-agent` command line: parses options, runs one Agent until SIGTERM/SIGINT (or until it
 * cannot go on), and prints one line per event an operator cares about. `bin/cairn-agent.mjs` and
 * the single-file bundle (agent/bundle.mjs) both call `run`.
 *
 * Exit codes: 0 stopped on request, 1 cannot go on (token or credential refused, no inventory),
 * 2 bad usage, 70 an internal error.
 */
import path from "node:path";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { fill, isLocale, type Locale, type Localized } from "../domain/i18n";
import { Agent, AGENT_VERSION, type AgentNotice, type AgentOptions } from "./agent";

export const EXIT_OK = 0;
export const EXIT_FATAL = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERNAL = 70;

const T = {
  registered: {
    en: "Registered as node {node} in region {region}",
    "zh-CN": "已注册为节点 {node}（区域 {region}）",
  },
  reused: {
    en: "Using the stored credential of node {node}",
    "zh-CN": "使用已保存的节点 {node} 的凭据",
  },
  reRegistering: {
    en: "The server refused the stored credential ({reason}); registering again with the bootstrap token",
    "zh-CN": "服务器拒绝了已保存的凭据（{reason}）；正在使用引导令牌重新注册",
  },
  unreachable: {
    en: "Server unreachable ({error}); retrying in {seconds} s",
    "zh-CN": "无法连接服务器（{error}）；{seconds} 秒后重试",
  },
  reconnected: { en: "Connected to the server again", "zh-CN": "已重新连接到服务器" },
  rejected: {
    en: "The server refused {what}: {message}",
    "zh-CN": "服务器拒绝了 {what}：{message}",
  },
  containment: { en: "Containment: {message}", "zh-CN": "进程隔离：{message}" },
  leftovers: {
    en: "Killed {count} process(es) attempt {attempt} left running when the agent last stopped",
    "zh-CN": "已终止尝试 {attempt} 在代理上次停止时遗留的 {count} 个进程",
  },
  inventory: { en: "Inventory: {message}", "zh-CN": "硬件清单：{message}" },
  started: {
    en: "Attempt {attempt} started: step {step} ({mode})",
    "zh-CN": "尝试 {attempt} 已开始：步骤 {step}（{mode}）",
  },
  killRequested: {
    en: "Attempt {attempt}: the engine asked for a kill ({reason})",
    "zh-CN": "尝试 {attempt}：引擎要求终止（{reason}）",
  },
  ended: {
    en: "Attempt {attempt} ended: {status} after {seconds} s",
    "zh-CN": "尝试 {attempt} 已结束：{status}，用时 {seconds} 秒",
  },
  endedWithCode: {
    en: "Attempt {attempt} ended: {status} (exit code {code}) after {seconds} s",
    "zh-CN": "尝试 {attempt} 已结束：{status}（退出码 {code}），用时 {seconds} 秒",
  },
  fatal: { en: "Cannot continue: {message}", "zh-CN": "无法继续：{message}" },
  stopping: {
    en: "Stopping: running steps are stopped, unsent reports flushed…",
    "zh-CN": "正在停止：终止运行中的步骤并发送未送达的报告…",
  },
  stopped: { en: "Stopped", "zh-CN": "已停止" },
  internal: {
    en: "Internal error (please report it): {message}",
    "zh-CN": "内部错误（请报告）：{message}",
  },
} satisfies Record<string, Localized>;

const STATUS: Record<Extract<AgentNotice, { type: "attempt-ended" }>["status"], Localized> = {
  succeeded: { en: "succeeded", "zh-CN": "成功" },
  failed: { en: "failed", "zh-CN": "失败" },
  timed_out: { en: "timed out", "zh-CN": "超时" },
  cancelled: { en: "killed on request", "zh-CN": "已按要求终止" },
  "spawn-error": { en: "could not start", "zh-CN": "无法启动" },
  "agent-stopped": { en: "stopped with the agent", "zh-CN": "随代理停止" },
};

export function pickLocale(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Locale {
  if (option !== undefined) return option as Locale;
  if (isLocale(env.CAIRN_LANG)) return env.CAIRN_LANG;
  const posix = env.LC_ALL || env.LC_MESSAGES || env.LANG || "";
  return posix.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

/** One line for a notice, or null for notices that are not worth a line. */
export function describeNotice(
  notice: AgentNotice,
  locale: Locale,
): { line: string; error: boolean } | null {
  const say = (text: Localized, params: Record<string, string | number> = {}) =>
    fill(text[locale], params);
  switch (notice.type) {
    case "registered":
      return {
        line: notice.reused
          ? say(T.reused, { node: notice.nodeId })
          : say(T.registered, { node: notice.nodeId, region: notice.regionId }),
        error: false,
      };
    case "re-registering":
      return { line: say(T.reRegistering, { reason: notice.reason }), error: true };
    case "unreachable":
      return {
        line: say(T.unreachable, {
          error: notice.error,
          seconds: (notice.retryInMs / 1000).toFixed(1),
        }),
        error: true,
      };
    case "reconnected":
      return { line: say(T.reconnected), error: false };
    case "rejected":
      return { line: say(T.rejected, { what: notice.what, message: notice.message }), error: true };
    case "containment-warning":
      return { line: say(T.containment, { message: notice.message }), error: true };
    case "leftovers-killed":
      return {
        line: say(T.leftovers, { count: notice.processes, attempt: notice.attemptId }),
        error: true,
      };
    case "inventory-warning":
      return { line: say(T.inventory, { message: notice.message }), error: true };
    case "attempt-started":
      return {
        line: say(T.started, { attempt: notice.attemptId, step: notice.stepId, mode: notice.mode }),
        error: false,
      };
    case "kill-requested":
      return {
        line: say(T.killRequested, { attempt: notice.attemptId, reason: notice.reason }),
        error: false,
      };
    case "attempt-ended": {
      const params = {
        attempt: notice.attemptId,
        status: STATUS[notice.status][locale],
        seconds: (notice.durationMs / 1000).toFixed(1),
      };
      return {
        line:
          notice.exitCode === null
            ? say(T.ended, params)
            : say(T.endedWithCode, { ...params, code: notice.exitCode }),
        error: false,
      };
    }
    case "fatal":
      return { line: say(T.fatal, { message: notice.message }), error: true };
    case "stopped":
      return { line: say(T.stopped), error: false };
  }
}

export interface AgentCliIo {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Stops the agent when it aborts; by default SIGTERM and SIGINT do. */
  signal?: AbortSignal;
  /** Extra agent options (tests: hardware, timings). */
  agent?: Partial<AgentOptions>;
}

const defaultIo: AgentCliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`a number of seconds above 0 (got "${value}")`);
  return n;
}

function serverUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`a URL such as https://cairn.example:3000 (got "${value}")`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InvalidArgumentError(`an http:// or https:// URL (got "${value}")`);
  return value;
}

function langOption(value: string): string {
  if (!isLocale(value)) throw new InvalidArgumentError(`use en or zh-CN (got "${value}")`);
  return value;
}

interface CliOptions {
  server: string;
  token?: string;
  root: string;
  stateDir: string;
  heartbeat?: number;
  lang?: string;
}

export function buildProgram(io: Pick<AgentCliIo, "out" | "err">): Command {
  return new Command("cairn-agent")
    .description("Cairn node agent: reports this node's hardware and runs the steps Cairn gives it")
    .version(AGENT_VERSION)
    .requiredOption("--server <url>", "Cairn's address, e.g. https://cairn.example:3000", serverUrl)
    .option(
      "--token <token>",
      "the region's bootstrap token (or CAIRN_AGENT_TOKEN); needed to register",
    )
    .option("--root <dir>", "the directory steps act on (CAIRN_ROOT)", "/")
    .option("--state-dir <dir>", "where the credential and step files live", "/var/lib/cairn-agent")
    .option(
      "--heartbeat <seconds>",
      "seconds between heartbeats until the server says otherwise",
      positiveSeconds,
    )
    .option("--lang <lang>", "output language: en or zh-CN", langOption)
    .addHelpText(
      "after",
      "\nThe credential is stored in <state-dir>/credential.json (mode 0600); once registered, --token is\n" +
        "only needed again if the server refuses the credential.\n" +
        "Exit codes: 0 stopped, 1 cannot continue (token or credential refused), 2 bad usage, 70 internal error.",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, "")),
      writeErr: (s) => io.err(s.replace(/\n$/, "")),
    });
}

/** Parses `argv` (as `process.argv`), runs the agent until it stops, and returns the exit code. */
export async function run(
  argv: readonly string[],
  ioOverrides: Partial<AgentCliIo> = {},
): Promise<number> {
  const io: AgentCliIo = { ...defaultIo, ...ioOverrides };
  const program = buildProgram(io);
  try {
    program.parse([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    throw error;
  }
  const opts = program.opts<CliOptions>();
  const locale = pickLocale(opts.lang, io.env);
  const print = (notice: AgentNotice) => {
    const described = describeNotice(notice, locale);
    if (described) (described.error ? io.err : io.out)(described.line);
  };

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  if (!io.signal) {
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  }
  const signal = io.signal ?? stop.signal;
  try {
    const token = opts.token ?? io.env.CAIRN_AGENT_TOKEN;
    const agent = new Agent({
      server: opts.server,
      ...(token ? { token } : {}),
      root: path.resolve(opts.root),
      stateDir: path.resolve(opts.stateDir),
      ...(opts.heartbeat !== undefined ? { heartbeatSeconds: opts.heartbeat } : {}),
      logger: print,
      ...io.agent,
    });
    const onAbort = () => {
      io.out(fill(T.stopping[locale], {}));
      void agent.stop();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    await agent.start();
    const exit = await agent.done;
    signal.removeEventListener("abort", onAbort);
    return exit.reason === "fatal"
      ? exit.code === "internal"
        ? EXIT_INTERNAL
        : EXIT_FATAL
      : EXIT_OK;
  } catch (error) {
    io.err(
      fill(T.internal[locale], {
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
    );
    return EXIT_INTERNAL;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}
