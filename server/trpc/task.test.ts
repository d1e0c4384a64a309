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

describe.each(testDatabases())("task procedures on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
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
    const clusterId = await newCluster(db, "t");
    const plan = planFor(
      [{ id: "prepare" }, { id: "install", requires: ["prepare"] }],
      ["n1", "n2"],
    );
    const { task } = await launchTask(db, {
      clusterId,
      kind: "deploy",
      plan,
      mode: "apply",
      intent: {},
      actor: "t",
      now: new Date(),
    });
    taskId = task.id;
    // n1 runs both steps and writes logs; n2 fails its first step.
    for (const [node, code] of [
      ["n1", 0],
      ["n1", 0],
      ["n2", 4],
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
        stream: "stdout",
        lines: [`${d.step.key} line 1`, `${d.step.key} line 2`],
      });
      await applyAttemptEvent(db, {
        attemptId: d.attempt.id,
        event: { type: "exited", epoch: d.attempt.epoch, exitCode: code },
        now: new Date(),
      });
    }
  });
  afterAll(async () => {
    await database.drop();
  });

  it("shows progress and filters steps to the failed ones", async () => {
    const task = await as(viewer).task.get({ id: taskId });
    expect(task.status).toBe("failed");
    expect(task.counts).toMatchObject({ succeeded: 2, failed: 1, cancelled: 1 });
    const failed = await as(viewer).task.steps({ taskId, status: ["failed"] });
    expect(failed.items.map((s) => s.key)).toEqual(["prepare@n2"]);
    const attempts = await as(viewer).task.attempts({ stepId: failed.items[0]!.id });
    expect(attempts.map((a) => [a.status, a.exitCode])).toEqual([["failed", 4]]);
  });

  it("streams the log in order, resumes after the last event id, and ends with the task", async () => {
    // Called directly (not over SSE), a tracked event is the pair [event id, data].
    const unpack = (event: unknown) => {
      const [id, data] = event as [string, { stepKey: string | null }];
      return { id, key: data.stepKey };
    };
    const seen: { id: string; key: string | null }[] = [];
    for await (const event of await as(viewer).task.follow({ taskId })) seen.push(unpack(event));
    expect(seen.map((s) => s.key)).toEqual(["prepare@n1", "install@n1", "prepare@n2"]);
    const resumed: string[] = [];
    for await (const event of await as(viewer).task.follow({ taskId, lastEventId: seen[0]!.id }))
      resumed.push(unpack(event).key ?? "");
    expect(resumed).toEqual(["install@n1", "prepare@n2"]);
  });

  it("searches the log on the server", async () => {
    const result = await as(viewer).task.searchLog({ taskId, query: "install@n1 line" });
    expect(result.hits.map((h) => h.text)).toEqual(["install@n1 line 1", "install@n1 line 2"]);
  });

  it("lets an operator retry failed work, and refuses a viewer", async () => {
    try {
      await as(viewer).task.retry({ taskId });
      expect.unreachable();
    } catch (e) {
      expect(toCairnError(e).code).toBe("auth.forbidden");
    }
    const result = await as(operator).task.retry({ taskId });
    expect(result.reset).toBe(2);
    expect(result.task.status).toBe("running");
  });
});
