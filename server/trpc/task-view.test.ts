/** The task page's procedures: groups, nodes, log sections, paged lists, and retry refusals. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { appendLogBatch } from "../../db/queries/logs";
import { testDatabases } from "../../test/databases";
import { newCluster, planFor } from "../../test/engine-fixtures";
import type { SessionUser } from "../auth";
import { applyAttemptEvent, claimAttempt, launchTask } from "../engine/executor";
import { toCairnError, type Context } from "./init";
import { createCaller } from "./root";

const operator: SessionUser = { id: "u-op", email: "op@example.com", name: "O", role: "operator" };
const viewer: SessionUser = { id: "u-v", email: "v@example.com", name: "V", role: "viewer" };

describe.each(testDatabases())("task view procedures on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  let clusterId: string;
  let taskId: string;
  const as = (user: SessionUser) =>
    createCaller({
      headers: new Headers(),
      user,
      openDb: async () => database.db,
    } satisfies Context);

  beforeAll(async () => {
    database = await target.open();
    const db = database.db;
    clusterId = await newCluster(db, "tv");
    const { task } = await launchTask(db, {
      clusterId,
      kind: "deploy",
      plan: planFor(
        [{ id: "prepare" }, { id: "install", requires: ["prepare"] }],
        ["n1", "n2", "n3"],
      ),
      mode: "apply",
      intent: {},
      actor: "t",
      now: new Date(),
    });
    taskId = task.id;
    // prepare: n1 and n2 succeed, n3 fails (exit 3) after writing a line.
    for (const [node, code] of [
      ["n1", 0],
      ["n2", 0],
      ["n3", 3],
    ] as const) {
      const d = (await claimAttempt(db, { nodeId: node, now: new Date() }))!;
      await applyAttemptEvent(db, {
        attemptId: d.attempt.id,
        event: { type: "started", epoch: d.attempt.epoch },
        now: new Date(),
      });
      await appendLogBatch(db, {
        taskId,
        attemptId: d.attempt.id,
        nodeId: node,
        stepKey: d.step.key,
        seq: 0,
        stream: code ? "stderr" : "stdout",
        lines: [`${d.step.key}: ${code ? "failed" : "ok"}`],
      });
      await applyAttemptEvent(db, {
        attemptId: d.attempt.id,
        event: { type: "exited", epoch: d.attempt.epoch, exitCode: code },
        now: new Date(),
      });
    }
    // The failure halts the task (no fault tolerance): the installs on n1 and n2 never start.
  });
  afterAll(async () => {
    await database.drop();
  });

  it("groups the steps per graph step and per node", async () => {
    const task = await as(viewer).task.get({ id: taskId });
    expect(task.status).toBe("failed");
    expect(task.cluster?.id).toBe(clusterId);
    const groups = await as(viewer).task.stepGroups({ taskId });
    expect(groups.map((g) => [g.stepId, g.counts])).toEqual([
      ["prepare", { succeeded: 2, failed: 1 }],
      ["install", { ready: 2, cancelled: 1 }],
    ]);
    const failed = await as(viewer).task.nodes({ taskId, filter: "failed" });
    expect(failed.items.map((n) => [n.nodeId, n.failed, n.cancelled])).toEqual([["n3", 1, 1]]);
    expect(failed.totals).toEqual({ all: 3, failed: 1, running: 0, waiting: 2, done: 0 });
  });

  it("pages step entries by cursor, the way infinite lists ask", async () => {
    const first = await as(viewer).task.steps({ taskId, stepId: "prepare", limit: 2 });
    expect(first.items).toHaveLength(2);
    const rest = await as(viewer).task.steps({
      taskId,
      stepId: "prepare",
      limit: 2,
      cursor: first.nextAfterOrdinal,
    });
    expect(rest.items.map((s) => [s.nodeId, s.status, s.lastExitCode])).toEqual([
      ["n3", "failed", 3],
    ]);
  });

  it("lists log sections with counts and a tail to follow from", async () => {
    const first = await as(viewer).task.logSections({ taskId });
    expect(first.items.map((s) => [s.stepKey, s.totalLines, s.status])).toEqual([
      ["prepare@n1", 1, "succeeded"],
      ["prepare@n2", 1, "succeeded"],
      ["prepare@n3", 1, "failed"],
    ]);
    expect(first.tail).toMatch(/^\d+\.\d+$/);
    const filtered = await as(viewer).task.logSections({ taskId, nodeId: "n3", stepId: "prepare" });
    expect(filtered.items.map((s) => s.exitCode)).toEqual([3]);
    const paged = await as(viewer).task.logSections({ taskId, limit: 2, cursor: "garbage" });
    expect(paged.items).toHaveLength(2);
    expect(paged.tail).toBeNull();
    // Nothing more to follow: the task has ended and every line is before the tail.
    const events: unknown[] = [];
    for await (const e of await as(viewer).task.follow({ taskId, after: first.tail }))
      events.push(e);
    expect(events).toEqual([]);
  });

  it("lists tasks newest first, paged, filtered by operation", async () => {
    const page = await as(viewer).task.list({ limit: 1, kind: ["deploy"] });
    expect(page.items.map((t) => [t.id, t.clusterName])).toEqual([[taskId, "c"]]);
    expect(page.nextCursor).toBeNull();
    expect((await as(viewer).task.list({ kind: ["provision"] })).items).toEqual([]);
  });

  it("refuses a retry while another task runs on the cluster, naming that task", async () => {
    const { task: other } = await launchTask(database.db, {
      clusterId,
      kind: "update-settings",
      plan: planFor([{ id: "ntp" }], ["n1"]),
      mode: "apply",
      intent: {},
      actor: "t",
      now: new Date(),
    });
    try {
      await as(operator).task.retry({ taskId });
      expect.unreachable();
    } catch (e) {
      const error = toCairnError(e);
      expect(error.code).toBe("task.cluster-busy");
      expect(error.params).toMatchObject({ taskId: other.id, kind: "update-settings" });
    }
    expect((await as(viewer).task.get({ id: taskId })).status).toBe("failed");
  });
});
