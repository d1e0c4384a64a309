/**
 * Runs one step attempt as a contained process tree and reports it final only once no process of
 * it remains. Containment: always its own process group (detached spawn, so `kill(-pgid)` reaches
 * children and grandchildren — `child.kill()` would not), plus its own cgroup v2 where the host
 * allows it, which also catches processes that left the group with setsid.
 *
 * The deadline is enforced here, locally, so it holds even when the agent has lost the server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { Readable } from "node:stream";
import type { AttemptStatus } from "../domain/engine/types";
import {
  cgroupPids,
  createAttemptCgroup,
  killCgroup,
  removeCgroup,
  signalCgroup,
  type AttemptCgroup,
} from "./cgroup";

export type LogStream = "stdout" | "stderr";
export interface LogBatch {
  /** Starts at 0 and increases by one per batch across both streams, so the server can dedupe. */
  seq: number;
  stream: LogStream;
  lines: string[];
}

export type Containment = "cgroup" | "process-group";
export type ExecStatus = Extract<AttemptStatus, "succeeded" | "failed" | "timed_out" | "cancelled">;

export interface RunAttemptOptions {
  attemptId: string;
  /** Executable and arguments, e.g. [scriptPath, ...args] or ["bash", "-c", cmd]. */
  command: readonly string[];
  /** The complete environment of the step (not merged with the agent's); defaults to the agent's. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL. */
  graceMs?: number;
  onBatch?: (batch: LogBatch) => void;
  /** false forces process-group containment (used to test the fallback). */
  useCgroup?: boolean;
  /** Override cgroup v2 root detection; null means "none available". */
  cgroupRoot?: string | null;
  /** Upper bound on waiting for processes to vanish after SIGKILL (a task stuck in D state). */
  settleTimeoutMs?: number;
  batchLines?: number;
  batchIntervalMs?: number;
}

export interface AttemptResult {
  status: ExecStatus;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  containment: Containment;
  /** Why the cgroup could not be used, when containment fell back to the process group. */
  containmentWarning?: string;
  /** Processes of the attempt still alive when we reported; 0 unless a task ignored SIGKILL. */
  remainingProcesses: number;
  /** Processes still running after the main process exited, which we then killed. */
  straysKilled: number;
  durationMs: number;
  killReason?: string;
  /** Spawn failure (e.g. missing cwd). */
  error?: string;
  /** Errors thrown by onBatch; they never abort the attempt. */
  callbackErrors: number;
}

export interface RunningAttempt {
  /** undefined only when the spawn itself failed. */
  pid: number | undefined;
  containment: Containment;
  containmentWarning?: string;
  result: Promise<AttemptResult>;
  /** Engine-requested cancel: SIGTERM, grace, SIGKILL, cgroup kill; status becomes cancelled. */
  kill(reason: string): void;
}

const POLL_MS = 20;
const MAX_LINE_CHARS = 64 * 1024;
/** Joins the cgroup before exec, so not even the first fork of the real command escapes it. */
const CGROUP_WRAPPER =
  'if ! echo $$ > "$0"; then echo "cairn: cannot join cgroup $0" >&2; exit 125; fi; exec "$@"';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Live (non-zombie) processes whose process group is pgid, from /proc/<pid>/stat field 5. */
export function processGroupPids(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue;
    }
    // comm (field 2) may contain spaces and parentheses; fields after the last ")" are fixed.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = rest[0];
    const pgrp = Number(rest[2]);
    // A zombie runs nothing and holds nothing but its pid; whether it is reaped depends on PID 1.
    if (pgrp === pgid && state !== "Z" && state !== "X") out.push(Number(name));
  }
  return out;
}

/** Is this pid alive (not a zombie)? */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

class LineBatcher {
  private seq = 0;
  private pending: Record<LogStream, string[]> = { stdout: [], stderr: [] };
  private timers: Record<LogStream, NodeJS.Timeout | null> = { stdout: null, stderr: null };
  callbackErrors = 0;

  constructor(
    private readonly onBatch: ((b: LogBatch) => void) | undefined,
    private readonly maxLines: number,
    private readonly intervalMs: number,
  ) {}

  push(stream: LogStream, line: string): void {
    const buf = this.pending[stream];
    buf.push(line);
    if (buf.length >= this.maxLines) this.flush(stream);
    else if (this.timers[stream] === null) {
      this.timers[stream] = setTimeout(() => this.flush(stream), this.intervalMs);
    }
  }

  flush(stream: LogStream): void {
    const t = this.timers[stream];
    if (t !== null) clearTimeout(t);
    this.timers[stream] = null;
    const lines = this.pending[stream];
    if (lines.length === 0) return;
    this.pending[stream] = [];
    const batch: LogBatch = { seq: this.seq++, stream, lines };
    try {
      this.onBatch?.(batch);
    } catch {
      this.callbackErrors++;
    }
  }

  flushAll(): void {
    this.flush("stdout");
    this.flush("stderr");
  }
}

/** Splits a byte stream into lines (UTF-8 safe across chunks, CRLF tolerant, long lines cut). */
function readLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let buf = "";
  const emit = (line: string) => onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  const take = (text: string) => {
    buf += text;
    let nl: number;
    while ((nl = buf.indexOf("\n")) !== -1) {
      emit(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    while (buf.length > MAX_LINE_CHARS) {
      emit(buf.slice(0, MAX_LINE_CHARS));
      buf = buf.slice(MAX_LINE_CHARS);
    }
  };
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      take(decoder.end());
      if (buf !== "") emit(buf);
      buf = "";
      resolve();
    };
    stream.on("data", (chunk: Buffer) => take(decoder.write(chunk)));
    stream.once("end", finish);
    stream.once("close", finish);
    stream.once("error", finish);
  });
}

