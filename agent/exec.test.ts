import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { CAIRN_CGROUP_DIR, createAttemptCgroup, findCgroupV2Root, removeCgroup } from "./cgroup";
import { isAlive, runAttempt, type LogBatch } from "./exec";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C" };

let n = 0;
const attemptId = (label: string) => `test-${process.pid}-${label}-${n++}`;

/** Probe by actually creating (and removing) a cgroup, the same way runAttempt does. */
const cgroupAvailable = (() => {
  const probe = createAttemptCgroup(`probe-${process.pid}`);
  if (!probe.ok) return false;
  removeCgroup(probe.cgroup.path);
  return true;
})();

function pidsFrom(batches: LogBatch[]): Map<string, number> {
  const pids = new Map<string, number>();
  for (const b of batches) {
    if (b.stream !== "stdout") continue;
    for (const line of b.lines) {
      const m = /^pid (\S+) (\d+)$/.exec(line);
      if (m) pids.set(m[1]!, Number(m[2]));
    }
  }
  return pids;
}

/** Live processes running the fixtures' marker command `sleep 987`. */
function markerSleeps(): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, "utf8") === "sleep\u0000987\u0000" && isAlive(Number(name))) {
        out.push(Number(name));
      }
    } catch {
      // Process exited while we listed /proc.
    }
  }
  return out;
}

const TREE_ROLES = ["child", "shell", "grandchild", "inner-shell", "great-grandchild", "main"];

afterAll(() => {
  expect(markerSleeps()).toEqual([]);
  const root = findCgroupV2Root();
  if (root) {
    const dir = join(root, CAIRN_CGROUP_DIR);
    const ours = existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith(`test-${process.pid}-`)) : [];
    expect(ours).toEqual([]);
  }
});

