/* eslint-disable @typescript-eslint/no-explicit-any -- tests read JSON answers loosely; the protocol schemas type them in the agent */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { listStepAttempts, listTaskSteps } from "../../db/queries/engine";
import { readLogWindow } from "../../db/queries/logs";
import { getNode, listNodeEvents } from "../../db/queries/nodes";
import { getRegionByName } from "../../db/queries/regions";
import { labNodes } from "../../domain/lab/inventory";
import { testDatabases } from "../../test/databases";
import { newCluster, planFor } from "../../test/engine-fixtures";
import type { SessionUser } from "../auth";
import { launchTask } from "../engine/executor";
import { createBootstrapToken, revokeBootstrapToken, sweepOfflineNodes } from "../services/nodes";
import { createGateway, type Gateway } from "./gateway";

const releasesDir = mkdtempSync(path.join(os.tmpdir(), "cairn-releases-"));
mkdirSync(path.join(releasesDir, "cairn-2026.1", "steps"), { recursive: true });
writeFileSync(
  path.join(releasesDir, "cairn-2026.1", "steps", "hello.sh"),
  "#!/bin/sh\necho hello\n",
);

const admin: SessionUser = { id: "u1", email: "admin@example.com", name: "Admin", role: "admin" };
const hw = labNodes(4, { profile: "small" });

