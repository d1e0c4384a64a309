import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parsePack } from "../../../../domain/release/pack";
import { packStep } from "../../../sdk/pack";
import {
  listTree,
  readUnder,
  runStepIn,
  sampleInput,
  tempRoot,
} from "../../../cairn-2026.1/steps/testing";
import cleanupStep from "./cleanup";
import monitoringStep from "./collectd";
import { COLLECTD_CONF_PATH, collectdConf } from "./collectd-conf";

const PACK_DIR = path.resolve(import.meta.dirname, "..");
const CONF = COLLECTD_CONF_PATH;
const hasCollectd = spawnSync("sh", ["-c", "command -v collectd"]).status === 0;
if (!hasCollectd)
  console.warn(
    "collectd.test.ts: collectd is not installed (apt install collectd-core); its checks are skipped",
  );

function packFiles(dir = PACK_DIR, base = dir, out = new Map<string, string>()) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) packFiles(full, base, out);
    else if (!name.endsWith(".test.ts"))
      out.set(path.relative(base, full).split(path.sep).join("/"), readFileSync(full, "utf8"));
  }
  return out;
}
const parsed = parsePack("monitoring-agent", packFiles());
if (!parsed.ok) throw new Error(parsed.issues.map((i) => i.message.en).join("\n"));
const manifest = parsed.pack.manifest;
/** The step as the server ships it: wrapped with the pack's declared settings. */
const step = packStep(
  { id: manifest.id, version: manifest.version, settings: manifest.settings },
  monitoringStep,
);
const cleanup = packStep(
  { id: manifest.id, version: manifest.version, settings: manifest.settings },
  cleanupStep,
);

/** A step input whose cluster settings hold the pack's values. */
function input(
  options: { mode?: "apply" | "noop"; node?: number; pack?: Record<string, unknown> } = {},
) {
  const base = sampleInput({ topology: "split", node: options.node ?? 3, mode: options.mode });
  if (options.pack)
    base.cluster.settings = { ...base.cluster.settings, packs: { [manifest.id]: options.pack } };
  return base;
}

let root: string;
let dispose: () => Promise<void>;
beforeEach(async () => ({ root, dispose } = await tempRoot()));
afterEach(() => dispose());

/** Runs collectd's own check on a file: parses it, loads and configures every plugin. */
function collectdCheck(file: string) {
  return spawnSync("collectd", ["-T", "-B", "-C", file], { encoding: "utf8", timeout: 30_000 });
}

