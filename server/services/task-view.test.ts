/** The task page's SQL (db/queries/task-view.ts) on engine states the executor really produces. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabases } from "../../test/databases";
import { newCluster, planFor } from "../../test/engine-fixtures";
import type { Database, Db } from "../../db/client";
import { appendLogBatch, readLog } from "../../db/queries/logs";
import {
  listLogSections,
  listNodeProgress,
  listStepEntries,
  logTailPosition,
  stepGroupSummary,
} from "../../db/queries/task-view";
import { nodes } from "../../db/schema";
import { applyAttemptEvent, claimAttempt, launchTask } from "../engine/executor";

/** Runs one attempt on a node to its end, writing `lines` to its log. */
async function runOne(db: Db, taskId: string, node: string, exitCode: number, lines: string[]) {
  const d = (await claimAttempt(db, { nodeId: node, now: new Date() }))!;
  await applyAttemptEvent(db, {
    attemptId: d.attempt.id,
    event: { type: "started", epoch: d.attempt.epoch },
    now: new Date(),
  });
  if (lines.length)
    await appendLogBatch(db, {
      taskId,
      attemptId: d.attempt.id,
      nodeId: node,
      stepKey: d.step.key,
      seq: 0,
      stream: "stdout",
      lines,
    });
  await applyAttemptEvent(db, {
    attemptId: d.attempt.id,
    event: { type: "exited", epoch: d.attempt.epoch, exitCode },
    now: new Date(),
  });
  return d;
}

