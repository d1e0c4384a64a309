/**
 * Nodes follow the tasks that run on them: while an `apply` deploy runs, its nodes show
 * `deploying` (moved once, with the move in their history); plan and noop tasks leave them alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../db/client";
import { getNode, listNodeEvents } from "../db/queries/nodes";
import { getRegionByName } from "../db/queries/regions";
import { labNodes } from "../domain/lab/inventory";
import type { SessionUser } from "../server/auth";
import { createGateway } from "../server/gateway/gateway";
import { syncNodesAfterTasks, syncNodesOnTaskStart } from "../server/services/node-lifecycle";
import { assignNodes, createBootstrapToken } from "../server/services/nodes";
import { cancel, launch } from "../server/services/tasks";
import { testDatabases } from "./databases";
import { newCluster } from "./engine-fixtures";

const admin: SessionUser = { id: "u", email: "admin@example.com", name: "Admin", role: "admin" };
const hw = labNodes(2, { profile: "small" });

describe.each(testDatabases())("node status during a task on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  let clusterId: string;
  const nodeIds: string[] = [];

  beforeAll(async () => {
    database = await target.open();
    clusterId = await newCluster(database.db, "lifecycle");
    const region = await getRegionByName(database.db, { name: "lifecycle" });
    const { secret } = await createBootstrapToken(
      { db: database.db, user: admin },
      { regionId: region!.id, label: "t", expiresInDays: 0 },
    );
    const gateway = createGateway(database, null, { rate: { perSecond: 1000, burst: 1000 } });
    for (const node of hw) {
      const res = await gateway.handle(
        "register",
        new Request("http://cairn.test/api/agent/register", {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
          body: JSON.stringify({
            protocol: 1,
            machineId: node.hardware.uuid ?? node.id,
            hostname: node.hostname,
            agentVersion: "test",
            arch: node.hardware.cpu.arch,
            hardware: node.hardware,
            lab: true,
          }),
        }),
      );
      nodeIds.push(((await res.json()) as { nodeId: string }).nodeId);
    }
    await assignNodes(
      { db: database.db, user: admin },
      { clusterId, nodeIds, roles: ["controller-hci"] },
    );
  });
  afterAll(() => database.drop());

  it("a noop task leaves the nodes assigned; an apply deploy moves them to deploying once, recorded", async () => {
    const ctx = { db: database.db, user: admin };
    const noop = await launch(ctx, { clusterId, operation: "deploy", mode: "noop" });
    expect(await syncNodesOnTaskStart(database.db, new Date())).toBe(0);
    expect((await getNode(database.db, { id: nodeIds[0]! }))?.status).toBe("assigned");
    await cancel(ctx, noop.taskId);

    const apply = await launch(ctx, { clusterId, operation: "deploy", mode: "apply" });
    expect(await syncNodesOnTaskStart(database.db, new Date())).toBe(2);
    for (const id of nodeIds) {
      expect((await getNode(database.db, { id }))?.status).toBe("deploying");
      const events = await listNodeEvents(database.db, { nodeId: id, limit: 10 });
      expect(events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            fromStatus: "assigned",
            toStatus: "deploying",
            actor: `task ${apply.taskId}`,
          }),
        ]),
      );
    }
    // Once per run of the task.
    expect(await syncNodesOnTaskStart(database.db, new Date())).toBe(0);

    // Cancelled before its steps ran: the nodes are not deploying any more, and not ready either.
    await cancel(ctx, apply.taskId);
    expect(await syncNodesAfterTasks(database.db, new Date())).toBe(2);
    expect((await getNode(database.db, { id: nodeIds[1]! }))?.status).toBe("error");
    expect(await syncNodesAfterTasks(database.db, new Date())).toBe(0);

    // The next deploy takes them from error to deploying again.
    await launch(ctx, { clusterId, operation: "deploy", mode: "apply" });
    expect(await syncNodesOnTaskStart(database.db, new Date())).toBe(2);
    expect((await getNode(database.db, { id: nodeIds[1]! }))?.status).toBe("deploying");
  });
});