describe("content pack monitoring-agent: step monitoring-agent", () => {
  const settings = { interval: 30, servers: ["127.0.0.1", "[::1]:25827"] };

  it("apply writes collectd.conf from the pack's settings; again changes nothing", async () => {
    const given = input({ pack: settings });
    const first = await runStepIn(step, given, root);
    expect(first.ctx.changes).toEqual([{ path: `/${CONF}`, change: "created" }]);
    const text = await readUnder(root, CONF);
    expect(text).toBe(
      collectdConf({
        hostname: given.node.hostname,
        settings,
        pack: { id: "monitoring-agent", version: manifest.version },
      }),
    );
    expect(text.startsWith("# Managed by Cairn")).toBe(true);
    expect(text).toContain(`Hostname "${given.node.hostname}"\n`);
    expect(text).toContain("Interval 30\n");
    expect(text).toContain('  Server "127.0.0.1" "25826"\n  Server "::1" "25827"\n');
    expect(await listTree(root)).toEqual(["etc/", "etc/collectd/", "etc/collectd/collectd.conf"]);

    const second = await runStepIn(step, given, root);
    expect(second.ctx.changes).toEqual([{ path: `/${CONF}`, change: "unchanged" }]);
    expect(second.lines).not.toContain(`changed /${CONF}`);
  });

  it("uses the declared defaults when the cluster has no value for the pack", async () => {
    await runStepIn(step, input(), root);
    const text = await readUnder(root, CONF);
    expect(text).toContain("Interval 10\n");
    expect(text).not.toContain("LoadPlugin network");
    expect(text).toContain("No server is set (packs.monitoring-agent.servers)");
  });

  it("noop prints a diff and writes nothing, on an empty root and after a settings change", async () => {
    const fresh = await runStepIn(step, input({ mode: "noop", pack: settings }), root);
    expect(fresh.lines).toContain(`would create /${CONF}:`);
    expect(fresh.lines).toContain("+Interval 30");
    expect(await listTree(root)).toEqual([]);

    await runStepIn(step, input({ pack: settings }), root);
    const before = await readUnder(root, CONF);
    const changed = await runStepIn(
      step,
      input({ mode: "noop", pack: { ...settings, interval: 60 } }),
      root,
    );
    expect(changed.lines).toContain(`would change /${CONF}:`);
    expect(changed.lines).toContain("-Interval 30");
    expect(changed.lines).toContain("+Interval 60");
    expect(changed.ctx.changes).toEqual([{ path: `/${CONF}`, change: "changed" }]);
    expect(await readUnder(root, CONF)).toBe(before);
    expect(await listTree(root)).toEqual(["etc/", "etc/collectd/", "etc/collectd/collectd.conf"]);
  });

  it("settings outside the pack's limits fail the step and name the setting; nothing is written", async () => {
    await expect(
      runStepIn(step, input({ pack: { interval: 0, servers: ["no host!"] } }), root),
    ).rejects.toThrow(
      /settings\.packs\.monitoring-agent\.interval: .*settings\.packs\.monitoring-agent\.servers/,
    );
    await expect(
      runStepIn(step, input({ pack: { servers: ["metrics.example.com:70000"] } }), root),
    ).rejects.toThrow(/servers\[0\]: port 70000/);
    expect(await listTree(root)).toEqual([]);
  });

  it("never replaces a collectd.conf that is not Cairn's", async () => {
    const own = "# the collectd package's configuration\nLoadPlugin cpu\n";
    await mkdir(path.join(root, "etc/collectd"), { recursive: true });
    await writeFile(path.join(root, CONF), own);
    await expect(runStepIn(step, input(), root)).rejects.toThrow(/is not Cairn's/);
    expect(await readUnder(root, CONF)).toBe(own);
  });

  it.skipIf(!hasCollectd)(
    "collectd -T accepts the generated files and refuses a broken one",
    async () => {
      for (const pack of [settings, { interval: 10, servers: [] }]) {
        const dir = await mkdtemp(path.join(tmpdir(), "cairn-collectd-test-"));
        const file = path.join(dir, "collectd.conf");
        const text = collectdConf({
          hostname: "lab-0004",
          settings: pack,
          pack: { id: "monitoring-agent", version: manifest.version },
        });
        await writeFile(file, text);
        const ok = collectdCheck(file);
        expect(ok.status, ok.stderr).toBe(0);
        // The check is real: an option collectd does not know is refused.
        await writeFile(file, text.replace("IgnoreSelected true", "IgnoreSelect true"));
        const bad = collectdCheck(file);
        expect(bad.status).not.toBe(0);
        expect(bad.stderr).toContain("Parsing the config file failed");
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it("a collectd that refuses the file fails the step, and nothing is written", async () => {
    const bin = await mkdtemp(path.join(tmpdir(), "cairn-bin-"));
    await symlink("/bin/sh", path.join(bin, "sh"));
    const fake = path.join(bin, "collectd");
    await writeFile(fake, '#!/bin/sh\necho "Error: Parsing the config file failed!" >&2\nexit 1\n');
    await chmod(fake, 0o755);
    const saved = process.env.PATH;
    process.env.PATH = bin;
    try {
      await expect(runStepIn(step, input({ pack: settings }), root)).rejects.toThrow(
        /collectd rejected the collectd.conf .*Parsing the config file failed/,
      );
    } finally {
      process.env.PATH = saved;
      await rm(bin, { recursive: true, force: true });
    }
    expect(await listTree(root)).toEqual([]);
  });
});

describe("content pack monitoring-agent: cleanup", () => {
  it("removes only the collectd.conf Cairn wrote; noop shows it and keeps it; again changes nothing", async () => {
    await runStepIn(step, input(), root);
    const noop = await runStepIn(cleanup, input({ mode: "noop" }), root);
    expect(noop.lines).toContain(`would remove /${CONF}`);
    expect(await listTree(root)).toContain(CONF);

    const applied = await runStepIn(cleanup, input(), root);
    expect(applied.ctx.changes).toEqual([{ path: `/${CONF}`, change: "removed" }]);
    expect(await listTree(root)).not.toContain(CONF);
    const again = await runStepIn(cleanup, input(), root);
    expect(again.ctx.changes).toEqual([]);
    expect(again.lines).toContain(`/${CONF} is absent: nothing to clean`);
  });

  it("leaves a collectd.conf that is not Cairn's", async () => {
    const own = "LoadPlugin cpu\n";
    await mkdir(path.join(root, "etc/collectd"), { recursive: true });
    await writeFile(path.join(root, CONF), own);
    const run = await runStepIn(cleanup, input(), root);
    expect(run.lines).toContain(`left /${CONF} in place: it is not Cairn's (no marker)`);
    expect(await readUnder(root, CONF)).toBe(own);
  });
});
