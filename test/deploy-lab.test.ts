/**
 * The whole stack on lab nodes: real agents (the lab fleet) register with the real gateway, nodes
 * are assigned to a cluster with roles, and the built-in release's `deploy` runs — first in noop
 * (diffs, nothing written), then in apply (the files appear under every lab node's root), then
 * apply again (every step says it changed nothing).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLabFleet, labNodeDirs, type LabFleet } from "../agent/lab";
import { FAST, tempDir } from "../agent/testing/harness";
import type { Database } from "../db/client";
import { getTask, listTaskSteps } from "../db/queries/engine";
import { readLog } from "../db/queries/logs";
import { getRegionByName } from "../db/queries/regions";
import { clusters, nodes } from "../db/schema";
import { eq } from "drizzle-orm";
import type { SessionUser } from "../server/auth";
import { createWorkWaiter, type WorkWaiter } from "../server/engine/wake";
import { createGateway } from "../server/gateway/gateway";
import { serveGateway, type GatewayServer } from "../server/gateway/node-http";
import { assignNodes, createBootstrapToken, listNodes } from "../server/services/nodes";
import { clusterSettings, updateClusterSettings } from "../server/services/clusters";
import { syncNodesAfterTasks } from "../server/services/node-lifecycle";
import { launch } from "../server/services/tasks";
import { testDatabases } from "./databases";
import { newCluster } from "./engine-fixtures";
import { until } from "./until";

const lite = testDatabases().find((d) => d.name === "pglite")!;
const admin: SessionUser = { id: "u", email: "admin@example.com", name: "Admin", role: "admin" };
const engine = { heartbeatSeconds: 30, queueSeconds: 0 };

describe("deploy of the built-in release on lab nodes", () => {
  let database: Database & { drop(): Promise<void> };
  let waiter: WorkWaiter;
  let served: GatewayServer;
  let fleet: LabFleet;
  let dirs: { dir: string; cleanup(): void };
  let clusterId: string;

  beforeAll(async () => {
    database = await lite.open();
    waiter = await createWorkWaiter(database);
    served = await serveGateway(
      createGateway(database, waiter, { engine, heartbeatSeconds: 1, pollSeconds: 2 }),
    );
    dirs = tempDir("deploy-lab");
    clusterId = await newCluster(database.db, "lab-deploy");
    const region = await getRegionByName(database.db, { name: "lab-deploy" });
    const { secret } = await createBootstrapToken(
      { db: database.db, user: admin },
      { regionId: region!.id, label: "lab", expiresInDays: 0 },
    );
    fleet = await startLabFleet({
      server: served.url,
      token: secret,
      nodes: 3,
      profile: "small",
      regionIndex: 5,
      dir: dirs.dir,
      heartbeatSeconds: 1,
      agent: FAST,
    });
    expect(await fleet.registered).toBe(3);
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
    await served.close();
    await waiter.close();
    await database.drop();
    dirs.cleanup();
  });

  async function run(mode: "noop" | "apply", operation: "deploy" | "update-settings" = "deploy") {
    const { taskId } = await launch(
      { db: database.db, user: admin },
      { clusterId, operation, mode },
    );
    const task = await until(`the ${mode} deploy to end`, async () => {
      const t = await getTask(database.db, { id: taskId });
      return t && ["succeeded", "failed", "cancelled"].includes(t.status) ? t : undefined;
    });
    const log = await readLog(database.db, { taskId, limit: 1000 });
    const lines = log.chunks.flatMap((c) => c.lines);
    const steps = await listTaskSteps(database.db, { taskId });
    return { task, lines, steps: steps.filter((s) => s.kind === "step") };
  }

  it("assigns the nodes, then noop shows diffs and writes nothing, apply writes, apply again changes nothing", async () => {
    const found = await listNodes(
      { db: database.db },
      { limit: 10, sort: "hostname", order: "asc", unassigned: true },
    );
    const [a, b, c] = found.items;
    const ctx = { db: database.db, user: admin };
    await assignNodes(ctx, { clusterId, nodeIds: [a!.id], roles: ["controller"] });
    await assignNodes(ctx, { clusterId, nodeIds: [b!.id], roles: ["compute"] });
    await assignNodes(ctx, { clusterId, nodeIds: [c!.id], roles: ["storage"] });
    const roots = [a!, b!, c!].map((n) => labNodeDirs(dirs.dir, n.hostname).root);

    const noop = await run("noop");
    expect(noop.task.status, noop.lines.join("\n")).toBe("succeeded");
    expect(noop.lines).toContain("would create /etc/hostname:");
    for (const root of roots) expect(existsSync(path.join(root, "etc/hostname"))).toBe(false);

    const apply = await run("apply");
    expect(apply.task.status, apply.lines.join("\n")).toBe("succeeded");
    for (const [i, root] of roots.entries()) {
      expect(readFileSync(path.join(root, "etc/hostname"), "utf8").trim()).toBe(
        [a!, b!, c!][i]!.hostname,
      );
      expect(existsSync(path.join(root, "etc/chrony/chrony.conf"))).toBe(true);
      expect(existsSync(path.join(root, "etc/resolv.conf"))).toBe(true);
    }
    // Only the compute node carries nova-compute, so only it has the overcommit snippet.
    expect(
      roots.map((r) => existsSync(path.join(r, "etc/nova/nova.conf.d/50-cairn-overcommit.conf"))),
    ).toEqual([false, true, false]);

    // The nodes follow the task: a successful deploy makes them ready (the runner does this each
    // second; called here directly), with the move in their history.
    expect(await syncNodesAfterTasks(database.db, new Date())).toBe(3);
    const after = await listNodes(
      { db: database.db },
      { limit: 10, sort: "hostname", order: "asc", clusterId },
    );
    expect(after.items.map((n) => n.status)).toEqual(["ready", "ready", "ready"]);
    expect(await syncNodesAfterTasks(database.db, new Date())).toBe(0);

    const again = await run("apply");
    expect(again.task.status, again.lines.join("\n")).toBe("succeeded");
    const summaries = again.lines.filter((l) => /^(no changes|changed \d+ file)/.test(l));
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries.every((l) => l === "no changes")).toBe(true);
  }, 120_000);

  it("after changing only the NTP servers, update-settings runs only the NTP step, and only chrony.conf changes", async () => {
    const ctx = { db: database.db, user: admin };
    const { settings } = await clusterSettings(ctx, clusterId);
    await updateClusterSettings(ctx, {
      id: clusterId,
      settings: { ...settings, ntp: { ...settings.ntp, servers: ["ntp1.example.net"] } },
    });
    const roots = (
      await listNodes({ db: database.db }, { limit: 10, sort: "hostname", order: "asc", clusterId })
    ).items.map((n) => labNodeDirs(dirs.dir, n.hostname).root);
    const resolvBefore = roots.map((r) => readFileSync(path.join(r, "etc/resolv.conf"), "utf8"));

    const update = await run("apply", "update-settings");
    expect(update.task.status, update.lines.join("\n")).toBe("succeeded");
    const ran = update.steps.filter((s) => s.status === "succeeded").map((s) => s.stepId);
    expect([...new Set(ran)]).toEqual(["ntp"]);
    const skipped = update.steps.filter((s) => s.status === "skipped");
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.every((s) => s.reason?.code === "settings-unchanged")).toBe(true);
    // The controller syncs from the external servers; the other nodes from the controller, so
    // only the controller's file changes.
    expect(readFileSync(path.join(roots[0]!, "etc/chrony/chrony.conf"), "utf8")).toContain(
      "ntp1.example.net",
    );
    expect(update.lines.filter((l) => l === "changed /etc/chrony/chrony.conf")).toHaveLength(1);
    for (const [i, root] of roots.entries())
      expect(readFileSync(path.join(root, "etc/resolv.conf"), "utf8")).toBe(resolvBefore[i]);
  }, 120_000);

  it("steps get the cluster's saved networks and each node's planned addresses: /etc/hosts names the planned management addresses", async () => {
    const members = (
      await listNodes({ db: database.db }, { limit: 10, sort: "hostname", order: "asc", clusterId })
    ).items;
    // What the wizard's networks step stores: the networks, and the addresses IPAM planned.
    await database.db
      .update(clusters)
      .set({
        networks: [
          { name: "management", cidr: "10.99.0.0/24", vlan: null, mtu: 1500, ranges: [], vips: [] },
        ],
      })
      .where(eq(clusters.id, clusterId));
    for (const [i, n] of members.entries())
      await database.db
        .update(nodes)
        .set({ addresses: { management: `10.99.0.${11 + i}` } })
        .where(eq(nodes.id, n.id));
    const deploy = await run("apply");
    expect(deploy.task.status, deploy.lines.join("\n")).toBe("succeeded");
    for (const n of members) {
      const hosts = readFileSync(
        path.join(labNodeDirs(dirs.dir, n.hostname).root, "etc/hosts"),
        "utf8",
      );
      for (const i of members.keys()) expect(hosts).toContain(`10.99.0.${11 + i}`);
      expect(hosts).toMatch(new RegExp(`10\\.99\\.0\\.\\d+\\s+${members[0]!.hostname}`));
    }
  }, 120_000);
});
