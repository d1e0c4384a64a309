/**
 * The database goes away in the middle of a task and comes back: calls fail with a clear
 * connection error meanwhile (nothing half-written), the sweeper keeps trying, and the task
 * finishes once the database answers again. Needs a PostgreSQL server (TEST_DATABASE_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, ping, type Database } from "../../db/client";
import { isConnectionError } from "../../db/errors";
import { getTask } from "../../db/queries/engine";
import { testDatabases } from "../../test/databases";
import { newCluster, planFor } from "../../test/engine-fixtures";
import { startProxy, type CuttableProxy } from "../../test/tcp-proxy";
import { applyAttemptEvent, claimAttempt, launchTask } from "./executor";
import { startRunner } from "./runner";

const postgres = testDatabases().find((d) => d.name === "postgres");

describe.skipIf(!postgres)("a database outage during a task", () => {
  let direct: Database & { drop(): Promise<void> };
  let proxy: CuttableProxy;
  let viaProxy: Database;

  beforeAll(async () => {
    direct = await postgres!.open();
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = direct.location.replace(/^.*\//, "/");
    proxy = await startProxy(url.hostname, Number(url.port || 5432));
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    viaProxy = await openDatabase({ kind: "postgres", url: url.toString(), poolSize: 4 });
  });
  afterAll(async () => {
    await viaProxy.close().catch(() => {});
    await proxy.close();
    await direct.drop();
  });

  it("fails calls with a connection error while it lasts and resumes the task after", async () => {
    const db = viaProxy.db;
    const clusterId = await newCluster(db, "o");
    const plan = planFor([{ id: "a" }, { id: "b", requires: ["a"] }], ["o1"]);
    const { task } = await launchTask(db, {
      clusterId,
      kind: "deploy",
      plan,
      mode: "apply",
      intent: {},
      actor: "t",
      now: new Date(),
    });
    const errors: unknown[] = [];
    const runner = startRunner(viaProxy, {
      heartbeatSeconds: 60,
      queueSeconds: 0,
      intervalMs: 100,
      onError: (e) => errors.push(e),
    });
    try {
      const a = (await claimAttempt(db, { nodeId: "o1", now: new Date() }))!;
      await applyAttemptEvent(db, {
        attemptId: a.attempt.id,
        event: { type: "started", epoch: 1 },
        now: new Date(),
      });

      proxy.cut();
      const failure = await ping(db).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isConnectionError(failure)).toBe(true);
      const report = await applyAttemptEvent(db, {
        attemptId: a.attempt.id,
        event: { type: "exited", epoch: 1, exitCode: 0 },
        now: new Date(),
      }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isConnectionError(report)).toBe(true);
      // Nothing of the failed report reached the database.
      expect((await getTask(direct.db, { id: task.id }))?.status).toBe("running");
      await new Promise((r) => setTimeout(r, 400));
      expect(errors.length).toBeGreaterThan(0);

      proxy.restore();
      // The agent repeats its report (transport retry); the task carries on.
      await applyAttemptEvent(db, {
        attemptId: a.attempt.id,
        event: { type: "exited", epoch: 1, exitCode: 0 },
        now: new Date(),
      });
      const b = (await claimAttempt(db, { nodeId: "o1", now: new Date() }))!;
      expect(b.step.key).toBe("b@o1");
      await applyAttemptEvent(db, {
        attemptId: b.attempt.id,
        event: { type: "exited", epoch: 1, exitCode: 0 },
        now: new Date(),
      });
      expect((await getTask(direct.db, { id: task.id }))?.status).toBe("succeeded");
    } finally {
      await runner.stop();
    }
  });
});
