/**
 * `cairn-agent`: registers the node, heartbeats, long-polls for attempts, runs them contained
 * (agent/exec.ts) and reports what happened until the gateway acknowledges it (agent/outbox.ts).
 *
 * Three loops share one client and one outbox:
 * - heartbeat: every `heartbeatSeconds` (the server may change it), with the running attempts;
 * - poll: a long poll for work and kill orders, reconnecting with backoff and jitter when the server
 *   is away;
 * - flush: sends the outbox in order, resending until acknowledged.
 * An attempt does not depend on any of them: it ends at its local deadline with or without the
 * server, and its logs and result wait in the outbox.
 *
 * The credential lives in `<stateDir>/credential.json` (0600). A 401 on it re-registers once with
 * the bootstrap token when one was given; otherwise the agent stops and says why.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import {
  AGENT_DEFAULTS,
  AGENT_LIMITS,
  AGENT_PROTOCOL_VERSION,
  type AgentEvent,
  type KillOrder,
  type RegisterRequest,
  type WorkOrder,
} from "../domain/agent/protocol";
import type { Arch, Hardware } from "../domain/model";
import pkg from "../package.json";
import {
  asGatewayError,
  DEFAULT_BACKOFF,
  GatewayClient,
  retryDelayMs,
  sleep as abortableSleep,
  withRetry,
  type BackoffPolicy,
  type GatewayError,
} from "./client";
import { CAIRN_CGROUP_DIR, cgroupPids, findCgroupV2Root, killCgroup, removeCgroup } from "./cgroup";
import {
  processGroupPids,
  runAttempt,
  type AttemptResult,
  type ExecStatus,
  type RunningAttempt,
} from "./exec";
import { collectHardware, pickMachineId, type Inventory } from "./inventory";
import { Outbox, type OutboxOptions } from "./outbox";

export const AGENT_VERSION: string = (pkg as { version: string }).version;

/** setTimeout's ceiling (~24.8 days): a larger delay would fire at once. Used for "no limit". */
const MAX_TIMER_MS = 2 ** 31 - 1;
const KILL_POLL_PAUSE_MS = 500;
const CREDENTIAL_FILE = "credential.json";
/** Written beside a running attempt's script, removed when it ends: left over = the agent died. */
const PGID_FILE = "pgid";

export type AgentNotice =
  | { type: "inventory-warning"; message: string }
  | { type: "registered"; nodeId: string; regionId: string; reused: boolean }
  | { type: "re-registering"; reason: string }
  | { type: "unreachable"; error: string; retryInMs: number }
  | { type: "reconnected" }
  | { type: "rejected"; what: string; message: string }
  | { type: "containment-warning"; message: string }
  | { type: "leftovers-killed"; attemptId: string; processes: number }
  | { type: "attempt-started"; attemptId: string; stepId: string; mode: WorkOrder["mode"] }
  | { type: "kill-requested"; attemptId: string; reason: KillOrder["reason"] }
  | {
      type: "attempt-ended";
      attemptId: string;
      stepId: string;
      status: ExecStatus | "spawn-error" | "agent-stopped";
      exitCode: number | null;
      durationMs: number;
    }
  | { type: "fatal"; code: FatalCode; message: string }
  | { type: "stopped" };

export type FatalCode =
  | "no-credential"
  | "token-refused"
  | "credential-refused"
  | "registration-rejected"
  | "inventory"
  | "internal";

export type AgentExit =
  { reason: "stopped" } | { reason: "fatal"; code: FatalCode; message: string };

export interface AgentOptions {
  /** Cairn's base URL. */
  server: string;
  /** A region's bootstrap token: registers when there is no stored credential, or it is refused. */
  token?: string;
  /** The directory steps act on (CAIRN_ROOT; cwd of every step). "/" on a real node. */
  root: string;
  /** Where the credential and the attempts' scripts live. */
  stateDir: string;
  /** Hardware to report instead of reading this machine's (the lab's synthetic nodes). */
  hardware?: Hardware;
  machineId?: string;
  hostname?: string;
  /** Until the server says otherwise. */
  heartbeatSeconds?: number;
  /** How long a poll may wait; defaults to what registration answered. */
  pollSeconds?: number;
  lab?: boolean;
  /** Lab only: make steps fail or run slow on purpose. */
  inject?: { failRate?: number; slowSeconds?: number; random?: () => number };
  fetch?: typeof fetch;
  /** Epoch ms for reports (sentAt, at). */
  clock?: () => number;
  logger?: (notice: AgentNotice) => void;

