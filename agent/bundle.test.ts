import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGateway } from "./testing/fake-gateway";
import { tempDir } from "./testing/harness";

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
let dir: string;
let cleanup: () => void;
let bundle: string;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir("bundle"));
  bundle = path.join(dir, "cairn-agent.mjs");
  await run(process.execPath, [path.join(here, "bundle.mjs"), "--outfile", bundle]);
}, 60_000);
afterAll(() => cleanup());

describe("the single-file agent bundle", () => {
  it("runs with plain node, outside the repository: --help and --version", async () => {
    const help = await run(process.execPath, [bundle, "--help"], { cwd: dir });
    expect(help.stdout).toMatch(/^Usage: cairn-agent \[options\]/);
    const version = await run(process.execPath, [bundle, "--version"], { cwd: dir });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("reads this machine's hardware, registers, and exits 0 on SIGTERM", async () => {
    const gateway = await FakeGateway.start();
    try {
      const child = spawn(
        process.execPath,
        [
          bundle,
          "--server",
          gateway.url,
          "--token",
          gateway.bootstrapToken,
          "--root",
          dir,
          "--state-dir",
          path.join(dir, "state"),
        ],
        { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) =>
        child.once("exit", (code) => resolve(code)),
      );
      const hasDisk = readdirSync("/sys/block").some((d) => existsSync(`/sys/block/${d}/device`));
      if (!hasDisk) {
        expect(await exited).toBe(1);
        expect(stderr).toMatch(/at least one disk/);
        return;
      }
      await gateway.waitFor(
        () => gateway.nodes.size === 1,
        15_000,
        "the bundled agent's registration",
      );
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/^Registered as node node-1 in region region-1$/m);
      expect(stdout).toMatch(/^Stopped$/m);
    } finally {
      await gateway.close();
    }
  }, 20_000);
});