function post(action: string, body: unknown, secret?: string, raw?: string) {
  return new Request(`http://cairn.test/api/agent/${action}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(secret ? { authorization: `Bearer ${secret}` } : {}),
    },
    body: raw ?? JSON.stringify(body),
  });
}

describe.each(testDatabases())("agent gateway on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  let gateway: Gateway;
  let clock = Date.parse("2026-11-28T10:00:00Z");
  let token: string;
  let regionId: string;
  let clusterId: string;

  beforeAll(async () => {
    database = await target.open();
    gateway = createGateway(database, null, {
      releasesDir,
      now: () => clock,
      rate: { perSecond: 1000, burst: 1000 },
    });
    clusterId = await newCluster(database.db, "gw");
    regionId = (await getRegionByName(database.db, { name: "gw" }))!.id;
    const created = await createBootstrapToken(
      { db: database.db, user: admin },
      { regionId, label: "test", expiresInDays: 0 },
    );
    token = created.secret;
  });
  afterAll(() => database.drop());

  async function call(action: string, body: unknown, secret?: string) {
    const res = await gateway.handle(action, post(action, body, secret));
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  function registration(i: number) {
    const node = hw[i]!;
    return {
      protocol: 1,
      machineId: node.hardware.uuid ?? node.id,
      hostname: node.hostname,
      agentVersion: "test",
      arch: node.hardware.cpu.arch,
      hardware: node.hardware,
      lab: true,
    };
  }

  it("registers with a bootstrap token; the same machine again gets the same node and a new credential, and the old one stops working", async () => {
    const first = await call("register", registration(0), token);
    expect(first.status).toBe(200);
    expect(first.body.regionId).toBe(regionId);
    const again = await call("register", registration(0), token);
    expect(again.body.nodeId).toBe(first.body.nodeId);
    expect(again.body.credential).not.toBe(first.body.credential);

    const old = await call("heartbeat", { sentAt: clock }, first.body.credential);
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe("agent.unauthorized");
    const ok = await call("heartbeat", { sentAt: clock + 1500 }, again.body.credential);
    expect(ok.status).toBe(200);
    const node = await getNode(database.db, { id: again.body.nodeId });
    expect(node?.clockOffsetMs).toBe(1500);
    expect(node?.hardware.nics[0]?.mac).toBe(hw[0]!.hardware.nics[0]!.mac);
  });

  it("a bootstrap token cannot act as a node, and forged credentials are refused", async () => {
    expect((await call("heartbeat", { sentAt: clock }, token)).status).toBe(401);
    expect(
      (await call("poll", { waitSeconds: 0 }, "cnc_forgedforgedforgedforgedforged")).status,
    ).toBe(401);
    const none = await call("heartbeat", { sentAt: clock });
    expect(none.status).toBe(401);
    expect(none.body.error.message).toContain("no credential");
  });

  it("a revoked token registers nobody and says why", async () => {
    const t = await createBootstrapToken(
      { db: database.db, user: admin },
      { regionId, label: "short-lived", expiresInDays: 0 },
    );
    await revokeBootstrapToken({ db: database.db, user: admin }, t.token.id);
    const res = await call("register", registration(1), t.secret);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toContain("revoked");
  });

  it("malformed and oversized payloads get 4xx naming the field, and change nothing", async () => {
    const bad = await call(
      "register",
      { ...registration(1), hardware: { ...hw[1]!.hardware, nics: [] } },
      token,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { path: string }) => f.path)).toContain("hardware.nics");
    const notJson = await gateway.handle("register", post("register", null, token, "{nope"));
    expect(notJson.status).toBe(400);
    const huge = await gateway.handle(
      "register",
      post("register", { ...registration(1), hostname: "x".repeat(600 * 1024) }, token),
    );
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as any).error.message).toContain("at most");
    // Nothing of node 1 was stored by any of these.
    const res = await call("register", registration(1), token);
    const events = await listNodeEvents(database.db, { nodeId: res.body.nodeId, limit: 10 });
    expect(events.map((e) => e.type)).toEqual(["registered"]);
    expect((events[0]?.data as { created: boolean }).created).toBe(true);
  });

  it("runs a step end to end: poll gives the script, logs and the result are stored once, other nodes are refused", async () => {
    const a = await call("register", registration(2), token);
    const b = await call("register", registration(3), token);
    const { task } = await launchTask(database.db, {
      clusterId,
      kind: "deploy",
      plan: planFor([{ id: "hello", timeoutSeconds: 60 }], [a.body.nodeId]),
      mode: "apply",
      intent: { kind: "deploy" },
      actor: "test",
      now: new Date(clock),
    });
    const idle = await call("poll", { waitSeconds: 0 }, b.body.credential);
    expect(idle.body).toEqual({ work: null, kills: [] });
    const polled = await call("poll", { waitSeconds: 0 }, a.body.credential);
    const work = polled.body.work;
    expect(work.script).toEqual({ path: "steps/hello.sh", content: "#!/bin/sh\necho hello\n" });
    expect(work.mode).toBe("apply");
    expect(work.env.CAIRN_NODE_ID).toBe(a.body.nodeId);

    const event = (e: unknown) => ({
      events: [{ attemptId: work.attemptId, epoch: work.epoch, at: clock, event: e }],
    });
    // Another node may not speak for this attempt.
    const foreign = await call("events", event({ type: "exited", exitCode: 0 }), b.body.credential);
    expect(foreign.status).toBe(403);
    const foreignLog = await call(
      "logs",
      {
        batches: [
          { attemptId: work.attemptId, seq: 0, stream: "stdout", lines: ["forged"], at: clock },
        ],
      },
      b.body.credential,
    );
    expect(foreignLog.status).toBe(403);

    expect(
      (await call("events", event({ type: "started" }), a.body.credential)).body.results[0]
        .accepted,
    ).toBe(true);
    const batch = {
      batches: [
        { attemptId: work.attemptId, seq: 0, stream: "stdout", lines: ["hello"], at: clock },
      ],
    };
    expect((await call("logs", batch, a.body.credential)).body.results[0].stored).toBe(true);
    expect((await call("logs", batch, a.body.credential)).body.results[0].stored).toBe(false);
    const done = await call("events", event({ type: "exited", exitCode: 0 }), a.body.credential);
    expect(done.body.results[0]).toMatchObject({ accepted: true, status: "succeeded" });
    const resend = await call("events", event({ type: "exited", exitCode: 0 }), a.body.credential);
    expect(resend.body.results[0]).toMatchObject({ accepted: false, status: "succeeded" });

    const steps = (await listTaskSteps(database.db, { taskId: task.id })).filter(
      (s) => s.kind === "step",
    );
    expect(steps.map((s) => s.status)).toEqual(["succeeded"]);
    const tries = await listStepAttempts(database.db, { stepId: steps[0]!.id });
    expect(tries).toHaveLength(1);
    const log = await readLogWindow(database.db, {
      attemptId: work.attemptId,
      fromLine: 0,
      lineCount: 10,
    });
    expect(log.lines.map((l) => l.text)).toEqual(["hello"]);
  });

  it("a report that ends the attempt can ask for the next one, claimed in the same transaction", async () => {
    const reg = await call("register", registration(1), token);
    const { task } = await launchTask(database.db, {
      clusterId: await newCluster(database.db, "gw-chain"),
      kind: "deploy",
      plan: planFor([{ id: "hello" }, { id: "again", requires: ["hello"] }], [reg.body.nodeId]),
      mode: "noop",
      intent: { kind: "deploy" },
      actor: "test",
      now: new Date(clock),
    });
    const first = (await call("poll", { waitSeconds: 0 }, reg.body.credential)).body.work;
    expect(first.stepId).toBe("hello");
    expect(first.mode).toBe("noop");
    const events = (w: { attemptId: string; epoch: number }) => ({
      poll: true,
      events: [
        { attemptId: w.attemptId, epoch: w.epoch, at: clock, event: { type: "started" } },
        {
          attemptId: w.attemptId,
          epoch: w.epoch,
          at: clock,
          event: { type: "exited", exitCode: 0 },
        },
      ],
    });
    const r1 = await call("events", events(first), reg.body.credential);
    expect(r1.body.results.map((r: { accepted: boolean }) => r.accepted)).toEqual([true, true]);
    expect(r1.body.work.stepId).toBe("again");
    const r2 = await call("events", events(r1.body.work), reg.body.credential);
    expect(r2.body.work).toBeNull();
    const steps = (await listTaskSteps(database.db, { taskId: task.id })).filter(
      (s) => s.kind === "step",
    );
    expect(steps.map((s) => s.status)).toEqual(["succeeded", "succeeded"]);
  });

  it("a silent node goes offline after 3 minutes and comes back online on its next heartbeat", async () => {
    const reg = await call("register", registration(0), token);
    clock += 181_000;
    expect(await sweepOfflineNodes(database.db, new Date(clock))).toBeGreaterThanOrEqual(1);
    expect((await getNode(database.db, { id: reg.body.nodeId }))?.offlineSince).not.toBeNull();
    await call("heartbeat", { sentAt: clock }, reg.body.credential);
    expect((await getNode(database.db, { id: reg.body.nodeId }))?.offlineSince).toBeNull();
    const events = await listNodeEvents(database.db, { nodeId: reg.body.nodeId, limit: 3 });
    expect(events.map((e) => e.type).slice(0, 2)).toEqual(["online", "offline"]);
  });

  it("heartbeats arriving together share one statement, and each gets its own answer", async () => {
    const a = await call("register", registration(2), token);
    const b = await call("register", registration(3), token);
    const answers = await Promise.all([
      call("heartbeat", { sentAt: clock + 100 }, a.body.credential),
      call("heartbeat", { sentAt: clock + 200 }, b.body.credential),
      call("heartbeat", { sentAt: clock }, "cnc_unknownunknownunknownunknown"),
      call("heartbeat", { sentAt: clock + 300 }, a.body.credential),
    ]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 401, 200]);
    expect((await getNode(database.db, { id: b.body.nodeId }))?.clockOffsetMs).toBe(200);
    // The later of a node's two heartbeats in one batch wins.
    expect((await getNode(database.db, { id: a.body.nodeId }))?.clockOffsetMs).toBe(300);
  });

  it("limits the rate per node", async () => {
    const strict = createGateway(database, null, {
      releasesDir,
      now: () => clock,
      rate: { perSecond: 1, burst: 2 },
    });
    const reg = await call("register", registration(1), token);
    const codes = [];
    for (let i = 0; i < 4; i++)
      codes.push(
        (await strict.handle("poll", post("poll", { waitSeconds: 0 }, reg.body.credential))).status,
      );
    expect(codes).toEqual([200, 200, 429, 429]);
  });
});
