/**
 * Two real engine processes on one PostgreSQL; one is killed with SIGKILL mid-attempt. The other
 * must finish the task: the dead one's attempt is lost once its heartbeat lapses and is retried,
 * no step runs twice at once, none is lost or duplicated, and timers keep firing (the sweep lock
 * passes to the survivor). PGlite is one process by design, so this needs TEST_DATABASE_URL.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../db/client";
import { getTask, listStepAttempts, listTaskSteps } from "../../db/queries/engine";
import { testDatabases } from "../../test/databases";
import { newCluster, planFor } from "../../test/engine-fixtures";
import { launchTask } from "./executor";
import { until } from "../../test/until";

const postgres = testDatabases().find((d) => d.name === "postgres");
const ROOT = path.resolve(import.meta.dirname, "../..");

function replica(url: string, nodes: string[]) {
  const child = spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", "test/engine-replica.ts", url, ...nodes],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  const lines: string[] = [];
  child.stdout.on("data", (b: Buffer) => lines.push(...String(b).split("\n").filter(Boolean)));
  child.stderr.on("data", (b: Buffer) => process.stderr.write(b));
  return { child, lines };
}

describe.skipIf(!postgres)("two engine replicas, one killed with SIGKILL", () => {
  let database: Database & { drop(): Promise<void> };
  let url: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    database = await postgres!.open();
    // The replicas connect to the same fresh database the test opened.
    const base = new URL(process.env.TEST_DATABASE_URL!);
    base.pathname = database.location.replace(/^.*\//, "/");
    url = base.toString();
  });
  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    await database.drop();
  });

  it("finishes the task with no attempt lost or run twice", async () => {
    const clusterId = await newCluster(database.db, "replicas");
    const nodes = ["r-n1", "r-n2", "r-n3", "r-n4"];
    const retry = { maxAttempts: 3, initialIntervalSeconds: 1 };
    // A chain long enough (8 × ~0.5 s per node) that A still has work when B is up, even when a
    // loaded machine takes seconds to start B.
    const ids = ["a", "b", "c", "d", "e", "f", "g", "h"];
    const plan = planFor(
      ids.map((id, i) => ({ id, retry, ...(i > 0 ? { requires: [ids[i - 1]!] } : {}) })),
      nodes,
    );
    const { task } = await launchTask(database.db, {
      clusterId,
      kind: "deploy",
      plan,
      mode: "noop",
      intent: { kind: "deploy" },
      actor: "test",
      now: new Date(),
    });

    // A starts first (and so holds the sweep lock) serving the agents of two nodes; B serves all
    // four, as agents reconnect to the survivor when their replica dies.
    const a = replica(url, nodes.slice(0, 2));
    children.push(a.child);
    await until("replica A to start working", () => a.lines.some((l) => l.startsWith("working")));
    const b = replica(url, nodes);
    children.push(b.child);
    await until("replica B to start working", () => b.lines.some((l) => l.startsWith("working")));
    // Kill A while it is in the middle of an attempt (after it said "working", before "done").
    const victim = await until("replica A to be mid-attempt", () => {
      const working = a.lines.filter((l) => l.startsWith("working")).map((l) => l.split(" ")[1]);
      const done = new Set(a.lines.filter((l) => l.startsWith("done")).map((l) => l.split(" ")[1]));
      return working.find((id) => !done.has(id));
    });
    a.child.kill("SIGKILL");

    const final = await until("the task to end", async () => {
      const t = await getTask(database.db, { id: task.id });
      return t && ["succeeded", "failed", "cancelled"].includes(t.status) ? t : undefined;
    });
    b.child.kill("SIGTERM");
    expect(final.status).toBe("succeeded");

    const steps = await listTaskSteps(database.db, { taskId: task.id });
    expect(steps.filter((s) => s.kind === "step").every((s) => s.status === "succeeded")).toBe(
      true,
    );
    let lost = 0;
    for (const s of steps) {
      const history = await listStepAttempts(database.db, { stepId: s.id });
      // Exactly one success per step, and attempt numbers 1..n without gaps or repeats.
      expect(history.filter((h) => h.status === "succeeded")).toHaveLength(1);
      expect(history.map((h) => h.number)).toEqual(history.map((_, i) => i + 1));
      for (const h of history) {
        expect(["succeeded", "lost"]).toContain(h.status);
        if (h.status === "lost") lost++;
        if (h.id === victim) expect(h.status).toBe("lost");
      }
    }
    expect(lost).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
