/**
 * Group commit: reports arriving together are written in one transaction, with exactly the outcome
 * of one transaction per report — and a batch holding anything but the common case (here a failed
 * step) rolls back and each report is judged alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { getTask, listStepAttempts, listTaskSteps } from "../../db/queries/engine";
import { testDatabases } from "../../test/databases";
import { newCluster, planFor, type StepSpec } from "../../test/engine-fixtures";
import {
  claimAttempt,
  launchTask,
  reportAndClaim,
  reportBatchStats,
  type Dispatch,
} from "./executor";

const opts = { heartbeatSeconds: 600, queueSeconds: 0 };

describe.each(testDatabases())("group commit of agent reports on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  let region = 0;
  beforeAll(async () => {
    database = await target.open();
  });
  afterAll(() => database.drop());

  async function launch(steps: StepSpec[], nodes: string[]) {
    const clusterId = await newCluster(database.db, `gc${++region}`);
    const { task } = await launchTask(database.db, {
      clusterId,
      kind: "deploy",
      plan: planFor(steps, nodes),
      mode: "apply",
      intent: { kind: "deploy" },
      actor: "test",
      now: new Date(),
    });
    return task;
  }

  /** A node's agent: claim, then report each attempt's end together with the next poll. */
  async function agent(nodeId: string, exitCode: (d: Dispatch) => number) {
    let d = await claimAttempt(database.db, { nodeId, now: new Date() }, opts);
    let runs = 0;
    while (d) {
      const epoch = d.attempt.epoch;
      const r = await reportAndClaim(
        database.db,
        {
          attemptId: d.attempt.id,
          events: [
            { type: "started", epoch },
            { type: "exited", epoch, exitCode: exitCode(d) },
          ],
          now: new Date(),
          nodeId,
        },
        opts,
      );
      expect(r.results.every((x) => x.accepted)).toBe(true);
      runs++;
      d = r.next ?? (await claimAttempt(database.db, { nodeId, now: new Date() }, opts));
    }
    return runs;
  }

  const chain = (n: number): StepSpec[] =>
    Array.from({ length: n }, (_, i) => ({
      id: `s${i}`,
      ...(i > 0 ? { requires: [`s${i - 1}`] } : {}),
    }));

  it("many nodes reporting at once: batches are committed, every step succeeds with one attempt", async () => {
    const before = reportBatchStats.batchedReports;
    const nodes = Array.from({ length: 12 }, (_, i) => `gc-a-${i}`);
    const task = await launch(chain(4), nodes);
    const runs = await Promise.all(nodes.map((n) => agent(n, () => 0)));
    expect(runs).toEqual(nodes.map(() => 4));
    expect((await getTask(database.db, { id: task.id }))?.status).toBe("succeeded");
    const steps = (await listTaskSteps(database.db, { taskId: task.id })).filter(
      (s) => s.kind === "step",
    );
    expect(steps).toHaveLength(48);
    for (const s of steps) {
      expect(s.status).toBe("succeeded");
      expect(await listStepAttempts(database.db, { stepId: s.id })).toHaveLength(1);
    }
    // Concurrent reports did go together (a batch of one is the ordinary path and not counted).
    expect(reportBatchStats.batchedReports).toBeGreaterThan(before);
  });

  it("a failure in a batch: rolled back, each report judged alone — the failure stops the task, the rest keep their success", async () => {
    const fallbacks = reportBatchStats.fallbacks;
    const nodes = Array.from({ length: 8 }, (_, i) => `gc-b-${i}`);
    const task = await launch(
      [
        { id: "s0", retry: { maxAttempts: 1 } },
        { id: "s1", requires: ["s0"] },
      ],
      nodes,
    );
    const claims = await Promise.all(
      nodes.map((nodeId) => claimAttempt(database.db, { nodeId, now: new Date() }, opts)),
    );
    // All eight end at once (submitted in one tick: the first two start batches of their own, the
    // other six wait and go together); the last node's step fails.
    const answers = await Promise.all(
      claims.map((d, i) =>
        reportAndClaim(
          database.db,
          {
            attemptId: d!.attempt.id,
            events: [
              { type: "started", epoch: d!.attempt.epoch },
              { type: "exited", epoch: d!.attempt.epoch, exitCode: i === 7 ? 3 : 0 },
            ],
            now: new Date(),
            nodeId: nodes[i]!,
          },
          opts,
        ),
      ),
    );
    expect(answers.every((a) => a.results.every((r) => r.accepted))).toBe(true);
    expect(reportBatchStats.fallbacks).toBeGreaterThan(fallbacks);
    const steps = await listTaskSteps(database.db, { taskId: task.id });
    const s0 = steps.filter((s) => s.stepId === "s0");
    expect(s0.find((s) => s.nodeId === nodes[7])?.status).toBe("failed");
    expect(s0.filter((s) => s.status === "succeeded")).toHaveLength(7);
    for (const s of s0)
      expect(await listStepAttempts(database.db, { stepId: s.id })).toHaveLength(1);
    // The failed node's next step never becomes ready for it.
    expect(steps.find((s) => s.stepId === "s1" && s.nodeId === nodes[7])?.status).not.toBe(
      "running",
    );
  });
});
