import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AGENT_PATHS } from "../domain/agent/protocol";
import { credentialPath, loadCredential, type Agent } from "./agent";
import { isAlive, processGroupPids } from "./exec";
import { FakeGateway } from "./testing/fake-gateway";
import { makeAgent, tempDir } from "./testing/harness";

let gateway: FakeGateway;
let dir: string;
let cleanup: () => void;
const agents: Agent[] = [];

beforeEach(async () => {
  gateway = await FakeGateway.start({ heartbeatSeconds: 1, pollSeconds: 1 });
  ({ dir, cleanup } = tempDir("agent"));
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await gateway.close();
  cleanup();
});

function started(t: ReturnType<typeof makeAgent>) {
  agents.push(t.agent);
  return t;
}

/** pid lines a fixture script prints: "pid <role> <n>". */
function pidsOf(attemptId: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of gateway.linesOf(attemptId, "stdout")) {
    const m = /^pid (\S+) (\d+)$/.exec(line);
    if (m) pids.set(m[1]!, Number(m[2]));
  }
  return pids;
}

describe("Agent: registration and credential", () => {
  it("registers once, stores the credential with mode 0600, and reuses it without the token", async () => {
    const first = started(makeAgent(gateway, dir));
    await first.agent.start();
    expect(first.agent.nodeId).toBe("node-1");
    const file = credentialPath(first.stateDir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await loadCredential(first.stateDir))?.nodeId).toBe("node-1");
    await gateway.waitFor(
      () => gateway.nodes.get("node-1")!.lastHeartbeatAt !== null,
      3000,
      "a heartbeat",
    );
    await first.agent.stop();

    const heartbeats = gateway.requests[AGENT_PATHS.heartbeat];
    const second = started(makeAgent(gateway, dir, { token: undefined }));
    await second.agent.start();
    await gateway.waitFor(
      () => gateway.requests[AGENT_PATHS.heartbeat] > heartbeats,
      3000,
      "a heartbeat",
    );
    expect(second.agent.nodeId).toBe("node-1");
    expect(second.log.of("registered")).toEqual([
      { type: "registered", nodeId: "node-1", regionId: "region-1", reused: true },
    ]);
    expect(gateway.nodes.get("node-1")!.registrations).toBe(1);
  });

  it("re-registers once with the token when the stored credential is refused, and carries on", async () => {
    const t = started(makeAgent(gateway, dir));
    await t.agent.start();
    const before = await loadCredential(t.stateDir);
    gateway.nodes.get("node-1")!.credential = "revoked-".padEnd(40, "x");

    await t.log.waitFor("re-registering");
    await gateway.waitFor(
      () => gateway.nodes.get("node-1")!.registrations === 2,
      3000,
      "a second registration",
    );
    const order = gateway.enqueue("node-1", {
      script: { path: "ok.sh", content: "#!/bin/sh\necho fine\n" },
    });
    await gateway.waitFor(
      () => gateway.eventsOf(order.attemptId).some((e) => e.event.type === "exited"),
      5000,
      "exited",
    );
    const after = await loadCredential(t.stateDir);
    expect(after?.credential).not.toBe(before?.credential);
    expect(gateway.nodes.get("node-1")!.registrations).toBe(2);
  });

  it("stops with a clear message when the credential is refused and there is no token to register again", async () => {
    const registrar = makeAgent(gateway, dir);
    await registrar.agent.start();
    await registrar.agent.stop();

    const t = started(makeAgent(gateway, dir, { token: undefined }));
    await t.agent.start();
    gateway.refuseCredentials(true);
    const exit = await t.agent.done;
    expect(exit).toMatchObject({ reason: "fatal", code: "credential-refused" });
    expect(exit.reason === "fatal" && exit.message).toMatch(/--token/);
    expect(gateway.nodes.get("node-1")!.registrations).toBe(1);
  });

  it("re-registers only once: a credential refused again after that stops the agent", async () => {
    const t = started(makeAgent(gateway, dir));
    await t.agent.start();
    gateway.refuseCredentials(true);
    const exit = await t.agent.done;
    expect(exit).toMatchObject({ reason: "fatal", code: "credential-refused" });
    expect(gateway.nodes.get("node-1")!.registrations).toBe(2);
  });

  it("stops when the bootstrap token is refused", async () => {
    const t = started(makeAgent(gateway, dir, { token: "not-the-token" }));
    await t.agent.start();
    expect(await t.agent.done).toMatchObject({ reason: "fatal", code: "token-refused" });
    expect(existsSync(credentialPath(t.stateDir))).toBe(false);
  });
});

