import { spawnSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { chronyConf } from "../../../domain/release/host/chrony";
import ntpStep from "./ntp";
import { listTree, readUnder, runStepIn, sampleInput, tempRoot } from "./testing";

const CONF = "etc/chrony/chrony.conf";
const hasChronyd = spawnSync("sh", ["-c", "command -v chronyd"]).status === 0;
if (!hasChronyd)
  console.warn(
    "ntp.test.ts: chronyd is not installed (apt install chrony); its checks are skipped",
  );

let root: string;
let dispose: () => Promise<void>;
beforeEach(async () => ({ root, dispose } = await tempRoot()));
afterEach(() => dispose());

/** Runs `body` with only `dirs` to find tools in (PATH replaced, no sbin folders). */
async function withPath<T>(dirs: string[], body: () => Promise<T>): Promise<T> {
  const saved = { path: process.env.PATH, sbin: process.env.CAIRN_SBIN_DIRS };
  process.env.PATH = dirs.join(path.delimiter);
  process.env.CAIRN_SBIN_DIRS = "";
  try {
    return await body();
  } finally {
    process.env.PATH = saved.path;
    if (saved.sbin === undefined) delete process.env.CAIRN_SBIN_DIRS;
    else process.env.CAIRN_SBIN_DIRS = saved.sbin;
  }
}

/** A bin folder holding `sh` and, optionally, a `chronyd` that rejects every file. */
async function fakeBin(
  rejectingChronyd: boolean,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "cairn-bin-"));
  await symlink("/bin/sh", path.join(dir, "sh"));
  if (rejectingChronyd) {
    const script = path.join(dir, "chronyd");
    await writeFile(
      script,
      '#!/bin/sh\necho "Fatal error : Invalid directive at line 9 in file $3" >&2\nexit 1\n',
    );
    await chmod(script, 0o755);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

describe("step ntp", () => {
  it("apply writes chrony.conf for a controller and a client; again changes nothing", async () => {
    for (const node of [0, 4]) {
      const input = sampleInput({ topology: "split", node });
      const first = await runStepIn(ntpStep, input, root);
      expect(first.ctx.changes).toEqual([
        { path: "/etc/chrony/chrony.conf", change: node === 0 ? "created" : "changed" },
      ]);
      const text = await readUnder(root, CONF);
      expect(text).toBe(
        chronyConf({
          ntp: input.cluster.settings.ntp,
          node: input.node,
          nodes: input.nodes,
          networks: input.cluster.networks,
        }),
      );
      if (node === 0) {
        expect(text).toContain("server 10.0.0.123 iburst\nserver ntp1.example.com iburst\n");
        expect(text).toContain("allow 10.20.0.0/24\n");
      } else {
        expect(text).toContain(
          "server 10.20.0.11 iburst\nserver 10.20.0.12 iburst\nserver 10.20.0.13 iburst\n",
        );
        expect(text).not.toContain("allow");
      }
      const second = await runStepIn(ntpStep, input, root);
      expect(second.ctx.changes).toEqual([
        { path: "/etc/chrony/chrony.conf", change: "unchanged" },
      ]);
      // Only the validation left a trace: no temporary file stays next to the real one.
      expect(await listTree(root)).toEqual(["etc/", "etc/chrony/", "etc/chrony/chrony.conf"]);
    }
  });

  it("noop on a fresh root prints the diff and writes nothing", async () => {
    const { lines, ctx } = await runStepIn(ntpStep, sampleInput({ mode: "noop", node: 3 }), root);
    expect(ctx.changes).toEqual([{ path: "/etc/chrony/chrony.conf", change: "created" }]);
    expect(lines).toContain("would create /etc/chrony/chrony.conf:");
    expect(lines).toContain("+server 10.20.0.11 iburst");
    expect(await listTree(root)).toEqual([]);
  });

  it.skipIf(!hasChronyd)("checks the file with chronyd -p, in apply and in noop", async () => {
    const apply = await runStepIn(ntpStep, sampleInput({ node: 0 }), root);
    expect(
      apply.lines.some((l) => /^\$ chronyd -p -f .*chrony\.conf\.cairn-check-\d+$/.test(l)),
    ).toBe(true);
    const noop = await runStepIn(ntpStep, sampleInput({ node: 3, mode: "noop" }), root);
    expect(noop.lines.some((l) => l.startsWith("$ chronyd -p -f "))).toBe(true);
    // The real tool on the installed file, as chrony would read it at start.
    const r = spawnSync("chronyd", ["-p", "-f", path.join(root, CONF)], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("local stratum 10 orphan");
  });

  it.skipIf(!hasChronyd)("chronyd -p accepts the file of every node, IPv4 and IPv6", async () => {
    for (const topology of ["hyperconverged", "split"] as const)
      for (const family of [4, 6] as const)
        for (let node = 0; node < 6; node++) {
          const { root: r, dispose: d } = await tempRoot();
          try {
            await runStepIn(ntpStep, sampleInput({ topology, family, node }), r);
            const check = spawnSync("chronyd", ["-p", "-f", path.join(r, CONF)], {
              encoding: "utf8",
            });
            expect(check.status, `${topology} IPv${family} node ${node}: ${check.stderr}`).toBe(0);
          } finally {
            await d();
          }
        }
  });

  it("an NTP server name with a space fails the step with the setting named, and writes nothing", async () => {
    const input = sampleInput({ ntp: { servers: ["10.0.0.123", "ntp one.example.com"] } });
    await expect(runStepIn(ntpStep, input, root)).rejects.toThrow(
      'settings.ntp.servers[1]: "ntp one.example.com" is neither an IP address nor a host name',
    );
    expect(await listTree(root)).toEqual([]);
  });

  it("a file chronyd rejects fails the step, leaves the current file and no new folder", async () => {
    const bin = await fakeBin(true);
    try {
      await withPath([bin.dir], async () => {
        const failing = runStepIn(ntpStep, sampleInput({ node: 0 }), root);
        await expect(failing).rejects.toThrow(
          /^chronyd rejected the chrony\.conf generated from the NTP settings, so nothing was written: .*Fatal error : Invalid directive at line 9/,
        );
      });
      expect(await listTree(root)).toEqual([]);

      await mkdir(path.join(root, "etc/chrony"), { recursive: true });
      await writeFile(path.join(root, CONF), "pool 2.debian.pool.ntp.org iburst\n");
      await withPath([bin.dir], async () => {
        await expect(runStepIn(ntpStep, sampleInput({ node: 0 }), root)).rejects.toThrow(
          /chronyd rejected/,
        );
        await expect(
          runStepIn(ntpStep, sampleInput({ node: 0, mode: "noop" }), root),
        ).rejects.toThrow(/chronyd rejected/);
      });
      expect(await listTree(root)).toEqual(["etc/", "etc/chrony/", "etc/chrony/chrony.conf"]);
      expect(await readUnder(root, CONF)).toBe("pool 2.debian.pool.ntp.org iburst\n");
    } finally {
      await bin.cleanup();
    }
  });

  it("without chronyd the file is written unchecked, and the log says so", async () => {
    const bin = await fakeBin(false);
    try {
      const { lines, ctx } = await withPath([bin.dir], () =>
        runStepIn(ntpStep, sampleInput({ node: 1 }), root),
      );
      expect(lines[0]).toBe(
        "chronyd is not installed on this machine: chrony.conf is written without a check",
      );
      expect(ctx.changes).toEqual([{ path: "/etc/chrony/chrony.conf", change: "created" }]);
    } finally {
      await bin.cleanup();
    }
  });
});
