/**
 * Test helpers for running agents against the fake gateway: short timings, throwaway folders, and
 * a way to wait for an agent's notices by event instead of by sleeping.
 */
import { EventEmitter } from "node:events";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { labNode } from "../../domain/lab/inventory";
import { Agent, type AgentNotice, type AgentOptions } from "../agent";
import type { FakeGateway } from "./fake-gateway";

/** Timings that keep a test in the ~1 s range: quick backoff, short grace, quick batches. */
export const FAST: Partial<AgentOptions> = {
  backoff: { baseMs: 20, maxMs: 200 },
  graceMs: 200,
  batchIntervalMs: 20,
  stopFlushMs: 1000,
  requestTimeoutMs: 5000,
};

export function tempDir(label: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `cairn-${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export class NoticeLog {
  readonly notices: AgentNotice[] = [];
  private readonly emitter = new EventEmitter();
  readonly logger = (notice: AgentNotice): void => {
    this.notices.push(notice);
    this.emitter.emit("notice");
  };

  of<T extends AgentNotice["type"]>(type: T): Extract<AgentNotice, { type: T }>[] {
    return this.notices.filter((n): n is Extract<AgentNotice, { type: T }> => n.type === type);
  }

  /** Resolves with the first notice (already logged or to come) that matches. */
  waitFor<T extends AgentNotice["type"]>(
    type: T,
    match: (n: Extract<AgentNotice, { type: T }>) => boolean = () => true,
    timeoutMs = 8000,
  ): Promise<Extract<AgentNotice, { type: T }>> {
    const find = () => this.of(type).find(match);
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (!hit) return;
        cleanup();
        resolve(hit);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no "${type}" notice within ${timeoutMs} ms; got: ${this.notices.map((n) => n.type).join(", ")}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.emitter.off("notice", check);
      };
      this.emitter.on("notice", check);
    });
  }
}

export interface TestAgent {
  agent: Agent;
  log: NoticeLog;
  root: string;
  stateDir: string;
}

/** An agent for lab node `index`'s hardware, with its own root and state dir under `dir`. */
export function makeAgent(
  gateway: FakeGateway,
  dir: string,
  overrides: Partial<AgentOptions> = {},
  index = 0,
): TestAgent {
  const node = labNode(index);
  const root = path.join(dir, `root-${index}`);
  const stateDir = path.join(dir, `state-${index}`);
  mkdirSync(root, { recursive: true });
  const log = new NoticeLog();
  const agent = new Agent({
    server: gateway.url,
    token: gateway.bootstrapToken,
    root,
    stateDir,
    hardware: node.hardware,
    machineId: node.hardware.uuid!,
    hostname: node.hostname,
    logger: log.logger,
    ...FAST,
    ...overrides,
  });
  return { agent, log, root, stateDir };
}