/** Starts a detached process group (a stand-in for a step) and resolves once it is running. */
async function processGroup(env: Record<string, string>): Promise<number> {
  // Only these variables: whether the marker is there is what the test is about.
  const only: Record<string, string | undefined> = { PATH: process.env.PATH, ...env };
  const child = spawn("/bin/sh", ["-c", "sleep 60 & sleep 60 & echo ready; wait"], {
    detached: true,
    env: only as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "ignore"],
  });
  await new Promise((resolve) => child.stdout.once("data", resolve));
  child.unref();
  return child.pid!;
}

describe("Agent: restart after a crash", () => {
  it("kills the processes an attempt of its previous run left behind, and nothing else", async () => {
    const attemptId = "00000000-0000-4000-8000-0000000000c1";
    const t = makeAgent(gateway, dir, { useCgroup: false });
    const leftover = await processGroup({ CAIRN_ATTEMPT_ID: attemptId });
    // A pid file whose group is someone else's now (pid reuse): must not be touched.
    const stranger = await processGroup({});
    const strangerId = "00000000-0000-4000-8000-0000000000c2";
    for (const [id, pgid] of [
      [attemptId, leftover],
      [strangerId, stranger],
    ] as const) {
      mkdirSync(path.join(t.stateDir, "attempts", id), { recursive: true });
      writeFileSync(path.join(t.stateDir, "attempts", id, "pgid"), String(pgid));
    }
    try {
      expect(processGroupPids(leftover)).toHaveLength(3);
      started(t);
      await t.agent.start();
      expect(t.log.of("leftovers-killed")).toEqual([
        { type: "leftovers-killed", attemptId, processes: 3 },
      ]);
      expect(processGroupPids(leftover)).toEqual([]);
      expect(processGroupPids(stranger)).toHaveLength(3);
    } finally {
      process.kill(-stranger, "SIGKILL");
      try {
        process.kill(-leftover, "SIGKILL");
      } catch {
        // Already gone, as it should be.
      }
    }
  });
});

