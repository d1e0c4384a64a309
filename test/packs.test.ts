/**
 * Content packs end to end on a database: install (validated, stored whole), the effective bundle
 * plans use, the step bundler serving the stored files (not the disk), and removal — refused while
 * a task runs or nodes carry the pack's role, otherwise a cleanup task on exactly the nodes where
 * the pack's steps ran, whose script still runs after the pack is gone.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../db/client";
import { clusters, nodes, steps, tasks } from "../db/schema";
import { contentPacks } from "../db/schema/packs";
import { CairnError } from "../domain/errors";
import type { PackIssue } from "../domain/release/pack";
import { expandPlan } from "../domain/taskgraph/plan";
import { sampleInput, listTree } from "../releases/cairn-2026.1/steps/testing";
import type { SessionUser } from "../server/auth";
import { launchTask } from "../server/engine/executor";
import type { ServiceContext } from "../server/services/context";
import { installPack, releasePacks, uninstallPack } from "../server/services/packs";
import { effectiveBundle, PACKS_DIR } from "../server/services/releases";
import { stepScript } from "../server/services/step-bundles";
import { testDatabases } from "./databases";
import { newCluster } from "./engine-fixtures";

const RELEASE = "cairn-2026.1";
const PACK = "monitoring-agent";
const admin: SessionUser = { id: "u", email: "admin@example.com", name: "Admin", role: "admin" };

async function refusal(promise: Promise<unknown>): Promise<CairnError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof CairnError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}
const issuesOf = (e: CairnError) => (e.details?.issues ?? []) as PackIssue[];

/** A copy of the packs folder to edit; `dispose` removes it. */
function packsCopy() {
  const dir = mkdtempSync(path.join(tmpdir(), "cairn-packs-"));
  cpSync(PACKS_DIR, dir, { recursive: true });
  return {
    dir,
    edit(rel: string, from: string, to: string) {
      const file = path.join(dir, PACK, rel);
      const text = readFileSync(file, "utf8");
      if (!text.includes(from)) throw new Error(`${rel} has no ${from}`);
      writeFileSync(file, text.replace(from, to));
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Runs a bundled step module as the agent would: node, CAIRN_INPUT, CAIRN_ROOT, CAIRN_MODE. */
function runBundled(content: string, input: unknown, root: string) {
  const dir = mkdtempSync(path.join(tmpdir(), "cairn-bundled-"));
  try {
    const file = path.join(dir, "step.mjs");
    writeFileSync(file, content);
    writeFileSync(path.join(dir, "input.json"), JSON.stringify(input));
    return spawnSync(process.execPath, [file], {
      encoding: "utf8",
      env: {
        ...process.env,
        CAIRN_INPUT: path.join(dir, "input.json"),
        CAIRN_ROOT: root,
        CAIRN_MODE: "apply",
      },
      timeout: 60_000,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(testDatabases())("content packs on $name", (target) => {
  let database: Database & { drop(): Promise<void> };
  let ctx: ServiceContext;
  const rows = () =>
    database.db.select({ id: contentPacks.id }).from(contentPacks).orderBy(contentPacks.id);

  beforeAll(async () => {
    database = await target.open();
    ctx = { db: database.db, user: admin };
  });
  afterAll(async () => {
    await database.drop();
  });

  it("refuses an unknown pack, a pack for another release and a broken pack, storing nothing", async () => {
    const unknown = await refusal(installPack(ctx, { releaseId: RELEASE, packId: "nagios" }));
    expect(unknown.code).toBe("pack.unknown");
    expect(unknown.localized.en).toContain("monitoring-agent");

    const copy = packsCopy();
    try {
      copy.edit("pack.yaml", "releases: [cairn-2026.1]", "releases: [cairn-2027.1]");
      const other = await refusal(installPack(ctx, { releaseId: RELEASE, packId: PACK }, copy.dir));
      expect(other.code).toBe("pack.invalid");
      expect(issuesOf(other).map((i) => [i.code, i.file, i.path])).toEqual([
        ["release-mismatch", "packs/monitoring-agent/pack.yaml", "releases"],
      ]);
      copy.edit("pack.yaml", "releases: [cairn-2027.1]", "releases: [cairn-2026.1]");
      copy.edit("graphs/deploy.yaml", "requires: [hostname]", "requires: [hostnam]");
      const broken = await refusal(
        installPack(ctx, { releaseId: RELEASE, packId: PACK }, copy.dir),
      );
      expect(broken.localized["zh-CN"]).toContain("monitoring-agent");
      const [issue] = issuesOf(broken);
      expect([issue?.file, issue?.stepId, issue?.path]).toEqual([
        "packs/monitoring-agent/graphs/deploy.yaml",
        "monitoring-agent",
        "steps[0].requires[0]",
      ]);
    } finally {
      copy.dispose();
    }
    expect(await rows()).toEqual([]);
  });

  it("serves the pack's steps from the files stored at install, whatever the disk holds", async () => {
    const copy = packsCopy();
    try {
      await installPack(ctx, { releaseId: RELEASE, packId: PACK }, copy.dir);
      // The folder changes after the install: nodes still get what was installed.
      copy.edit("steps/collectd-conf.ts", "FQDNLookup false", "FQDNLookup bogus");
      const script = await stepScript(database.db, {
        releaseId: RELEASE,
        script: "packs/monitoring-agent/steps/collectd.ts",
      });
      expect(script?.path).toBe("packs/monitoring-agent/steps/collectd.mjs");
      expect(script?.content).toContain("cairn content pack monitoring-agent 1.0.0");
      expect(script?.content).not.toContain("FQDNLookup bogus");

      const root = mkdtempSync(path.join(tmpdir(), "cairn-pack-root-"));
      try {
        const input = sampleInput({ topology: "split", node: 3 });
        input.cluster.settings = {
          ...input.cluster.settings,
          packs: { [PACK]: { interval: 20, servers: ["127.0.0.1"] } },
        };
        const run = runBundled(script!.content, input, root);
        expect(run.status, run.stderr).toBe(0);
        expect(run.stdout).toContain("created /etc/collectd/collectd.conf");
        const conf = readFileSync(path.join(root, "etc/collectd/collectd.conf"), "utf8");
        expect(conf).toContain("Interval 20\n");
        expect(conf).toContain("FQDNLookup false\n");
        const again = runBundled(script!.content, input, root);
        expect(again.stdout).toContain("no changes");
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
      // A release's own step is still bundled from the release.
      const ntp = await stepScript(database.db, { releaseId: RELEASE, script: "steps/ntp.ts" });
      expect(ntp?.content).toContain("cairn release step steps/ntp.ts");
      expect(
        await stepScript(database.db, { releaseId: RELEASE, script: "packs/other/steps/x.ts" }),
      ).toBeNull();
    } finally {
      copy.dispose();
    }
    const removed = await uninstallPack(ctx, { releaseId: RELEASE, packId: PACK });
    expect(removed.cleanup).toEqual([]);
    expect(await rows()).toEqual([]);
  });

  it("install stores the pack whole; plans and catalogs see it; a second install is refused", async () => {
    const installed = await installPack(ctx, { releaseId: RELEASE, packId: PACK });
    expect(installed.pack.roles.map((r) => r.name)).toEqual(["monitoring-agent"]);
    expect(installed.installedBy).toBe(admin.email);
    const [row] = await database.db.select().from(contentPacks);
    expect(row?.releaseId).toBe(RELEASE);
    expect(row?.version).toBe("1.0.0");
    expect(Object.keys(row?.files ?? {}).sort()).toEqual([
      "graphs/deploy.yaml",
      "graphs/remove-node.yaml",
      "graphs/update-settings.yaml",
      "pack.yaml",
      "steps/cleanup.ts",
      "steps/collectd-conf.ts",
      "steps/collectd.ts",
    ]);
    expect((row?.manifest as { settings: Record<string, unknown> }).settings).toHaveProperty(
      "interval",
    );

    const bundle = await effectiveBundle(database.db, RELEASE);
    expect(bundle.graphs.deploy.steps.map((s) => s.id)).toContain("monitoring-agent");
    expect(bundle.catalog.roles.map((r) => r.name)).toContain("monitoring-agent");

    const again = await refusal(installPack(ctx, { releaseId: RELEASE, packId: PACK }));
    expect(issuesOf(again)[0]?.code).toBe("duplicate-pack");

    const view = await releasePacks(ctx, RELEASE);
    expect(view.installed.map((p) => p.pack.id)).toEqual([PACK]);
    expect(view.available.find((a) => a.id === PACK)).toMatchObject({
      installed: true,
      installable: false,
    });
  });

  it("remove: refused while a task runs and while nodes carry the role; then cleans where the step ran", async () => {
    const clusterId = await newCluster(database.db, `packs-${target.name}`);
    const [cluster] = await database.db
      .select({ regionId: clusters.regionId })
      .from(clusters)
      .where(eq(clusters.id, clusterId));
    const node = async (hostname: string, roles: string[]) => {
      const [row] = await database.db
        .insert(nodes)
        .values({
          regionId: cluster!.regionId,
          clusterId,
          machineId: `m-${hostname}-${target.name}`,
          hostname,
          arch: "x86_64",
          status: "ready",
          roles,
          hardware: {} as never,
          cores: 8,
          threads: 16,
          memoryBytes: 64 * 2 ** 30,
          diskCount: 2,
          agentVersion: "test",
          credentialHash: `h-${hostname}-${target.name}`,
        })
        .returning({ id: nodes.id });
      return row!.id;
    };
    const monitored = await node("mon-1", ["controller", PACK]);
    const plain = await node("plain-1", ["compute"]);
    const bundle = await effectiveBundle(database.db, RELEASE);
    const plan = expandPlan(bundle.graphs.deploy, {
      nodes: [
        { id: monitored, roles: ["controller", PACK], services: ["collectd-agent"] },
        { id: plain, roles: ["compute"] },
      ],
      changedSettings: [],
      intentKind: "deploy",
    });
    const { task } = await launchTask(database.db, {
      clusterId,
      kind: "deploy",
      plan,
      mode: "apply",
      intent: {},
      actor: admin.email,
      now: new Date(),
    });

    const busy = await refusal(uninstallPack(ctx, { releaseId: RELEASE, packId: PACK }));
    expect(busy.code).toBe("pack.busy");
    expect(busy.localized.en).toContain(task.id);
    expect(busy.hint?.en).toContain("fetch each step's script when it starts");

    // The deploy ran the pack's step on the monitored node, then ended.
    await database.db
      .update(steps)
      .set({ attempts: 1, status: "succeeded" })
      .where(eq(steps.key, `monitoring-agent@${monitored}`));
    await database.db
      .update(tasks)
      .set({ status: "succeeded", endedAt: new Date() })
      .where(eq(tasks.id, task.id));

    const inUse = await refusal(uninstallPack(ctx, { releaseId: RELEASE, packId: PACK }));
    expect(inUse.code).toBe("pack.in-use");
    expect(inUse.localized.en).toContain("mon-1");
    expect(inUse.localized["zh-CN"]).toContain("monitoring-agent");
    expect(await rows()).toEqual([{ id: PACK }]);

    await database.db
      .update(nodes)
      .set({ roles: ["controller"] })
      .where(eq(nodes.id, monitored));
    const removed = await uninstallPack(ctx, { releaseId: RELEASE, packId: PACK });
    expect(removed.cleanup).toEqual([
      { clusterId, cluster: "c", taskId: expect.any(String), nodes: 1 },
    ]);
    expect(await rows()).toEqual([]);
    const after = await effectiveBundle(database.db, RELEASE);
    expect(after.graphs.deploy.steps.map((s) => s.id)).not.toContain("monitoring-agent");
    expect(after.packs).toEqual([]);

    const cleanupTaskId = removed.cleanup[0]!.taskId;
    const [cleanupTask] = await database.db
      .select({ kind: tasks.kind, status: tasks.status, intent: tasks.intent })
      .from(tasks)
      .where(eq(tasks.id, cleanupTaskId));
    expect(cleanupTask?.kind).toBe("remove-pack");
    const cleanupSteps = await database.db
      .select({ key: steps.key, script: steps.script, status: steps.status })
      .from(steps)
      .where(eq(steps.taskId, cleanupTaskId));
    expect(cleanupSteps).toEqual([
      {
        key: `cleanup@${monitored}`,
        script: "packs/monitoring-agent/steps/cleanup.ts",
        status: "ready",
      },
    ]);

    // The pack is gone from the database, but its cleanup is served from the task's copy.
    const script = "packs/monitoring-agent/steps/cleanup.ts";
    expect(await stepScript(database.db, { releaseId: RELEASE, script })).toBeNull();
    const served = await stepScript(database.db, {
      releaseId: RELEASE,
      script,
      intent: cleanupTask?.intent,
    });
    expect(served?.path).toBe("packs/monitoring-agent/steps/cleanup.mjs");
    const root = mkdtempSync(path.join(tmpdir(), "cairn-pack-root-"));
    try {
      await mkdir(path.join(root, "etc/collectd"), { recursive: true });
      await writeFile(
        path.join(root, "etc/collectd/collectd.conf"),
        "# Managed by Cairn: local changes are overwritten on the next deploy.\nInterval 10\n",
      );
      const run = runBundled(served!.content, sampleInput({ topology: "split", node: 0 }), root);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain("removed /etc/collectd/collectd.conf");
      expect(await listTree(root)).toEqual(["etc/", "etc/collectd/"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
