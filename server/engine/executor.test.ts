import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { getTask, listStepAttempts, listTaskSteps } from "../../db/queries/engine";
import { CairnError } from "../../domain/errors";
import { testDatabases } from "../../test/databases";
import { newCluster as newClusterIn, planFor, type StepSpec } from "../../test/engine-fixtures";
import {
  applyAttemptEvent,
  cancelTask,
  claimAttempt,
  launchTask,
  pauseTask,
  resumeTask,
  retryTask,
  sweep,
  type Dispatch,
} from "./executor";

const T0 = Date.parse("2026-11-28T10:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const opts = { heartbeatSeconds: 30, queueSeconds: 0 };

describe.each(testDatabases())("engine executor on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  let n = 0;
  // Every test works on its own nodes: a node runs one attempt at a time across all tasks.
  let scope = 0;
  const nid = (id: string) => `s${scope}-${id}`;
  beforeEach(() => {
    scope++;
  });
  const db = () => database.db;

  const newCluster = () => newClusterIn(db(), `r${++n}`);

  async function launch(
    steps: StepSpec[],
    nodeIds: string[],
    extra: { idempotencyKey?: string; deadlineAt?: Date } = {},
  ) {
    const clusterId = await newCluster();
    const { task } = await launchTask(db(), {
      clusterId,
      kind: "deploy",
      plan: planFor(steps, nodeIds.map(nid)),
      mode: "apply",
      intent: { kind: "deploy" },
      actor: "test",
      now: at(0),
      ...extra,
    });
    return task;
  }

  const claim = (nodeId: string, s = 0) =>
    claimAttempt(db(), { nodeId: nid(nodeId), now: at(s) }, opts);
  const report = (d: Dispatch, event: Parameters<typeof applyAttemptEvent>[1]["event"], s = 0) =>
    applyAttemptEvent(db(), { attemptId: d.attempt.id, event, now: at(s) }, opts);
  async function run(nodeId: string, exitCode: number, s = 0) {
    const d = await claim(nodeId, s);
    if (!d) throw new Error(`nothing to claim on ${nodeId}`);
    await report(d, { type: "started", epoch: d.attempt.epoch }, s);
    await report(d, { type: "exited", epoch: d.attempt.epoch, exitCode }, s + 1);
    return d;
  }

  beforeAll(async () => {
    database = await target.open();
  });
  afterAll(async () => {
    await database.drop();
  });

  it("runs dependent steps in order and succeeds", async () => {
    const task = await launch([{ id: "a" }, { id: "b", requires: ["a"] }], ["n1"]);
    expect((await claim("n1"))?.step.key).toBe(`a@${nid("n1")}`);
    expect(await claim("n1")).toBeNull(); // one attempt per node at a time
    const steps = await listTaskSteps(db(), { taskId: task.id });
    const a = await listStepAttempts(db(), { stepId: steps[0]!.id });
    await applyAttemptEvent(
      db(),
      { attemptId: a[0]!.id, event: { type: "started", epoch: 1 }, now: at(1) },
      opts,
    );
    await applyAttemptEvent(
      db(),
      { attemptId: a[0]!.id, event: { type: "exited", epoch: 1, exitCode: 0 }, now: at(2) },
      opts,
    );
    await run("n1", 0, 3);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("succeeded");
  });

  it("retry then success shows succeeded with both attempts kept", async () => {
    const task = await launch(
      [{ id: "install", retry: { maxAttempts: 3, initialIntervalSeconds: 5 } }],
      ["n1"],
    );
    await run("n1", 1, 0);
    const [step] = await listTaskSteps(db(), { taskId: task.id });
    expect(step?.status).toBe("retry_wait");
    expect(await claim("n1", 2)).toBeNull(); // backoff not over
    await sweep(db(), { now: at(10) }, opts);
    await run("n1", 0, 10);
    const [after] = await listTaskSteps(db(), { taskId: task.id });
    expect(after?.status).toBe("succeeded");
    const history = await listStepAttempts(db(), { stepId: after!.id });
    expect(history.map((a) => [a.number, a.status, a.exitCode])).toEqual([
      [1, "failed", 1],
      [2, "succeeded", 0],
    ]);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("succeeded");
  });

  it("fails at once on a non-retryable exit code and cancels what depended on it", async () => {
    const task = await launch(
      [
        { id: "a", retry: { maxAttempts: 5, nonRetryableExitCodes: [3] } },
        { id: "b", requires: ["a"] },
      ],
      ["n1"],
    );
    await run("n1", 3);
    const [a, b] = await listTaskSteps(db(), { taskId: task.id });
    expect(a?.status).toBe("failed");
    expect(a?.reason?.message.en).toMatch(/3/);
    expect(b?.status).toBe("cancelled");
    expect((await getTask(db(), { id: task.id }))?.status).toBe("failed");
  });

  it("a timeout kills the attempt and it is timed_out only once the agent confirms", async () => {
    const task = await launch([{ id: "slow", timeoutSeconds: 60 }], ["n1"]);
    const d = (await claim("n1"))!;
    await report(d, { type: "started", epoch: d.attempt.epoch }, 0);
    await report(d, { type: "heartbeat", epoch: d.attempt.epoch }, 25);
    await report(d, { type: "heartbeat", epoch: d.attempt.epoch }, 50);
    await sweep(db(), { now: at(61) }, opts);
    let [attempt] = await listStepAttempts(db(), { stepId: d.step.id });
    expect(attempt?.status).toBe("killing");
    expect(attempt?.killFor).toBe("timeout");
    await report(d, { type: "kill-confirmed", epoch: d.attempt.epoch }, 62);
    [attempt] = await listStepAttempts(db(), { stepId: d.step.id });
    expect(attempt?.status).toBe("timed_out");
    expect((await getTask(db(), { id: task.id }))?.status).toBe("failed");
  });

  it("refuses a report from a stale epoch and changes nothing", async () => {
    await launch([{ id: "a" }], ["n1"]);
    const d = (await claim("n1"))!;
    const stale = await report(d, { type: "exited", epoch: d.attempt.epoch - 1, exitCode: 0 });
    expect(stale).toMatchObject({ accepted: false, stale: true });
    const [attempt] = await listStepAttempts(db(), { stepId: d.step.id });
    expect(attempt?.status).toBe("dispatched");
  });

  it("a silent agent's attempt is lost after the heartbeat timeout and retried per policy", async () => {
    const task = await launch(
      [{ id: "a", retry: { maxAttempts: 2, initialIntervalSeconds: 1 } }],
      ["n1"],
    );
    const d = (await claim("n1"))!;
    await report(d, { type: "started", epoch: d.attempt.epoch }, 0);
    await sweep(db(), { now: at(31) }, opts);
    const [first] = await listStepAttempts(db(), { stepId: d.step.id });
    expect(first?.status).toBe("lost");
    await sweep(db(), { now: at(40) }, opts);
    await run("n1", 0, 41);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("succeeded");
  });

  it("cancel mid-run: waiting steps end, the running one is killed and confirmed", async () => {
    const task = await launch([{ id: "a" }, { id: "b", requires: ["a"] }], ["n1", "n2"]);
    const d = (await claim("n1"))!;
    await report(d, { type: "started", epoch: d.attempt.epoch }, 1);
    await cancelTask(db(), { taskId: task.id, actor: "op", now: at(2) }, opts);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("cancelling");
    expect(await claim("n2", 3)).toBeNull();
    await report(d, { type: "kill-confirmed", epoch: d.attempt.epoch }, 3);
    const after = await getTask(db(), { id: task.id });
    expect(after?.status).toBe("cancelled");
    const statuses = (await listTaskSteps(db(), { taskId: task.id })).map((s) => s.status);
    expect(statuses.sort()).toEqual(["cancelled", "cancelled", "cancelled", "cancelled"]);
  });

  it("allows one mutating task per cluster even when two launches race", async () => {
    const clusterId = await newCluster();
    const go = () =>
      launchTask(db(), {
        clusterId,
        kind: "deploy",
        plan: planFor([{ id: "a" }], [nid("n9")]),
        mode: "apply",
        intent: {},
        actor: "t",
        now: at(0),
      });
    const results = await Promise.allSettled([go(), go()]);
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const err = (refused[0] as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(CairnError);
    expect((err as CairnError).code).toBe("task.cluster-busy");
  });

  it("returns the existing task for the same idempotency key", async () => {
    const first = await launch([{ id: "a" }], ["n1"], { idempotencyKey: "k-1" });
    const again = await launchTask(db(), {
      clusterId: first.clusterId,
      kind: "deploy",
      plan: planFor([{ id: "a" }], [nid("n1")]),
      mode: "apply",
      intent: {},
      actor: "t",
      now: at(5),
      idempotencyKey: "k-1",
    });
    expect(again).toMatchObject({ created: false, task: { id: first.id } });
  });

  it("respects one_by_one: a second node waits for the first", async () => {
    await launch([{ id: "rolling", strategy: { type: "one_by_one" } }], ["n1", "n2"]);
    const first = (await claim("n1"))!;
    expect(await claim("n2")).toBeNull();
    await report(first, { type: "started", epoch: 1 });
    await report(first, { type: "exited", epoch: 1, exitCode: 0 }, 1);
    expect((await claim("n2", 2))?.step.key).toBe(`rolling@${nid("n2")}`);
  });

  it("retry failed re-runs the failed step and what it blocked; both attempts stay visible", async () => {
    const task = await launch([{ id: "a" }, { id: "b", requires: ["a"] }], ["n1", "n2"]);
    await run("n1", 0);
    // a@n2 fails: b@n2 can never run, and with no failure tolerated the task stops starting work
    // (b@n1 stays ready) and ends failed once nothing runs.
    await run("n2", 7, 1);
    expect(await claim("n1", 2)).toBeNull();
    const failed = await getTask(db(), { id: task.id });
    expect(failed?.status).toBe("failed");
    expect(failed?.reason?.message.en).toMatch(/a/);

    const { reset } = await retryTask(db(), { taskId: task.id, actor: "op", now: at(10) }, opts);
    expect(reset).toBe(2);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("running");
    await run("n1", 0, 11);
    await run("n2", 0, 12);
    await run("n2", 0, 13);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("succeeded");
    const aN2 = (await listTaskSteps(db(), { taskId: task.id })).find(
      (s) => s.key === `a@${nid("n2")}`,
    )!;
    expect(aN2.status).toBe("succeeded");
    expect((await listStepAttempts(db(), { stepId: aN2.id })).map((a) => a.status)).toEqual([
      "failed",
      "succeeded",
    ]);
  });

  it("retry from a step re-runs it on the chosen node and everything downstream, nothing else", async () => {
    const task = await launch([{ id: "a" }, { id: "b", requires: ["a"] }], ["n1", "n2"]);
    for (const [node, s] of [
      ["n1", 0],
      ["n2", 1],
      ["n1", 2],
      ["n2", 3],
    ] as const)
      await run(node, 0, s);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("succeeded");
    await retryTask(
      db(),
      { taskId: task.id, actor: "op", from: { stepId: "a", nodeIds: [nid("n1")] }, now: at(20) },
      opts,
    );
    const byKey = new Map(
      (await listTaskSteps(db(), { taskId: task.id })).map((s) => [s.key, s.status]),
    );
    expect(byKey.get(`a@${nid("n1")}`)).toBe("ready");
    expect(byKey.get(`b@${nid("n1")}`)).toBe("blocked");
    expect(byKey.get(`a@${nid("n2")}`)).toBe("succeeded");
    expect(await claim("n2", 21)).toBeNull();
    await run("n1", 0, 21);
    await run("n1", 0, 22);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("succeeded");
  });

  it("refuses to retry a task that is still running", async () => {
    const task = await launch([{ id: "a" }], ["n1"]);
    await expect(
      retryTask(db(), { taskId: task.id, actor: "op", now: at(1) }, opts),
    ).rejects.toMatchObject({
      code: "task.not-retryable",
    });
  });

  it("pause stops new attempts without touching running ones; resume carries on", async () => {
    const task = await launch([{ id: "a" }], ["n1", "n2"]);
    const first = (await claim("n1"))!;
    await pauseTask(db(), { taskId: task.id, actor: "op", now: at(1) });
    expect((await getTask(db(), { id: task.id }))?.status).toBe("paused");
    expect(await claim("n2", 2)).toBeNull();
    await report(first, { type: "started", epoch: 1 }, 2);
    await report(first, { type: "exited", epoch: 1, exitCode: 0 }, 3);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("paused");
    await resumeTask(db(), { taskId: task.id, actor: "op", now: at(4) });
    await run("n2", 0, 5);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("succeeded");
  });

  it("a task past its deadline is cancelled by the sweep, killing what runs", async () => {
    const task = await launch([{ id: "a" }], ["n1", "n2"], { deadlineAt: at(100) });
    const d = (await claim("n1"))!;
    await report(d, { type: "started", epoch: 1 }, 1);
    await report(d, { type: "heartbeat", epoch: 1 }, 95);
    await sweep(db(), { now: at(101) }, opts);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("cancelling");
    const [attempt] = await listStepAttempts(db(), { stepId: d.step.id });
    expect(attempt).toMatchObject({ status: "killing", killFor: "cancel" });
    await report(d, { type: "kill-confirmed", epoch: 1 }, 102);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("cancelled");
  });

  it("a step that waits in the queue longer than allowed fails with queue-timeout", async () => {
    const queued = { heartbeatSeconds: 30, queueSeconds: 10 };
    const clusterId = await newCluster();
    const { task } = await launchTask(db(), {
      clusterId,
      kind: "deploy",
      plan: planFor(
        [{ id: "a", retry: { maxAttempts: 2, initialIntervalSeconds: 1 } }],
        [nid("n1")],
      ),
      mode: "apply",
      intent: {},
      actor: "t",
      now: at(0),
    });
    // The first attempt fails; the retry becomes ready at 1 s and must be picked up within 10 s.
    const d = (await claimAttempt(db(), { nodeId: nid("n1"), now: at(0) }, queued))!;
    await applyAttemptEvent(
      db(),
      { attemptId: d.attempt.id, event: { type: "exited", epoch: 1, exitCode: 1 }, now: at(0) },
      queued,
    );
    await sweep(db(), { now: at(2) }, queued);
    await sweep(db(), { now: at(13) }, queued);
    const [step] = await listTaskSteps(db(), { taskId: task.id });
    expect(step?.status).toBe("failed");
    expect(step?.reason?.code).toMatch(/queue/);
    expect((await getTask(db(), { id: task.id }))?.status).toBe("failed");
  });

  it("ends the task when the last steps finish at the same moment on many nodes", async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `c${i}`);
    const task = await launch([{ id: "a" }], ids);
    const claimed = await Promise.all(ids.map((n) => claim(n)));
    await Promise.all(claimed.map((d) => report(d!, { type: "started", epoch: 1 })));
    await Promise.all(claimed.map((d) => report(d!, { type: "exited", epoch: 1, exitCode: 0 }, 1)));
    expect((await getTask(db(), { id: task.id }))?.status).toBe("succeeded");
  });
});
