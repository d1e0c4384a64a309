/**
 * The lab fleet: many agents in one process, each a synthetic machine from `labNodes()` with its own
 * root folder (where its steps run as real processes) and state dir. Each root gets one sparse
 * image file per disk, sized like the disk, so a step that partitions or formats "its" disks has
 * something to act on without using the space.
 *
 * A thousand nodes must not register in the same instant: registrations go through a small
 * limiter, and each node's heartbeats keep the phase its registration gave it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { mkdir, open, stat } from "node:fs/promises";
import path from "node:path";
import { AGENT_PATHS } from "../domain/agent/protocol";
import { labNodes, LAB_PROFILES, type LabProfile } from "../domain/lab/inventory";
import type { Node } from "../domain/model";
import { STEP_ID_PATTERN } from "../domain/taskgraph/schema";
import { Agent, type AgentNotice, type AgentOptions } from "./agent";

export interface LabFleetOptions {
  server: string;
  token: string;
  nodes: number;
  profile?: LabProfile;
  /** Where the nodes' folders go: `<dir>/nodes/<hostname>/{root,state}`. Default .cairn/lab. */
  dir?: string;
  /** Share of steps that fail on purpose, 0..1. */
  failRate?: number;
  /** Seconds every step waits before it runs. */
  slowSeconds?: number;
  /**
   * Graph step ids (`ntp`, `services`…) whose first attempt in each task fails on every node of
   * this fleet, with a log line saying so; the retry runs the step for real. Deterministic, unlike
   * `failRate`: what a failure-and-retry journey needs.
   */
  failOnce?: readonly string[];
  regionIndex?: number;
  /** Index of the first node: a lab grows by starting more nodes after the ones it has. */
  firstIndex?: number;
  seed?: number;
  heartbeatSeconds?: number;
  /** Registrations in flight at once. */
  registrationConcurrency?: number;
  /** Every agent's notices, with the node they come from. */
  logger?: (hostname: string, notice: AgentNotice) => void;
  /** Extra agent options (tests: timings). */
  agent?: Partial<AgentOptions>;
}

export interface LabFleet {
  agents: Agent[];
  nodes: Node[];
  /** Resolves once every agent has registered or stopped; with how many registered. */
  registered: Promise<number>;
  stop(): Promise<void>;
}

/** Where a lab node's disk images live, relative to its root. */
export const LAB_DISK_DIR = "var/lib/cairn-lab/disks";

export function labNodeDirs(dir: string, hostname: string): { root: string; stateDir: string } {
  const base = path.join(path.resolve(dir), "nodes", hostname);
  return { root: path.join(base, "root"), stateDir: path.join(base, "state") };
}

/** One sparse file per disk: the size is set, no data is written, so no space is used. */
export async function createDiskImages(root: string, node: Node): Promise<string[]> {
  const dir = path.join(root, LAB_DISK_DIR);
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const disk of node.hardware.disks) {
    const file = path.join(dir, `${disk.name}.img`);
    const current = await stat(file).catch(() => null);
    if (current?.size !== disk.sizeBytes) {
      const handle = await open(file, "a");
      try {
        await handle.truncate(disk.sizeBytes);
      } finally {
        await handle.close();
      }
    }
    files.push(file);
  }
  return files;
}

/** mulberry32 seeded per node: the same lab fails the same steps on every run. */
export function seededRandom(...parts: number[]): () => number {
  let a = 0x9e3779b9;
  for (const p of parts) a = Math.imul(a ^ (p | 0), 0x85ebca6b) ^ (a >>> 13);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs at most `limit` of the wrapped calls at once, the rest in arrival order. */
export function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

export function checkLabOptions(opts: LabFleetOptions): void {
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1)
    throw new RangeError(`nodes must be a whole number of at least 1 (got ${opts.nodes})`);
  const failRate = opts.failRate ?? 0;
  if (!(failRate >= 0 && failRate <= 1))
    throw new RangeError(`failRate must be between 0 and 1 (got ${failRate})`);
  const slow = opts.slowSeconds ?? 0;
  if (!(slow >= 0 && Number.isFinite(slow)))
    throw new RangeError(`slowSeconds must be 0 or more (got ${slow})`);
  for (const step of opts.failOnce ?? [])
    if (!STEP_ID_PATTERN.test(step))
      throw new RangeError(
        `failOnce takes graph step ids such as ntp or services (lower case, digits, . _ -; got "${step}")`,
      );
  if (opts.profile !== undefined && !LAB_PROFILES.includes(opts.profile))
    throw new RangeError(`profile must be one of ${LAB_PROFILES.join(", ")} (got ${opts.profile})`);
}

/**
 * Creates the nodes' folders and disk images, then starts one agent per node. Resolves once all
 * agents are started (registration continues in the background; see `registered`).
 */
