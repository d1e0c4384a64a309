/**
 * The real agent against the real gateway and engine (served on node:http, PGlite in process):
 * what issue 5 asks of them together. An agent process killed with SIGKILL mid-step loses its
 * attempt after the heartbeat timeout and the step is retried per its policy; an agent that loses
 * the server mid-step still ends the step at its deadline, and its logs and result arrive once
 * after the server is back.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../agent/agent";
import { FAST, tempDir } from "../agent/testing/harness";
import type { Database } from "../db/client";
import { listStepAttempts, listTaskSteps } from "../db/queries/engine";
import { readLogWindow } from "../db/queries/logs";
import { getRegionByName } from "../db/queries/regions";
import { labNodes } from "../domain/lab/inventory";
import { launchTask, sweep } from "../server/engine/executor";
import { createWorkWaiter, type WorkWaiter } from "../server/engine/wake";
import { createGateway, type Gateway } from "../server/gateway/gateway";
import { serveGateway, type GatewayServer } from "../server/gateway/node-http";
import { RELEASES_DIR } from "../server/services/releases";
import { createBootstrapToken } from "../server/services/nodes";
import { testDatabases } from "./databases";
import { newCluster, planFor } from "./engine-fixtures";
import { until } from "./until";

const ROOT = path.resolve(import.meta.dirname, "..");
const engine = { heartbeatSeconds: 3, queueSeconds: 0 };
const lite = testDatabases().find((d) => d.name === "pglite")!;

/** Live processes whose environment says they run a step against `root`. */
function processesOf(root: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      if (env.includes(`CAIRN_ROOT=${root}`)) found.push(Number(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

describe("cairn-agent with the real gateway and engine", () => {
  let database: Database & { drop(): Promise<void> };
  let waiter: WorkWaiter;
  let gateway: Gateway;
  let served: GatewayServer;
  let token: string;
  let releases: string;
  let dirs: { dir: string; cleanup(): void };
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await lite.open();
    waiter = await createWorkWaiter(database);
    dirs = tempDir("agent-gateway");
    releases = path.join(dirs.dir, "releases");
    const steps = path.join(releases, "cairn-2026.1", "steps");
    mkdirSync(steps, { recursive: true });
    // First run: leave a marker and hang; a retry finds the marker and finishes at once.
    writeFileSync(
      path.join(steps, "once.sh"),
      '#!/bin/sh\nif [ -e "$CAIRN_ROOT/marker" ]; then echo "second time: done"; exit 0; fi\n' +
        'touch "$CAIRN_ROOT/marker"; echo "first time: hanging"; sleep 300\n',
    );
    writeFileSync(
      path.join(steps, "chatty.sh"),
      '#!/bin/sh\nfor i in 1 2 3; do echo "line $i"; done\nsleep 300\n',
    );
    gateway = createGateway(database, waiter, {
      engine,
      releasesDir: releases,
      heartbeatSeconds: 1,
      pollSeconds: 2,
    });
    served = await serveGateway(gateway);
    await newCluster(database.db, "agents");
    const region = await getRegionByName(database.db, { name: "agents" });
    token = (
      await createBootstrapToken(
        {
          db: database.db,
          user: { id: "u", email: "admin@example.com", name: "Admin", role: "admin" },
        },
        { regionId: region!.id, label: "test", expiresInDays: 0 },
      )
    ).secret;
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await served.close();
    await waiter.close();
    await database.drop();
    dirs.cleanup();
  });

  async function clusterId() {
    return newCluster(database.db, `agents-${Math.random().toString(36).slice(2, 8)}`);
  }

  function agentProcess(root: string, stateDir: string) {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "bin", "cairn-agent.mjs"),
        "--server",
        served.url,
        "--token",
        token,
        "--root",
        root,
        "--state-dir",
        stateDir,
        "--heartbeat",
        "1",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += String(b)));
    child.stderr.on("data", (b: Buffer) => (out += String(b)));
    children.push(child);
    return { child, output: () => out };
  }

  it("SIGKILL of the agent mid-step: the attempt is lost after the heartbeat timeout and retried", async () => {
    const root = path.join(dirs.dir, "killed", "root");
    const stateDir = path.join(dirs.dir, "killed", "state");
    mkdirSync(root, { recursive: true });
    const first = agentProcess(root, stateDir);
    const nodeId = await until("the agent to register", async () => {
      const m = /node ([0-9a-f-]{36})/.exec(first.output());
      return m?.[1];
    });
    const { task } = await launchTask(database.db, {
      clusterId: await clusterId(),
      kind: "deploy",
      plan: planFor(
        [{ id: "once", timeoutSeconds: 120, retry: { maxAttempts: 2, initialIntervalSeconds: 1 } }],
        [nodeId],
      ),
      mode: "apply",
      intent: { kind: "deploy" },
      actor: "test",
      now: new Date(),
    });
    const [step] = (await listTaskSteps(database.db, { taskId: task.id })).filter(
      (s) => s.kind === "step",
    );
    await until("attempt 1 to run", async () => {
      const [a] = await listStepAttempts(database.db, { stepId: step!.id });
      return a?.status === "running" && existsSync(path.join(root, "marker"));
    });
    expect(processesOf(root).length).toBeGreaterThan(0);
    first.child.kill("SIGKILL");

    // The engine's clock: the sweep that marks silent agents' attempts lost and fires retries.
    await until("attempt 1 to be lost", async () => {
      await sweep(database.db, { now: new Date() }, engine);
      const [a] = await listStepAttempts(database.db, { stepId: step!.id });
      return a?.status === "lost";
    });
    // The agent comes back (same state dir: same node, same credential) and runs the retry.
    const second = agentProcess(root, stateDir);
    const history = await until("the retry to succeed", async () => {
      await sweep(database.db, { now: new Date() }, engine);
      const h = await listStepAttempts(database.db, { stepId: step!.id });
      return h.length === 2 && h[1]!.status === "succeeded" ? h : undefined;
    });
    expect(history.map((h) => h.status)).toEqual(["lost", "succeeded"]);
    // The hung first run outlived its killed agent; the agent's restart reaped it.
    await until(
      "no process of the first run to be left",
      async () => processesOf(root).length === 0,
    );
    const [after] = (await listTaskSteps(database.db, { taskId: task.id })).filter(
      (s) => s.kind === "step",
    );
    expect(after!.status).toBe("succeeded");
    second.child.kill("SIGTERM");
  }, 60_000);

  it("a TypeScript step of the built-in release runs on a lab node: bundled by the server, run on the agent's Node.js, files written under its root", async () => {
    const real = createGateway(database, waiter, {
      engine,
      releasesDir: RELEASES_DIR,
      heartbeatSeconds: 1,
      pollSeconds: 2,
    });
    const server = await serveGateway(real);
    const [hw] = labNodes(1, { profile: "small", regionIndex: 8 });
    const { dir, cleanup } = tempDir("agent-release");
    const agent = new Agent({
      server: server.url,
      token,
      root: dir,
      stateDir: path.join(dir, ".state"),
      hardware: hw!.hardware,
      machineId: hw!.hardware.uuid,
      hostname: hw!.hostname,
      lab: true,
      heartbeatSeconds: 1,
      ...FAST,
    });
    try {
      await agent.start();
      const nodeId = await until("registration", async () => agent.nodeId);
      const { task } = await launchTask(database.db, {
        clusterId: await clusterId(),
        kind: "enter-maintenance",
        plan: planFor([{ id: "maintenance-on", script: "steps/maintenance.ts" }], [nodeId]),
        mode: "apply",
        intent: { kind: "deploy" },
        actor: "test",
        now: new Date(),
      });
      const [step] = (await listTaskSteps(database.db, { taskId: task.id })).filter(
        (s) => s.kind === "step",
      );
      const [attempt] = await until("the step to end", async () => {
        const h = await listStepAttempts(database.db, { stepId: step!.id });
        return h[0] && !["dispatched", "running"].includes(h[0].status) ? h : undefined;
      });
      const log = await readLogWindow(database.db, {
        attemptId: attempt!.id,
        fromLine: 0,
        lineCount: 100,
      });
      const lines = log.lines.map((l) => l.text);
      expect(attempt!.status, lines.join("\n")).toBe("succeeded");
      expect(readFileSync(path.join(dir, "etc/cairn/maintenance"), "utf8")).toContain(
        `${hw!.hostname} is in maintenance`,
      );
      expect(lines).toContain("created /etc/cairn/maintenance");
      expect(lines).toContain("changed 1 file(s)");
    } finally {
      await agent.stop();
      await server.close();
      cleanup();
    }
  }, 60_000);

  it("the server goes away mid-step: the step ends at its deadline, and logs and result arrive once afterwards", async () => {
    const [hw] = labNodes(1, { profile: "small", regionIndex: 7 });
    const { dir, cleanup } = tempDir("agent-away");
    const agent = new Agent({
      server: served.url,
      token,
      root: dir,
      stateDir: path.join(dir, ".state"),
      hardware: hw!.hardware,
      machineId: hw!.hardware.uuid,
      hostname: hw!.hostname,
      lab: true,
      heartbeatSeconds: 1,
      ...FAST,
    });
    try {
      await agent.start();
      const nodeId = await until("registration", async () => agent.nodeId);
      const { task } = await launchTask(database.db, {
        clusterId: await clusterId(),
        kind: "deploy",
        plan: planFor([{ id: "chatty", timeoutSeconds: 3 }], [nodeId]),
        mode: "apply",
        intent: { kind: "deploy" },
        actor: "test",
        now: new Date(),
      });
      const [step] = (await listTaskSteps(database.db, { taskId: task.id })).filter(
        (s) => s.kind === "step",
      );
      const attempt = await until("the attempt to run", async () => {
        const [a] = await listStepAttempts(database.db, { stepId: step!.id });
        return a?.status === "running" ? a : undefined;
      });
      // The server goes away while the step runs (no sweep runs either: only the agent's own
      // deadline can end the step).
      const port = Number(new URL(served.url).port);
      await served.close();
      await new Promise((r) => setTimeout(r, 4500));
      served = await serveGateway(gateway, { port });

      const final = await until("the result after reconnection", async () => {
        const [a] = await listStepAttempts(database.db, { stepId: step!.id });
        return a && a.status !== "running" ? a : undefined;
      });
      expect(final.id).toBe(attempt.id);
      expect(final.status).toBe("timed_out");
      expect(final.reason?.code).toBe("attempt.timed-out-agent");
      const log = await until("the logs", async () => {
        const l = await readLogWindow(database.db, {
          attemptId: attempt.id,
          fromLine: 0,
          lineCount: 100,
        });
        return l.lines.some((x) => x.stream === "system") ? l : undefined;
      });
      const out = log.lines.filter((l) => l.stream === "stdout").map((l) => l.text);
      expect(out).toEqual(["line 1", "line 2", "line 3"]);
    } finally {
      await agent.stop();
      cleanup();
    }
  }, 60_000);
});