describe.each(testDatabases())("task view queries on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  let taskId: string;
  let nodeA: string;
  const nodeB = "plain-node-b";

  beforeAll(async () => {
    database = await target.open();
    const db = database.db;
    const clusterId = await newCluster(db, "tv");
    // One registered node (so its hostname shows) and one the plan names by id only.
    const [row] = await db
      .insert(nodes)
      .values({
        regionId: (await db.query.clusters.findFirst())!.regionId,
        machineId: randomUUID(),
        hostname: "zeta-01",
        arch: "x86_64",
        hardware: {} as never,
        cores: 4,
        threads: 8,
        memoryBytes: 1,
        diskCount: 1,
        agentVersion: "t",
        credentialHash: randomUUID(),
      })
      .returning({ id: nodes.id });
    nodeA = row!.id;
    const plan = planFor(
      [{ id: "prepare" }, { id: "install", requires: ["prepare"] }],
      [nodeA, nodeB],
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
    await runOne(db, taskId, nodeA, 0, ["a prepare 1", "a prepare 2", "a prepare 3"]);
    await runOne(db, taskId, nodeB, 2, ["b prepare: \u001b[31mfailed\u001b[0m"]);
  });
  afterAll(async () => {
    await database.drop();
  });

  it("groups steps per graph step with counts per status, in plan order", async () => {
    const groups = await stepGroupSummary(database.db, { taskId });
    expect(groups.map((g) => [g.stepId, g.total, g.counts])).toEqual([
      ["prepare", 2, { succeeded: 1, failed: 1 }],
      // install on B never ran: its dependency failed.
      ["install", 2, { ready: 1, cancelled: 1 }],
    ]);
    expect(groups[0]!.startedAt).toBeInstanceOf(Date);
    expect(groups[0]!.endedAt!.getTime()).toBeGreaterThanOrEqual(groups[0]!.startedAt!.getTime());
    expect(groups[1]!.startedAt).toBeNull();
  });

  it("lists step entries with the hostname and the latest attempt's outcome", async () => {
    const failed = await listStepEntries(database.db, {
      taskId,
      status: ["failed"],
      includeBarriers: false,
      limit: 10,
    });
    expect(failed.items.map((s) => [s.key, s.hostname, s.lastExitCode])).toEqual([
      [`prepare@${nodeB}`, null, 2],
    ]);
    const ofA = await listStepEntries(database.db, {
      taskId,
      nodeId: nodeA,
      includeBarriers: false,
      limit: 1,
    });
    expect(ofA.items.map((s) => [s.stepId, s.hostname, s.status])).toEqual([
      ["prepare", "zeta-01", "succeeded"],
    ]);
    expect(ofA.nextAfterOrdinal).not.toBeNull();
    const next = await listStepEntries(database.db, {
      taskId,
      nodeId: nodeA,
      includeBarriers: false,
      afterOrdinal: ofA.nextAfterOrdinal!,
      limit: 1,
    });
    expect(next.items.map((s) => s.stepId)).toEqual(["install"]);
    expect(next.nextAfterOrdinal).toBeNull();
  });

  it("gives progress per node by hostname, filters to failed nodes and counts every filter", async () => {
    const all = await listNodeProgress(database.db, { taskId, filter: "all", limit: 10 });
    // "plain-node-b" (no node row: listed by its id) sorts before "zeta-01".
    expect(all.items.map((n) => [n.hostname ?? n.nodeId, n.done, n.failed, n.total])).toEqual([
      [nodeB, 0, 1, 2],
      ["zeta-01", 1, 0, 2],
    ]);
    expect(all.totals).toEqual({ all: 2, failed: 1, running: 0, waiting: 1, done: 0 });
    const failed = await listNodeProgress(database.db, { taskId, filter: "failed", limit: 10 });
    expect(failed.items.map((n) => n.nodeId)).toEqual([nodeB]);
    const firstPage = await listNodeProgress(database.db, { taskId, filter: "all", limit: 1 });
    const second = await listNodeProgress(database.db, {
      taskId,
      filter: "all",
      limit: 1,
      cursor: firstPage.nextCursor,
    });
    expect([firstPage.items[0]!.nodeId, second.items[0]!.nodeId]).toEqual([nodeB, nodeA]);
    expect(second.nextCursor).toBeNull();
    const search = await listNodeProgress(database.db, {
      taskId,
      filter: "all",
      search: "ZETA",
      limit: 10,
    });
    expect(search.items.map((n) => n.hostname)).toEqual(["zeta-01"]);
  });

  it("lists log sections with line counts, pages them, and re-reads chosen or newer ones", async () => {
    const { items, nextCursor } = await listLogSections(database.db, { taskId, limit: 10 });
    expect(items.map((s) => [s.stepKey, s.hostname, s.status, s.totalLines, s.exitCode])).toEqual([
      [`prepare@${nodeA}`, "zeta-01", "succeeded", 3, 0],
      [`prepare@${nodeB}`, null, "failed", 1, 2],
    ]);
    expect(items[1]!.reason?.message.en).toBe("Exited with code 2.");
    expect(nextCursor).toBeNull();

    const first = await listLogSections(database.db, { taskId, limit: 1 });
    const second = await listLogSections(database.db, {
      taskId,
      limit: 1,
      cursor: first.nextCursor,
    });
    expect(second.items.map((s) => s.nodeId)).toEqual([nodeB]);

    const chosen = await listLogSections(database.db, {
      taskId,
      attemptIds: [items[1]!.attemptId],
      limit: 10,
    });
    expect(chosen.items.map((s) => s.attemptId)).toEqual([items[1]!.attemptId]);
    const byNode = await listLogSections(database.db, { taskId, nodeId: nodeA, limit: 10 });
    expect(byNode.items).toHaveLength(1);
    const byStep = await listLogSections(database.db, { taskId, stepId: "install", limit: 10 });
    expect(byStep.items).toHaveLength(0);
    const since = await listLogSections(database.db, {
      taskId,
      since: new Date(items[1]!.queuedAt.getTime()),
      limit: 10,
    });
    expect(since.items.map((s) => s.attemptId)).toContain(items[1]!.attemptId);
    expect(since.items.map((s) => s.attemptId)).not.toContain(items[0]!.attemptId);
  });

  it("gives a tail position after which a live reader sees exactly the newer chunks", async () => {
    const tail = await logTailPosition(database.db, { taskId });
    expect(tail).toMatch(/^\d+\.\d+$/);
    const nothingNew = await readLog(database.db, { taskId, after: tail, limit: 100 });
    expect(nothingNew.chunks).toEqual([]);
    const [section] = (await listLogSections(database.db, { taskId, limit: 1 })).items;
    await appendLogBatch(database.db, {
      taskId,
      attemptId: section!.attemptId,
      nodeId: nodeA,
      stepKey: section!.stepKey,
      seq: 1,
      stream: "stderr",
      lines: ["a prepare 4"],
    });
    const after = await readLog(database.db, { taskId, after: tail, limit: 100 });
    expect(after.chunks.map((c) => [c.attemptId, c.firstLine, c.lines])).toEqual([
      [section!.attemptId, 3, ["a prepare 4"]],
    ]);
    const [grown] = (await listLogSections(database.db, { taskId, limit: 1 })).items;
    expect(grown!.totalLines).toBe(4);
    expect(await logTailPosition(database.db, { taskId: randomUUID() })).toBe("");
  });
});