export async function startLabFleet(opts: LabFleetOptions): Promise<LabFleet> {
  checkLabOptions(opts);
  const seed = opts.seed ?? 1;
  const regionIndex = opts.regionIndex ?? 0;
  const dir = path.resolve(opts.dir ?? ".cairn/lab");
  const first = opts.firstIndex ?? 0;
  // Node i is the same machine whatever the count, so the next nodes are the tail of a longer lab.
  const nodes = labNodes(first + opts.nodes, {
    profile: opts.profile ?? "mixed",
    seed,
    regionIndex,
  }).slice(first);
  const gate = limiter(opts.registrationConcurrency ?? 16);

  const agents: Agent[] = [];
  for (const [index, node] of nodes.entries()) {
    const { root, stateDir } = labNodeDirs(dir, node.hostname);
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await createDiskImages(root, node);
    agents.push(
      new Agent({
        server: opts.server,
        token: opts.token,
        root,
        stateDir,
        hardware: node.hardware,
        machineId: node.hardware.uuid ?? node.hostname,
        hostname: node.hostname,
        lab: true,
        ...(opts.heartbeatSeconds !== undefined ? { heartbeatSeconds: opts.heartbeatSeconds } : {}),
        inject: {
          failRate: opts.failRate ?? 0,
          slowSeconds: opts.slowSeconds ?? 0,
          random: seededRandom(seed, regionIndex, first + index),
        },
        registrationGate: gate,
        ...(opts.failOnce?.length
          ? {
              fetch: failOnceFetch({
                fetch: opts.agent?.fetch ?? globalThis.fetch,
                steps: new Set(opts.failOnce),
                memoryFile: path.join(stateDir, FAIL_ONCE_FILE),
              }),
            }
          : {}),
        ...(opts.logger
          ? { logger: (notice: AgentNotice) => opts.logger?.(node.hostname, notice) }
          : {}),
        ...omitFetch(opts.agent),
        ...(opts.failOnce?.length || !opts.agent?.fetch ? {} : { fetch: opts.agent.fetch }),
      }),
    );
  }
  const registered = Promise.all(agents.map((agent) => agent.start())).then(
    () => agents.filter((agent) => agent.nodeId !== undefined).length,
  );
  return {
    agents,
    nodes,
    registered,
    stop: async () => {
      await Promise.all(agents.map((agent) => agent.stop()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Failing a step once

/** Where a lab node remembers which steps it already failed (so a restart does not fail again). */
export const FAIL_ONCE_FILE = "fail-once.json";

function omitFetch(agent: Partial<AgentOptions> | undefined): Partial<AgentOptions> {
  if (!agent) return {};
  const { fetch: _fetch, ...rest } = agent;
  return rest;
}

/** The script a failing first attempt runs instead of the step: one clear line, exit code 1. */
export function failOnceScript(stepId: string): string {
  return [
    "#!/bin/sh",
    `echo "lab: step ${stepId} fails on its first attempt on this node, on purpose (lab option fail-once); a retry runs the step for real" >&2`,
    "exit 1",
    "",
  ].join("\n");
}

/**
 * The lab node's view of the network: work orders (from a poll, or handed back with an event
 * report) for a listed step are swapped, on the first attempt of that step in each task, for
 * `failOnceScript`. Which attempt was failed is kept in `memoryFile`: the same attempt delivered
 * again still fails, any later attempt runs for real, also after the lab restarts.
 */
export function failOnceFetch(opts: {
  fetch: typeof fetch;
  steps: ReadonlySet<string>;
  memoryFile: string;
}): typeof fetch {
  let failed: Record<string, string> = {};
  try {
    const raw: unknown = JSON.parse(readFileSync(opts.memoryFile, "utf8"));
    if (raw && typeof raw === "object" && !Array.isArray(raw))
      failed = raw as Record<string, string>;
  } catch {
    failed = {};
  }
  const wrapped = async (
    input: Parameters<typeof fetch>[0],
    init?: Parameters<typeof fetch>[1],
  ) => {
    const response = await opts.fetch(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const pathname = new URL(url).pathname;
    if (!response.ok || (pathname !== AGENT_PATHS.poll && pathname !== AGENT_PATHS.events))
      return response;
    const text = await response.text();
    let body: {
      work?: {
        attemptId?: unknown;
        taskId?: unknown;
        stepKey?: unknown;
        stepId?: unknown;
        script?: unknown;
      } | null;
    };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return new Response(text, { status: response.status, headers: response.headers });
    }
    const work = body.work;
    if (
      work &&
      typeof work.stepId === "string" &&
      typeof work.attemptId === "string" &&
      opts.steps.has(work.stepId)
    ) {
      const key = `${String(work.taskId)}/${String(work.stepKey)}`;
      if (failed[key] === undefined) {
        failed[key] = work.attemptId;
        const keys = Object.keys(failed);
        // Old tasks are forgotten: the file stays small however long the lab runs.
        for (const old of keys.slice(0, Math.max(0, keys.length - 1000))) delete failed[old];
        writeFileSync(opts.memoryFile, JSON.stringify(failed), { mode: 0o600 });
      }
      if (failed[key] === work.attemptId)
        work.script = { path: "lab-fail-once.sh", content: failOnceScript(work.stepId) };
    }
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    headers.delete("content-encoding");
    return new Response(JSON.stringify(body), { status: response.status, headers });
  };
  return wrapped as typeof fetch;
}
