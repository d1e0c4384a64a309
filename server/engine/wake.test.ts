import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { testDatabases } from "../../test/databases";
import { newCluster, planFor } from "../../test/engine-fixtures";
import { applyAttemptEvent, claimAttempt, launchTask } from "./executor";
import { createWorkWaiter, type WorkWaiter } from "./wake";

describe.each(testDatabases())("waking node polls on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  let waiter: WorkWaiter;

  beforeAll(async () => {
    database = await target.open();
    waiter = await createWorkWaiter(database);
  });
  afterAll(async () => {
    await waiter.close();
    await database.drop();
  });

  it("wakes a waiting node when work becomes ready for it, and only that node", async () => {
    const db = database.db;
    const clusterId = await newCluster(db, "w");
    // b on the "second" nodes waits for a on every node (cross-node dependency, a barrier).
    const plan = planFor(
      [
        { id: "a", selector: { tags: ["first"] } },
        {
          id: "b",
          selector: { tags: ["second"] },
          crossDepends: [{ step: "a", role: "*", policy: "all" }],
        },
      ],
      [
        { id: "w1", roles: ["compute"], tags: ["first"] },
        { id: "w2", roles: ["compute"], tags: ["second"] },
        { id: "w3", roles: ["compute"], tags: ["second"] },
      ],
    );
    await launchTask(db, {
      clusterId,
      kind: "deploy",
      plan,
      mode: "apply",
      intent: {},
      actor: "t",
      now: new Date(),
    });
    expect(await claimAttempt(db, { nodeId: "w2", now: new Date() })).toBeNull();
    const d = (await claimAttempt(db, { nodeId: "w1", now: new Date() }))!;

    const started = Date.now();
    const w2 = waiter.wait("w2", 10_000);
    const other = waiter.wait("nobody", 300);
    await applyAttemptEvent(db, {
      attemptId: d.attempt.id,
      event: { type: "exited", epoch: d.attempt.epoch, exitCode: 0 },
      now: new Date(),
    });
    expect(await w2).toBe("notified");
    // Woken by the NOTIFY, not by the 10 s fallback.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await other).toBe("timeout");
    expect((await claimAttempt(db, { nodeId: "w2", now: new Date() }))?.step.key).toBe("b@w2");
  });
});