describe("Agent: attempts", () => {
  it("runs a work order as a real script and delivers its logs, then a single exited, once each", async () => {
    const t = started(makeAgent(gateway, dir));
    await t.agent.start();
    // The first answers to events and logs get lost: the agent must resend, the server dedupe.
    gateway.loseAnswers(AGENT_PATHS.events, 1);
    gateway.loseAnswers(AGENT_PATHS.logs, 1);
    const script = [
      "#!/bin/sh",
      'echo "root=$CAIRN_ROOT mode=$CAIRN_MODE attempt=$CAIRN_ATTEMPT_ID cwd=$(pwd) cluster=$CLUSTER"',
      'echo "input=$(cat "$CAIRN_INPUT")"',
      'i=1; while [ $i -le 300 ]; do echo "out $i"; i=$((i+1)); done',
      "echo 'to stderr' >&2",
      "exit 3",
    ].join("\n");
    const order = gateway.enqueue("node-1", {
      script: { path: "releases/x/steps/configure.sh", content: script },
      mode: "noop",
      env: { CLUSTER: "alpha" },
      input: { disks: ["sdb"], n: 2 },
    });

    await gateway.waitFor(
      () => gateway.eventsOf(order.attemptId).some((e) => e.event.type === "exited"),
      8000,
      "exited",
    );
    const events = gateway.eventsOf(order.attemptId);
    expect(events.map((e) => e.event)).toEqual([
      { type: "started" },
      { type: "exited", exitCode: 3 },
    ]);
    // Every batch was stored before the final event arrived.
    const batches = gateway.batchesOf(order.attemptId);
    expect(events[1]!.batchesStored).toBe(batches.length);
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i));
    expect(gateway.duplicateBatches).toBeGreaterThan(0);
    expect(gateway.linesOf(order.attemptId, "stdout")).toEqual([
      `root=${t.root} mode=noop attempt=${order.attemptId} cwd=${t.root} cluster=alpha`,
      'input={"disks":["sdb"],"n":2}',
      ...Array.from({ length: 300 }, (_, i) => `out ${i + 1}`),
    ]);
    expect(gateway.linesOf(order.attemptId, "stderr")).toEqual(["to stderr"]);

    const attemptDir = path.join(t.stateDir, "attempts", order.attemptId);
    expect(statSync(path.join(attemptDir, "configure.sh")).mode & 0o777).toBe(0o700);
    // The crash marker goes once the attempt is over: a restart must not reap anything of it.
    expect(existsSync(path.join(attemptDir, "pgid"))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(attemptDir, "input.json"), "utf8"))).toEqual({
      disks: ["sdb"],
      n: 2,
    });
    await t.log.waitFor(
      "attempt-ended",
      (n) => n.attemptId === order.attemptId && n.status === "failed" && n.exitCode === 3,
    );
  });

  it("loses the server mid-step: the step ends at its own deadline, and logs and one timed-out arrive after", async () => {
    const t = started(makeAgent(gateway, dir));
    await t.agent.start();
    const script = [
      "#!/bin/sh",
      'echo "pid main $$"',
      'while [ ! -e "$CAIRN_ROOT/go" ]; do sleep 0.02; done',
      "echo 'while the server is away'",
      "sleep 30 &",
      'echo "pid child $!"',
      "wait",
    ].join("\n");
    const order = gateway.enqueue("node-1", {
      script: { path: "slow.sh", content: script },
      timeoutSeconds: 2,
    });
    await gateway.waitFor(() => pidsOf(order.attemptId).has("main"), 5000, "the first line");

    await gateway.down();
    writeFileSync(path.join(t.root, "go"), "");
    const ended = await t.log.waitFor(
      "attempt-ended",
      (n) => n.attemptId === order.attemptId,
      8000,
    );
    expect(ended.status).toBe("timed_out");
    expect(gateway.eventsOf(order.attemptId, false).map((e) => e.event.type)).toEqual(["started"]);
    await t.log.waitFor("unreachable");

    await gateway.up();
    await gateway.waitFor(
      () => gateway.eventsOf(order.attemptId).length === 2,
      5000,
      "timed-out after reconnecting",
    );
    await t.log.waitFor("reconnected");
    expect(gateway.eventsOf(order.attemptId, false).map((e) => e.event.type)).toEqual([
      "started",
      "timed-out",
    ]);
    const final = gateway.eventsOf(order.attemptId)[1]!;
    expect(final.batchesStored).toBe(gateway.batchesOf(order.attemptId).length);
    const pids = pidsOf(order.attemptId);
    expect(gateway.linesOf(order.attemptId, "stdout")).toEqual([
      `pid main ${pids.get("main")}`,
      "while the server is away",
      `pid child ${pids.get("child")}`,
    ]);
    expect(gateway.linesOf(order.attemptId, "system")).toEqual([
      "cairn-agent: the step ran past its deadline of 2 s and was stopped",
    ]);
    expect(processGroupPids(pids.get("main")!)).toEqual([]);
    expect(isAlive(pids.get("child")!)).toBe(false);
  });

  it.each([
    ["its cgroup where available", {}],
    ["its process group", { useCgroup: false }],
  ])(
    "obeys a kill order (containment: %s): the whole tree is gone before kill-confirmed is sent",
    async (_, containment) => {
      const t = started(makeAgent(gateway, dir, containment));
      await t.agent.start();
      const script = [
        "#!/bin/sh",
        'echo "pid main $$"',
        "sleep 60 &",
        'echo "pid child $!"',
        "sh -c 'sleep 60 & echo \"pid grandchild $!\"; wait' &",
        "sleep 0.1; echo ready",
        "wait",
      ].join("\n");
      const order = gateway.enqueue("node-1", {
        script: { path: "tree.sh", content: script },
        timeoutSeconds: 60,
      });
      await gateway.waitFor(
        () => gateway.linesOf(order.attemptId, "stdout").includes("ready"),
        5000,
        "ready",
      );
      const pids = pidsOf(order.attemptId);
      expect([...pids.keys()].sort()).toEqual(["child", "grandchild", "main"]);

      gateway.kill("node-1", order.attemptId, order.epoch, "cancel");
      await gateway.waitFor(
        () => gateway.eventsOf(order.attemptId).some((e) => e.event.type === "kill-confirmed"),
        5000,
        "kill-confirmed",
      );
      // Nothing of the attempt may be alive when the confirmation arrives.
      expect(processGroupPids(pids.get("main")!)).toEqual([]);
      for (const pid of pids.values()) expect(isAlive(pid)).toBe(false);
      expect(gateway.eventsOf(order.attemptId).map((e) => e.event.type)).toEqual([
        "started",
        "kill-confirmed",
      ]);
      expect(gateway.linesOf(order.attemptId, "system")).toEqual([
        "cairn-agent: the step was stopped at the engine's request (cancel)",
      ]);
      await t.log.waitFor("kill-requested", (n) => n.attemptId === order.attemptId);
    },
  );

  it("confirms a kill for an attempt it is not running (its order never arrived), once, and never runs it later", async () => {
    const t = started(makeAgent(gateway, dir));
    await t.agent.start();
    const attemptId = "00000000-0000-4000-8000-0000000000aa";
    gateway.kill("node-1", attemptId, 2, "timeout");
    await gateway.waitFor(() => gateway.eventsOf(attemptId).length === 1, 3000, "kill-confirmed");
    expect(gateway.eventsOf(attemptId)[0]).toMatchObject({
      epoch: 2,
      event: { type: "kill-confirmed" },
    });

    const order = gateway.enqueue("node-1", {
      attemptId,
      epoch: 2,
      script: { path: "x.sh", content: "#!/bin/sh\necho ran\n" },
    });
    const marker = gateway.enqueue("node-1", {
      script: { path: "y.sh", content: "#!/bin/sh\necho next\n" },
    });
    await gateway.waitFor(
      () => gateway.eventsOf(marker.attemptId).some((e) => e.event.type === "exited"),
      5000,
      "the next attempt",
    );
    expect(gateway.linesOf(order.attemptId)).toEqual([]);
    expect(gateway.eventsOf(attemptId, false)).toHaveLength(1);
  });

  it("reports a step that cannot start as exited 127 with a system line", async () => {
    const t = started(makeAgent(gateway, dir, { root: path.join(dir, "no-such-root") }));
    await t.agent.start();
    const order = gateway.enqueue("node-1", {
      script: { path: "x.sh", content: "#!/bin/sh\necho never\n" },
    });
    await gateway.waitFor(() => gateway.eventsOf(order.attemptId).length === 2, 5000, "exited");
    expect(gateway.eventsOf(order.attemptId)[1]!.event).toEqual({ type: "exited", exitCode: 127 });
    const [line] = gateway.linesOf(order.attemptId, "system");
    expect(line).toMatch(/^cairn-agent: cannot start x\.sh: .*ENOENT/);
  });

  it("on stop, kills the running step and flushes its logs, without inventing a result", async () => {
    const t = makeAgent(gateway, dir);
    await t.agent.start();
    const order = gateway.enqueue("node-1", {
      script: { path: "long.sh", content: "#!/bin/sh\necho 'pid main '$$\nsleep 60\n" },
    });
    await gateway.waitFor(() => pidsOf(order.attemptId).has("main"), 5000, "the step's first line");
    await t.agent.stop();
    expect(await t.agent.done).toEqual({ reason: "stopped" });
    expect(processGroupPids(pidsOf(order.attemptId).get("main")!)).toEqual([]);
    expect(gateway.eventsOf(order.attemptId).map((e) => e.event.type)).toEqual(["started"]);
    expect(gateway.linesOf(order.attemptId, "system")).toEqual([
      "cairn-agent: the agent stopped, and the step with it",
    ]);
  });
});