export function runAttempt(opts: RunAttemptOptions): RunningAttempt {
  const started = performance.now();
  const graceMs = opts.graceMs ?? 5000;
  const settleTimeoutMs = opts.settleTimeoutMs ?? 10_000;
  const batcher = new LineBatcher(opts.onBatch, opts.batchLines ?? 100, opts.batchIntervalMs ?? 200);

  let cgroup: AttemptCgroup | null = null;
  let containmentWarning: string | undefined;
  if (opts.useCgroup === false) {
    containmentWarning = "cgroup containment disabled by caller; setsid escapees will not be caught";
  } else {
    const setup =
      opts.cgroupRoot === undefined
        ? createAttemptCgroup(opts.attemptId)
        : createAttemptCgroup(opts.attemptId, opts.cgroupRoot);
    if (setup.ok) cgroup = setup.cgroup;
    else {
      // Returned with the result; the agent says it once, not once per step.
      containmentWarning = `cgroup v2 unavailable (${setup.reason}); using process-group kill only — setsid escapees will not be caught`;
    }
  }
  const containment: Containment = cgroup ? "cgroup" : "process-group";

  const [file, ...args] = opts.command;
  if (file === undefined) throw new Error("runAttempt: command must not be empty");
  const child: ChildProcess = cgroup
    ? spawn("/bin/sh", ["-c", CGROUP_WRAPPER, cgroup.procsFile, file, ...args], {
        detached: true,
        cwd: opts.cwd,
        env: (opts.env ?? process.env) as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      })
    : spawn(file, args, {
        detached: true,
        cwd: opts.cwd,
        env: (opts.env ?? process.env) as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      });
  const pgid = child.pid;

  const streamsDone = Promise.all([
    child.stdout ? readLines(child.stdout, (l) => batcher.push("stdout", l)) : Promise.resolve(),
    child.stderr ? readLines(child.stderr, (l) => batcher.push("stderr", l)) : Promise.resolve(),
  ]);

  let spawnError: string | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", (e) => {
      spawnError = e.message;
      resolve({ code: null, signal: null });
    });
  });

  let killStatus: { status: "timed_out" | "cancelled"; reason: string } | null = null;
  let requestKill: () => void = () => {};
  const killRequested = new Promise<void>((r) => (requestKill = r));
  let mainExited = false;

  const request = (status: "timed_out" | "cancelled", reason: string) => {
    if (killStatus !== null || mainExited) return;
    killStatus = { status, reason };
    requestKill();
  };
  const deadline = setTimeout(() => request("timed_out", `deadline of ${opts.timeoutMs} ms reached`), opts.timeoutMs);

  const remaining = (): number[] => {
    if (cgroup) return cgroupPids(cgroup.path);
    return pgid === undefined ? [] : processGroupPids(pgid);
  };
  const waitEmpty = async (ms: number): Promise<boolean> => {
    const until = performance.now() + ms;
    for (;;) {
      if (remaining().length === 0) return true;
      if (performance.now() >= until) return false;
      await sleep(POLL_MS);
    }
  };
  const signalAll = (signal: NodeJS.Signals) => {
    if (pgid !== undefined) {
      try {
        process.kill(-pgid, signal);
      } catch {
        // ESRCH: the group is already empty.
      }
    }
    // Members that left the group (setsid) are only reachable through the cgroup.
    if (cgroup) signalCgroup(cgroup.path, signal);
  };
  const killSequence = async () => {
    signalAll("SIGTERM");
    if (await waitEmpty(graceMs)) return;
    signalAll("SIGKILL");
    if (cgroup) killCgroup(cgroup);
    await waitEmpty(settleTimeoutMs);
  };

  const result = (async (): Promise<AttemptResult> => {
    await Promise.race([exited, killRequested]);
    let straysKilled = 0;
    if (killStatus !== null) {
      await killSequence();
    }
    const ex = await Promise.race([exited, sleep(settleTimeoutMs).then(() => ({ code: null, signal: null }))]);
    mainExited = true;
    clearTimeout(deadline);
    if (killStatus === null) {
      // A step that exits but leaves background processes is not finished: they could still
      // change the node after we report success.
      straysKilled = remaining().length;
      if (straysKilled > 0) await killSequence();
    }
    // Pipes close when their last writer dies; a process outside our reach (setsid escapee in
    // process-group mode) may keep them open, so bound the wait and cut them.
    await Promise.race([streamsDone, sleep(500)]);
    child.stdout?.destroy();
    child.stderr?.destroy();
    batcher.flushAll();

    const left = remaining().length;
    if (cgroup && left === 0) {
      const until = performance.now() + 1000;
      while (!removeCgroup(cgroup.path) && performance.now() < until) await sleep(POLL_MS);
    }

    const ks = killStatus as { status: "timed_out" | "cancelled"; reason: string } | null;
    const status: ExecStatus = ks ? ks.status : ex.code === 0 && !spawnError ? "succeeded" : "failed";
    return {
      status,
      exitCode: ex.code,
      signal: ex.signal,
      containment,
      ...(containmentWarning ? { containmentWarning } : {}),
      remainingProcesses: left,
      straysKilled,
      durationMs: Math.round(performance.now() - started),
      ...(ks ? { killReason: ks.reason } : {}),
      ...(spawnError ? { error: spawnError } : {}),
      callbackErrors: batcher.callbackErrors,
    };
  })();

  return {
    pid: pgid,
    containment,
    ...(containmentWarning ? { containmentWarning } : {}),
    result,
    kill: (reason: string) => request("cancelled", reason),
  };
}