  backoff?: BackoffPolicy;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** SIGTERM → SIGKILL grace for a step. */
  graceMs?: number;
  requestTimeoutMs?: number;
  outbox?: OutboxOptions;
  /** false: process-group containment only. */
  useCgroup?: boolean;
  /** How long `stop()` keeps flushing unacknowledged reports. */
  stopFlushMs?: number;
  /** Attempt directories kept in the state dir for inspection. */
  keepAttemptDirs?: number;
  batchIntervalMs?: number;
  /** Wraps registration: the lab passes a limiter so a thousand nodes do not register at once. */
  registrationGate?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Reads the inventory when `hardware` is not given (tests replace it). */
  collect?: () => Promise<Inventory>;
}

const storedCredential = z.object({
  version: z.literal(1),
  server: z.string(),
  nodeId: z.string(),
  regionId: z.string(),
  credential: z.string().min(32),
  heartbeatSeconds: z.number().int().positive(),
  pollSeconds: z.number().int().positive(),
});
export type StoredCredential = z.infer<typeof storedCredential>;

export function credentialPath(stateDir: string): string {
  return path.join(stateDir, CREDENTIAL_FILE);
}

/** Reads the stored credential; null when there is none or it is unreadable (then we register). */
export async function loadCredential(stateDir: string): Promise<StoredCredential | null> {
  let text: string;
  try {
    text = await readFile(credentialPath(stateDir), "utf8");
  } catch {
    return null;
  }
  try {
    const parsed = storedCredential.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Writes the credential readable by the agent's user only, atomically (a crash leaves old or new). */
export async function saveCredential(
  stateDir: string,
  credential: StoredCredential,
): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = credentialPath(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  await rm(tmp, { force: true });
  await writeFile(tmp, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

/** Insertion-ordered set that forgets its oldest entries past a bound. */
class RecentSet {
  private readonly set = new Set<string>();
  constructor(private readonly max: number) {}
  has(key: string): boolean {
    return this.set.has(key);
  }
  add(key: string): void {
    this.set.delete(key);
    this.set.add(key);
    if (this.set.size > this.max) this.set.delete(this.set.values().next().value as string);
  }
}

interface RunningEntry {
  order: WorkOrder;
  run: RunningAttempt | null;
  killReason: KillOrder["reason"] | null;
  stopping: boolean;
  done: Promise<void>;
}

/** A script file name from the release path; never a path, never the input file's name. */
export function scriptFileName(releasePath: string): string {
  const base = path.posix.basename(releasePath.replaceAll("\\", "/"));
  if (base === "" || base === "." || base === ".." || base === "input.json")
    return `step-${base.replace(/\W/g, "") || "script"}`;
  return base;
}

/** The exit code to report for a main process that ended by itself. */
export function exitCodeOf(result: Pick<AttemptResult, "exitCode" | "signal">): number {
  if (result.exitCode !== null) return Math.min(255, Math.max(0, result.exitCode));
  if (result.signal) return 128 + (os.constants.signals[result.signal] ?? 0);
  return 1;
}

function formatSeconds(seconds: number): string {
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(3).replace(/0+$/, "");
}

function environHas(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(entry);
  } catch {
    return false;
  }
}

/**
 * Kills what attempts of an earlier run of this agent left running (it was SIGKILLed or the node
 * lost power mid-step): their process groups and cgroups would otherwise keep changing the node
 * while the engine, having marked them lost, runs the step again. A process counts as the
 * attempt's only if its environment says so (CAIRN_ATTEMPT_ID), so a reused pid is never hit.
 */
export async function reapLeftovers(
  stateDir: string,
  cgroupRoot: string | null = findCgroupV2Root(),
): Promise<{ attemptId: string; processes: number }[]> {
  const dir = path.join(stateDir, "attempts");
  let names: string[];
  try {
    // An attempt left a pgid file, or — where the agent died before writing it — a cgroup.
    const cgroups = cgroupRoot ? path.join(cgroupRoot, CAIRN_CGROUP_DIR) : null;
    names = readdirSync(dir).filter(
      (n) =>
        existsSync(path.join(dir, n, PGID_FILE)) ||
        (cgroups !== null && existsSync(path.join(cgroups, n))),
    );
  } catch {
    return [];
  }
  const reaped: { attemptId: string; processes: number }[] = [];
  for (const attemptId of names) {
    const marker = `CAIRN_ATTEMPT_ID=${attemptId}`;
    const pgidFile = path.join(dir, attemptId, PGID_FILE);
    const pgid = existsSync(pgidFile) ? Number(readFileSync(pgidFile, "utf8")) : NaN;
    const members = () =>
      Number.isInteger(pgid) && pgid > 1
        ? processGroupPids(pgid).filter((pid) => environHas(pid, marker))
        : [];
    const cgroup = cgroupRoot ? path.join(cgroupRoot, CAIRN_CGROUP_DIR, attemptId) : null;
    const inCgroup = () => (cgroup && existsSync(cgroup) ? cgroupPids(cgroup) : []);
    const found = new Set([...members(), ...inCgroup()]);
    if (cgroup && existsSync(cgroup))
      killCgroup({
        path: cgroup,
        procsFile: path.join(cgroup, "cgroup.procs"),
        hasKillFile: existsSync(path.join(cgroup, "cgroup.kill")),
      });
    for (const pid of members()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
    for (let i = 0; i < 50 && members().length + inCgroup().length > 0; i++)
      await abortableSleep(20);
    if (cgroup) removeCgroup(cgroup);
    await rm(path.join(dir, attemptId, PGID_FILE), { force: true });
    if (found.size > 0) reaped.push({ attemptId, processes: found.size });
  }
  return reaped;
}

export class Agent {
  readonly client: GatewayClient;
  readonly outbox: Outbox;
  private readonly opts: AgentOptions;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly backoff: BackoffPolicy;
  private readonly log: (notice: AgentNotice) => void;
  private readonly root: string;

  private identity: { hardware: Hardware; machineId: string; hostname: string; arch: Arch } | null =
    null;
  private credential: StoredCredential | null = null;
  /** Bumped on every new credential: a 401 for an older one is not news. */
  private credentialGeneration = 0;
  private reregistered = false;
  private reauth: Promise<boolean> | null = null;

  private heartbeatSeconds: number;
  private readonly running = new Map<string, RunningEntry>();
  /** Attempts this agent has run or confirmed killed: a repeated order is not run twice. */
  private readonly seen = new RecentSet(2000);
  private readonly confirmedKills = new RecentSet(2000);
  private connected = true;
  private containmentWarned = false;

  /** Aborts polls, heartbeats, registration retries and their sleeps. */
  private readonly stopSignal = new AbortController();
  /** Aborts the flush, once `stop()` has given it its time. */
  private readonly flushAbort = new AbortController();
  private draining = false;
  private drainStarted!: () => void;
  private readonly drain = new Promise<void>((r) => (this.drainStarted = r));
  private loops: Promise<unknown> | null = null;
  private stopping: Promise<void> | null = null;
  private exit: AgentExit | null = null;
  private resolveDone!: (exit: AgentExit) => void;
  /** Resolves once the agent has stopped, by `stop()` or because it cannot go on. */
  readonly done: Promise<AgentExit> = new Promise((r) => (this.resolveDone = r));

  constructor(opts: AgentOptions) {
    this.opts = opts;
    this.client = new GatewayClient({
      server: opts.server,
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
    });
    this.outbox = new Outbox({ ...opts.outbox, ...(opts.clock ? { clock: opts.clock } : {}) });
    this.clock = opts.clock ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? abortableSleep;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.log = opts.logger ?? (() => {});
    this.root = path.resolve(opts.root);
    this.heartbeatSeconds = opts.heartbeatSeconds ?? AGENT_DEFAULTS.heartbeatSeconds;
  }

  get nodeId(): string | undefined {
    return this.credential?.nodeId;
  }

  /** Attempts whose processes are alive right now. */
  get runningAttempts(): { attemptId: string; epoch: number }[] {
    return [...this.running.values()].map((e) => ({
      attemptId: e.order.attemptId,
      epoch: e.order.epoch,
    }));
  }

  /**
   * Reads the inventory, loads or obtains the credential, and starts the loops. Resolves once the
   * agent is registered and running, or has stopped (see `done`); fatal conditions end in `done`.
   */
  async start(): Promise<void> {
    try {
      this.identity = await this.readIdentity();
      await mkdir(this.opts.stateDir, { recursive: true, mode: 0o700 });
      for (const left of await reapLeftovers(this.opts.stateDir, this.cgroupRoot()))
        this.log({ type: "leftovers-killed", ...left });
      const stored = await loadCredential(this.opts.stateDir);
      const sameServer = stored?.server === this.client.server;
      if (stored && (sameServer || !this.opts.token)) {
        this.useCredential(stored);
        this.log({
          type: "registered",
          nodeId: stored.nodeId,
          regionId: stored.regionId,
          reused: true,
        });
      } else if (!this.opts.token) {
        return this.fatal(
          "no-credential",
          `no credential in ${credentialPath(this.opts.stateDir)} and no bootstrap token: start the agent with --token <the region's bootstrap token>`,
        );
      } else if (!(await this.register())) return;
    } catch (error) {
      if (this.stopSignal.signal.aborted) return;
      return this.fatal("internal", `cannot start: ${(error as Error).message}`);
    }
    if (this.stopSignal.signal.aborted) return;
    const guard = (loop: () => Promise<void>) =>
      loop().catch((error: unknown) =>
        this.fatal("internal", `internal error: ${(error as Error).stack ?? String(error)}`),
      );
    this.loops = Promise.all([
      guard(() => this.heartbeatLoop()),
      guard(() => this.pollLoop()),
      guard(() => this.flushLoop()),
    ]);
  }

  /**
   * Stops polling, kills running attempts (a step must not outlive the agent that reports it),
   * flushes what it can within `stopFlushMs`, and resolves `done`.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopSignal.abort();
      for (const entry of this.running.values()) {
        entry.stopping = true;
        entry.run?.kill("the agent is stopping");
      }
      await Promise.all([...this.running.values()].map((e) => e.done));
      this.draining = true;
      this.drainStarted();
      const timer = setTimeout(() => this.flushAbort.abort(), this.opts.stopFlushMs ?? 3000);
      try {
        await this.loops;
      } finally {
        clearTimeout(timer);
        this.flushAbort.abort();
      }
      this.log({ type: "stopped" });
      this.resolveDone(this.exit ?? { reason: "stopped" });
    })();
    return this.stopping;
  }

  private cgroupRoot(): string | null {
    return this.opts.useCgroup === false ? null : findCgroupV2Root();
  }

  // ---------- identity and credential ----------

  private async readIdentity(): Promise<NonNullable<Agent["identity"]>> {
    const o = this.opts;
    if (o.hardware) {
      return {
        hardware: o.hardware,
        machineId: o.machineId ?? pickMachineId(o.hardware),
        hostname: o.hostname ?? os.hostname(),
        arch: o.hardware.cpu.arch,
      };
    }
    let inventory: Inventory;
    try {
      inventory = await (o.collect ?? (() => collectHardware()))();
    } catch (error) {
      this.fatal("inventory", (error as Error).message);
      throw error;
    }
    for (const message of inventory.warnings) this.log({ type: "inventory-warning", message });
    return {
      hardware: inventory.hardware,
      machineId: o.machineId ?? inventory.machineId,
      hostname: o.hostname ?? inventory.hostname,
      arch: inventory.arch,
    };
  }

  private useCredential(credential: StoredCredential): void {
    this.credential = credential;
    this.credentialGeneration++;
    this.client.setCredential(credential.credential);
    this.heartbeatSeconds = credential.heartbeatSeconds;
  }

  /** Registers with the bootstrap token, retrying while the server is away; false on a fatal refusal. */
  private async register(): Promise<boolean> {
    const token = this.opts.token;
    const identity = this.identity;
    if (!token || !identity) return false;
    const body: RegisterRequest = {
      protocol: AGENT_PROTOCOL_VERSION,
      machineId: identity.machineId,
      hostname: identity.hostname,
      agentVersion: AGENT_VERSION,
      arch: identity.arch,
      hardware: identity.hardware,
      lab: this.opts.lab ?? false,
    };
    const attempt = () =>
      withRetry(() => this.client.register(token, body, this.stopSignal.signal), {
        backoff: this.backoff,
        random: this.random,
        sleep: this.sleep,
        signal: this.stopSignal.signal,
        onRetry: (error, delay) => this.markDown(error, delay, true),
      });
    try {
      const answer = await (this.opts.registrationGate
        ? this.opts.registrationGate(attempt)
        : attempt());
      this.markUp();
      const credential: StoredCredential = {
        version: 1,
        server: this.client.server,
        nodeId: answer.nodeId,
        regionId: answer.regionId,
        credential: answer.credential,
        heartbeatSeconds: answer.heartbeatSeconds,
        pollSeconds: answer.pollSeconds,
      };
      await saveCredential(this.opts.stateDir, credential);
      this.useCredential(credential);
      this.log({
        type: "registered",
        nodeId: answer.nodeId,
        regionId: answer.regionId,
        reused: false,
      });
      return true;
    } catch (error) {
      const failure = asGatewayError(error);
      if (failure.details.aborted || this.stopSignal.signal.aborted) return false;
      if (failure.kind === "unauthorized")
        this.fatal(
          "token-refused",
          `the server refused the bootstrap token (${failure.message}); use a current token of the region`,
        );
      else this.fatal("registration-rejected", `registration refused: ${failure.message}`);
      return false;
    }
  }

  /**
   * A 401/403: re-register once with the bootstrap token if there is one; else stop. Concurrent
   * refusals share one re-registration.
   */
  private handleUnauthorized(error: GatewayError): Promise<boolean> {
    this.reauth ??= (async () => {
      if (this.exit) return false;
      if (!this.opts.token || this.reregistered) {
        this.fatal(
          "credential-refused",
          this.opts.token
            ? `the server refused this node's credential again after registering anew (${error.message})`
            : `the server refused this node's credential (${error.message}); start the agent with --token <the region's bootstrap token> to register again`,
        );
        return false;
      }
      this.reregistered = true;
      this.log({ type: "re-registering", reason: error.message });
      return this.register();
    })().finally(() => (this.reauth = null));
    return this.reauth;
  }

  /** Runs a call with the node credential, re-authenticating on a 401 when that can help. */
  private async authed<T>(fn: () => Promise<T>): Promise<T> {
    for (;;) {
      const generation = this.credentialGeneration;
      try {
        return await fn();
      } catch (error) {
        const failure = asGatewayError(error);
        if (failure.kind !== "unauthorized" || failure.details.aborted) throw failure;
        if (generation !== this.credentialGeneration) continue;
        if (!(await this.handleUnauthorized(failure))) throw failure;
      }
    }
  }

  private fatal(code: FatalCode, message: string): void {
    if (this.exit) return;
    this.exit = { reason: "fatal", code, message };
    this.log({ type: "fatal", code, message });
    void this.stop();
  }

  private markDown(error: GatewayError, retryInMs: number, announce: boolean): void {
    this.connected = false;
    if (announce) this.log({ type: "unreachable", error: error.message, retryInMs });
  }

  private markUp(): void {
    if (this.connected) return;
    this.connected = true;
    this.log({ type: "reconnected" });
  }

  // ---------- loops ----------

  private async heartbeatLoop(): Promise<void> {
    const signal = this.stopSignal.signal;
    while (!signal.aborted) {
      try {
        const answer = await this.authed(() =>
          this.client.heartbeat(
            { sentAt: this.clock(), running: this.runningAttempts.slice(0, 16) },
            signal,
          ),
        );
        this.markUp();
        this.heartbeatSeconds = answer.heartbeatSeconds;
        this.applyKills(answer.kills);
      } catch (error) {
        const failure = asGatewayError(error);
        if (signal.aborted || this.exit) return;
        if (failure.kind === "retryable")
          this.markDown(failure, this.heartbeatSeconds * 1000, false);
        else if (failure.kind === "rejected")
          this.log({ type: "rejected", what: "heartbeat", message: failure.message });
        else return;
      }
      await this.sleep(this.heartbeatSeconds * 1000, signal);
    }
  }

  private async pollLoop(): Promise<void> {
    const signal = this.stopSignal.signal;
    let failures = 0;
    while (!signal.aborted) {
      const waitSeconds = Math.min(
        AGENT_LIMITS.maxPollSeconds,
        this.opts.pollSeconds ?? this.credential?.pollSeconds ?? AGENT_DEFAULTS.pollSeconds,
      );
      try {
        const answer = await this.authed(() => this.client.poll({ waitSeconds }, signal));
        failures = 0;
        this.markUp();
        this.applyKills(answer.kills);
        if (answer.work) this.startWork(answer.work);
        // The gateway answers at once while a kill is owed, until it is confirmed: a kill takes up
        // to the grace period, so pause instead of asking again in a tight loop.
        else if (answer.kills.length > 0) await this.sleep(KILL_POLL_PAUSE_MS, signal);
      } catch (error) {
        const failure = asGatewayError(error);
        if (signal.aborted || this.exit) return;
        if (failure.kind === "unauthorized") return;
        const delay = retryDelayMs(failure, failures++, this.backoff, this.random);
        if (failure.kind === "retryable") this.markDown(failure, delay, true);
        else this.log({ type: "rejected", what: "poll", message: failure.message });
        await this.sleep(delay, signal);
      }
    }
  }

  private async flushLoop(): Promise<void> {
    const signal = this.flushAbort.signal;
    let failures = 0;
    while (!signal.aborted) {
      const request = this.outbox.next();
      if (!request) {
        if (this.draining) return;
        await Promise.race([this.outbox.changed(), this.drain]);
        continue;
      }
      try {
        if (request.kind === "events") {
          const answer = await this.authed(() => this.client.sendEvents(request.body, signal));
          this.outbox.acknowledge(request, answer);
        } else {
          const answer = await this.authed(() => this.client.sendLogs(request.body, signal));
          this.outbox.acknowledge(request, answer);
        }
        failures = 0;
        this.markUp();
      } catch (error) {
        const failure = asGatewayError(error);
        if (signal.aborted) return;
        if (failure.kind === "unauthorized") return;
        if (failure.kind === "rejected") {
          const dropped = this.outbox.reject(request);
          if (dropped)
            this.log({
              type: "rejected",
              what:
                dropped.kind === "event"
                  ? `event ${dropped.event.type} of attempt ${dropped.attemptId}`
                  : `log batch ${dropped.seq} of attempt ${dropped.attemptId}`,
              message: failure.message,
            });
          continue;
        }
        const delay = retryDelayMs(failure, failures++, this.backoff, this.random);
        this.markDown(failure, delay, false);
        await this.sleep(delay, signal);
      }
    }
  }

  // ---------- attempts ----------

  private applyKills(kills: readonly KillOrder[]): void {
    for (const kill of kills) {
      const entry = this.running.get(kill.attemptId);
      if (entry && entry.order.epoch === kill.epoch) {
        if (entry.killReason === null) {
          entry.killReason = kill.reason;
          this.log({ type: "kill-requested", attemptId: kill.attemptId, reason: kill.reason });
          entry.run?.kill(`the engine asked for a kill (${kill.reason})`);
        }
        continue;
      }
      // Not running here (finished, never received, or an older epoch): nothing of it is left, which
      // is what the engine waits to hear. Its final event, if any, is ahead in the outbox.
      const key = `${kill.attemptId}#${kill.epoch}`;
      if (this.confirmedKills.has(key)) continue;
      this.confirmedKills.add(key);
      this.seen.add(`${kill.attemptId}#${kill.epoch}`);
      this.outbox.addEvent(kill.attemptId, kill.epoch, { type: "kill-confirmed" }, this.clock());
    }
  }

  private startWork(order: WorkOrder): void {
    const key = `${order.attemptId}#${order.epoch}`;
    if (this.seen.has(key) || this.running.has(order.attemptId) || this.stopSignal.signal.aborted)
      return;
    this.seen.add(key);
    const entry: RunningEntry = {
      order,
      run: null,
      killReason: null,
      stopping: false,
      done: Promise.resolve(),
    };
    this.running.set(order.attemptId, entry);
    entry.done = this.runWork(entry)
      .catch((error: unknown) => {
        // A bug here must not leave the engine waiting: report a failure with the reason.
        this.outbox.addLogs(order.attemptId, "system", [
          `cairn-agent: internal error: ${(error as Error).message}`,
        ]);
        this.outbox.addEvent(order.attemptId, order.epoch, { type: "exited", exitCode: 127 });
      })
      .finally(() => this.running.delete(order.attemptId));
  }

  private async runWork(entry: RunningEntry): Promise<void> {
    const { order } = entry;
    const id = order.attemptId;
    const started = performance.now();
    this.outbox.addEvent(id, order.epoch, { type: "started" }, this.clock());
    this.log({ type: "attempt-started", attemptId: id, stepId: order.stepId, mode: order.mode });

    const system = (line: string) =>
      this.outbox.addLogs(id, "system", [`cairn-agent: ${line}`], this.clock());
    const end = (
      event: AgentEvent | null,
      status: Extract<AgentNotice, { type: "attempt-ended" }>["status"],
      exitCode: number | null,
    ) => {
      if (event) this.outbox.addEvent(id, order.epoch, event, this.clock());
      this.log({
        type: "attempt-ended",
        attemptId: id,
        stepId: order.stepId,
        status,
        exitCode,
        durationMs: Math.round(performance.now() - started),
      });
    };

    const dir = path.join(this.opts.stateDir, "attempts", id);
    const scriptPath = path.join(dir, scriptFileName(order.script.path));
    const inputPath = path.join(dir, "input.json");
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(scriptPath, order.script.content, { mode: 0o700 });
      await chmod(scriptPath, 0o700);
      await writeFile(inputPath, JSON.stringify(order.input), { mode: 0o600 });
    } catch (error) {
      system(`cannot write the step to ${dir}: ${(error as Error).message}`);
      return end({ type: "exited", exitCode: 127 }, "spawn-error", 127);
    }

    const env: Record<string, string> = {
      ...order.env,
      PATH: process.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      CAIRN_ROOT: this.root,
      CAIRN_INPUT: inputPath,
      CAIRN_MODE: order.mode,
      CAIRN_ATTEMPT_ID: id,
    };
    if (entry.stopping) {
      system("the agent stopped before the step could start");
      return end(null, "agent-stopped", null);
    }
    const timeoutMs =
      order.timeoutSeconds === 0
        ? MAX_TIMER_MS
        : Math.min(order.timeoutSeconds * 1000, MAX_TIMER_MS);
    let run: RunningAttempt;
    try {
      run = runAttempt({
        attemptId: id,
        command: this.command(scriptPath, order.script.content),
        env,
        cwd: this.root,
        timeoutMs,
        ...(this.opts.graceMs !== undefined ? { graceMs: this.opts.graceMs } : {}),
        ...(this.opts.useCgroup === false ? { useCgroup: false } : {}),
        ...(this.opts.batchIntervalMs !== undefined
          ? { batchIntervalMs: this.opts.batchIntervalMs }
          : {}),
        onBatch: (batch) => this.outbox.addLogs(id, batch.stream, batch.lines, this.clock()),
      });
    } catch (error) {
      system(`cannot start the step: ${(error as Error).message}`);
      return end({ type: "exited", exitCode: 127 }, "spawn-error", 127);
    }
    entry.run = run;
    const pgidFile = path.join(dir, PGID_FILE);
    // Written synchronously, right after the spawn: an agent killed a moment later must still
    // leave the record its restart reaps the step's processes by.
    if (run.pid !== undefined)
      try {
        writeFileSync(pgidFile, String(run.pid));
      } catch {
        // The state dir is gone or full: the cgroup (where there is one) still names the step.
      }
    if (entry.killReason !== null) run.kill(`the engine asked for a kill (${entry.killReason})`);
    if (run.containmentWarning && !this.containmentWarned) {
      this.containmentWarned = true;
      this.log({ type: "containment-warning", message: run.containmentWarning });
    }

    const result = await run.result;
    await rm(pgidFile, { force: true });
    if (result.straysKilled > 0)
      system(
        `${result.straysKilled} process(es) were still running after the step exited; they were killed`,
      );
    if (result.remainingProcesses > 0)
      system(
        `${result.remainingProcesses} process(es) of this attempt did not die (stuck in the kernel?)`,
      );
    if (result.error) {
      system(`cannot start ${order.script.path}: ${result.error}`);
      end({ type: "exited", exitCode: 127 }, "spawn-error", 127);
    } else if (result.status === "timed_out") {
      system(
        `the step ran past its deadline of ${formatSeconds(order.timeoutSeconds)} s and was stopped`,
      );
      end({ type: "timed-out" }, "timed_out", null);
    } else if (result.status === "cancelled") {
      if (entry.killReason !== null) {
        system(`the step was stopped at the engine's request (${entry.killReason})`);
        end({ type: "kill-confirmed" }, "cancelled", null);
      } else {
        // Nobody asked for this kill: the agent is going away. The engine learns of it the usual
        // way (missed heartbeats → lost → retried per policy); a made-up result would mislead it.
        system("the agent stopped, and the step with it");
        end(null, "agent-stopped", null);
      }
    } else {
      const exitCode = exitCodeOf(result);
      end({ type: "exited", exitCode }, result.status, exitCode);
    }
    await this.pruneAttemptDirs();
  }

  private command(scriptPath: string, content: string): string[] {
    // A JavaScript module (a release step in TypeScript, bundled by the server) runs on the
    // agent's own Node.js, which may not be on PATH. Otherwise: without a shebang, exec fails
    // (ENOEXEC) unless a shell runs it, so say which shell.
    let command = /\.m?js$/.test(scriptPath)
      ? [process.execPath, scriptPath]
      : content.startsWith("#!")
        ? [scriptPath]
        : ["/bin/sh", scriptPath];
    const inject = this.opts.inject;
    if (inject) {
      const random = inject.random ?? this.random;
      if ((inject.failRate ?? 0) > 0 && random() < (inject.failRate ?? 0))
        command = ["/bin/sh", "-c", 'echo "lab: injected failure" >&2; exit 1'];
      if ((inject.slowSeconds ?? 0) > 0)
        command = [
          "/bin/sh",
          "-c",
          `sleep ${formatSeconds(inject.slowSeconds ?? 0)}; exec "$0" "$@"`,
          ...command,
        ];
    }
    return command;
  }

  /** Keeps the newest attempt directories (for inspecting a failed step) and removes the rest. */
  private async pruneAttemptDirs(): Promise<void> {
    const keep = this.opts.keepAttemptDirs ?? 20;
    const dir = path.join(this.opts.stateDir, "attempts");
    try {
      const names = await readdir(dir);
      if (names.length <= keep) return;
      const running = new Set(this.running.keys());
      const dated = await Promise.all(
        names
          .filter((name) => !running.has(name))
          .map(async (name) => ({ name, mtime: (await stat(path.join(dir, name))).mtimeMs })),
      );
      dated.sort((a, b) => a.mtime - b.mtime);
      for (const { name } of dated.slice(0, names.length - keep))
        await rm(path.join(dir, name), { recursive: true, force: true });
    } catch {
      // Housekeeping only.
    }
  }
}

/** Creates an agent and starts it: resolves once it is registered and running (or has stopped). */
export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const agent = new Agent(opts);
  await agent.start();
  return agent;
}
