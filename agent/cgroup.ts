/**
 * cgroup v2 containment for step attempts. A cgroup is the only thing that still catches a process
 * that left the attempt's process group with setsid; `cgroup.kill` (kernel ≥ 5.14) kills every
 * member atomically, so nothing can fork its way out while we iterate.
 *
 * The v2 hierarchy lives at /sys/fs/cgroup/unified on hybrid hosts and at /sys/fs/cgroup on pure-v2
 * hosts; we detect which one is present instead of assuming.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const CGROUP_V2_CANDIDATES = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"] as const;
/** Parent of all attempt cgroups, so an operator can see (and clean) everything Cairn created. */
export const CAIRN_CGROUP_DIR = "cairn";

export interface AttemptCgroup {
  path: string;
  procsFile: string;
  /** false on kernels before 5.14: we then SIGKILL the listed members one by one. */
  hasKillFile: boolean;
}

export type CgroupSetup = { ok: true; cgroup: AttemptCgroup } | { ok: false; reason: string };

/** The mounted cgroup v2 root, or null. A v1 controller mount has no `cgroup.controllers`. */
export function findCgroupV2Root(candidates: readonly string[] = CGROUP_V2_CANDIDATES): string | null {
  for (const dir of candidates) {
    if (existsSync(join(dir, "cgroup.controllers")) && existsSync(join(dir, "cgroup.procs"))) return dir;
  }
  return null;
}

function safeName(attemptId: string): string {
  const cleaned = attemptId.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");
  return cleaned.slice(0, 200) || "attempt";
}

/**
 * Creates `<root>/cairn/<attemptId>` and checks that we may move processes into it. Any failure is
 * returned as a reason (not thrown): the caller falls back to process-group containment.
 */
export function createAttemptCgroup(attemptId: string, root: string | null = findCgroupV2Root()): CgroupSetup {
  if (root === null) return { ok: false, reason: "no cgroup v2 hierarchy mounted" };
  const path = join(root, CAIRN_CGROUP_DIR, safeName(attemptId));
  try {
    mkdirSync(path, { recursive: true });
  } catch (e) {
    return { ok: false, reason: `cannot create ${path}: ${(e as Error).message}` };
  }
  const procsFile = join(path, "cgroup.procs");
  try {
    accessSync(procsFile, constants.W_OK);
  } catch (e) {
    removeCgroup(path);
    return { ok: false, reason: `${procsFile} is not writable: ${(e as Error).message}` };
  }
  if (cgroupPids(path).length > 0) {
    // A leftover cgroup from an earlier run with the same id still holds processes; reusing it
    // would make this attempt wait for (and kill) someone else's processes.
    return { ok: false, reason: `${path} already holds processes` };
  }
  return { ok: true, cgroup: { path, procsFile, hasKillFile: existsSync(join(path, "cgroup.kill")) } };
}

/** Live members. Exited tasks leave cgroup.procs at exit, so zombies are not listed. */
export function cgroupPids(path: string): number[] {
  let text: string;
  try {
    text = readFileSync(join(path, "cgroup.procs"), "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
}

export function signalCgroup(path: string, signal: NodeJS.Signals): void {
  for (const pid of cgroupPids(path)) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone between listing and signalling.
    }
  }
}

export function killCgroup(cg: AttemptCgroup): void {
  if (cg.hasKillFile) {
    try {
      writeFileSync(join(cg.path, "cgroup.kill"), "1");
      return;
    } catch {
      // Fall through to per-pid SIGKILL.
    }
  }
  signalCgroup(cg.path, "SIGKILL");
}

/** rmdir succeeds only once the cgroup is empty; returns whether the directory is gone. */
export function removeCgroup(path: string): boolean {
  try {
    rmdirSync(path);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT";
  }
}