describe("runAttempt", () => {
  it("streams stdout/stderr lines in ordered batches and reports a non-zero exit as failed", async () => {
    const batches: LogBatch[] = [];
    const run = runAttempt({
      attemptId: attemptId("lines"),
      command: [fixture("lines.sh")],
      env,
      timeoutMs: 5000,
      graceMs: 300,
      onBatch: (b) => batches.push(b),
    });
    const r = await run.result;

    expect(r.status).toBe("failed");
    expect(r.exitCode).toBe(3);
    expect(r.signal).toBeNull();
    expect(r.remainingProcesses).toBe(0);
    expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i));
    expect(batches.every((b) => b.lines.length > 0 && b.lines.length <= 100)).toBe(true);
    const out = batches.filter((b) => b.stream === "stdout").flatMap((b) => b.lines);
    const err = batches.filter((b) => b.stream === "stderr").flatMap((b) => b.lines);
    expect(out).toEqual(Array.from({ length: 250 }, (_, i) => `out ${i + 1}`));
    expect(err).toEqual(["err 1", "err 2", "err 3", "err 4", "err 5"]);
    // 250 lines cannot fit one batch: the 100-line flush must have cut them.
    expect(batches.filter((b) => b.stream === "stdout").length).toBeGreaterThanOrEqual(3);
  });

  it("succeeds on exit 0 and kills background processes the step left behind", async () => {
    const r = await runAttempt({
      attemptId: attemptId("strays"),
      command: ["bash", "-c", "sleep 987 & echo started"],
      env,
      timeoutMs: 5000,
      graceMs: 300,
    }).result;
    expect(r.status).toBe("succeeded");
    expect(r.exitCode).toBe(0);
    expect(r.straysKilled).toBe(1);
    expect(r.remainingProcesses).toBe(0);
    expect(markerSleeps()).toEqual([]);
  });

  it("kill-tree: a tree that ignores SIGTERM and outlives its deadline is timed_out and fully gone", async () => {
    const batches: LogBatch[] = [];
    const run = runAttempt({
      attemptId: attemptId("tree"),
      command: [fixture("tree.sh"), "--ignore-term"],
      env,
      timeoutMs: 500,
      graceMs: 300,
      onBatch: (b) => batches.push(b),
    });
    const r = await run.result;

    expect(r.status).toBe("timed_out");
    expect(r.killReason).toContain("500 ms");
    expect(r.remainingProcesses).toBe(0);
    // SIGTERM was ignored, so only the SIGKILL after the grace period ended it.
    expect(r.signal).toBe("SIGKILL");
    expect(r.durationMs).toBeGreaterThanOrEqual(800);
    const pids = pidsFrom(batches);
    expect([...pids.keys()].sort()).toEqual([...TREE_ROLES].sort());
    const alive = [...pids].filter(([, pid]) => isAlive(pid));
    expect(alive).toEqual([]);
  });

  it("kill('cancel') mid-run reports cancelled and leaves no process", async () => {
    const batches: LogBatch[] = [];
    let resolveSeen: () => void = () => {};
    const seen = new Promise<void>((r) => (resolveSeen = r));
    const run = runAttempt({
      attemptId: attemptId("cancel"),
      command: [fixture("tree.sh")],
      env,
      timeoutMs: 20_000,
      graceMs: 300,
      onBatch: (b) => {
        batches.push(b);
        if (pidsFrom(batches).has("main")) resolveSeen();
      },
    });
    await seen;
    run.kill("cancel");
    const r = await run.result;

    expect(r.status).toBe("cancelled");
    expect(r.killReason).toBe("cancel");
    expect(r.remainingProcesses).toBe(0);
    // The tree honours SIGTERM here, so it ends well before the grace period would run out.
    expect(r.signal).toBe("SIGTERM");
    const pids = pidsFrom(batches);
    expect(pids.size).toBe(TREE_ROLES.length);
    expect([...pids].filter(([, pid]) => isAlive(pid))).toEqual([]);
  });

  it.skipIf(!cgroupAvailable)(
    "with a cgroup, a setsid escapee is killed too (needs a writable cgroup v2; skipped where not available)",
    async () => {
      const batches: LogBatch[] = [];
      const run = runAttempt({
        attemptId: attemptId("setsid"),
        command: [fixture("tree.sh"), "--setsid"],
        env,
        timeoutMs: 500,
        graceMs: 300,
        onBatch: (b) => batches.push(b),
      });
      expect(run.containment).toBe("cgroup");
      const r = await run.result;

      expect(r.status).toBe("timed_out");
      expect(r.containment).toBe("cgroup");
      expect(r.remainingProcesses).toBe(0);
      const pids = pidsFrom(batches);
      expect(pids.has("escapee")).toBe(true);
      expect([...pids].filter(([, pid]) => isAlive(pid))).toEqual([]);
      const root = findCgroupV2Root()!;
      expect(readdirSync(join(root, CAIRN_CGROUP_DIR)).filter((d) => d.includes("-setsid-"))).toEqual([]);
    },
  );

  it("process-group fallback: warns, still kills the group, and cannot catch a setsid escapee", async () => {
    const batches: LogBatch[] = [];
    const run = runAttempt({
      attemptId: attemptId("pgroup"),
      command: [fixture("tree.sh"), "--setsid"],
      env,
      timeoutMs: 500,
      graceMs: 300,
      useCgroup: false,
      onBatch: (b) => batches.push(b),
    });
    const r = await run.result;
    const pids = pidsFrom(batches);
    const escapee = pids.get("escapee");
    try {
      expect(r.status).toBe("timed_out");
      expect(r.containment).toBe("process-group");
      expect(r.containmentWarning).toMatch(/setsid/);
      expect(r.remainingProcesses).toBe(0);
      expect([...pids].filter(([role, pid]) => role !== "escapee" && isAlive(pid))).toEqual([]);
      // This is why the cgroup matters: the escapee left the group and survived the group kill.
      expect(escapee !== undefined && isAlive(escapee)).toBe(true);
    } finally {
      if (escapee !== undefined && isAlive(escapee)) process.kill(escapee, "SIGKILL");
    }
  });

  it("falls back to the process group when no cgroup v2 root exists", async () => {
    const r = await runAttempt({
      attemptId: attemptId("noroot"),
      command: ["bash", "-c", "exit 0"],
      env,
      timeoutMs: 2000,
      cgroupRoot: null,
    }).result;
    expect(r.status).toBe("succeeded");
    expect(r.containment).toBe("process-group");
    expect(r.containmentWarning).toMatch(/no cgroup v2 hierarchy/);
  });
});
