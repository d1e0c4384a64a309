import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { labNode } from "../domain/lab/inventory";
import { credentialPath } from "./agent";
import { EXIT_FATAL, EXIT_OK, EXIT_USAGE, run, type AgentCliIo } from "./main";
import { FakeGateway } from "./testing/fake-gateway";
import { FAST, tempDir } from "./testing/harness";

let gateway: FakeGateway;
let dir: string;
let cleanup: () => void;

beforeEach(async () => {
  gateway = await FakeGateway.start({ heartbeatSeconds: 1, pollSeconds: 1 });
  ({ dir, cleanup } = tempDir("agent-cli"));
});
afterEach(async () => {
  await gateway.close();
  cleanup();
});

/** Runs the CLI with captured output; `until` decides when to send the stop signal. */
async function cli(
  args: string[],
  until?: (out: string[]) => boolean,
  env: Record<string, string> = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const stop = new AbortController();
  const io: Partial<AgentCliIo> = {
    out: (line) => {
      out.push(line);
      if (until?.(out)) stop.abort();
    },
    err: (line) => err.push(line),
    env,
    signal: stop.signal,
    agent: {
      ...FAST,
      hardware: labNode(0).hardware,
      machineId: labNode(0).hardware.uuid!,
      hostname: "lab-0001",
    },
  };
  const code = await run(["node", "cairn-agent", ...args], io);
  return { code, out, err };
}

describe("cairn-agent", () => {
  it("prints its usage with --help and exits 0", async () => {
    const { code, out } = await cli(["--help"]);
    expect(code).toBe(EXIT_OK);
    const help = out.join("\n");
    for (const option of [
      "--server <url>",
      "--token <token>",
      "--root <dir>",
      "--state-dir <dir>",
      "--heartbeat <seconds>",
    ])
      expect(help).toContain(option);
  });

  it("exits 2 on bad usage, naming the option", async () => {
    const missing = await cli([]);
    expect(missing.code).toBe(EXIT_USAGE);
    expect(missing.err.join("\n")).toMatch(/--server/);
    const badUrl = await cli(["--server", "cairn.example"]);
    expect(badUrl.code).toBe(EXIT_USAGE);
    expect(badUrl.err.join("\n")).toMatch(/http:\/\/ or https:\/\/|URL/);
  });

  it("registers, prints one line per event, stops cleanly on the signal and exits 0", async () => {
    const stateDir = path.join(dir, "state");
    const { code, out } = await cli(
      [
        "--server",
        gateway.url,
        "--token",
        gateway.bootstrapToken,
        "--root",
        dir,
        "--state-dir",
        stateDir,
      ],
      (lines) => lines.some((l) => l.startsWith("Registered as node")),
    );
    expect(code).toBe(EXIT_OK);
    expect(out).toEqual([
      "Registered as node node-1 in region region-1",
      "Stopping: running steps are stopped, unsent reports flushed…",
      "Stopped",
    ]);
    expect(existsSync(credentialPath(stateDir))).toBe(true);
  });

  it("takes the token from CAIRN_AGENT_TOKEN and speaks Chinese when asked", async () => {
    const stateDir = path.join(dir, "state");
    const { code, out } = await cli(
      ["--server", gateway.url, "--state-dir", stateDir, "--root", dir, "--lang", "zh-CN"],
      (lines) => lines.length > 0,
      { CAIRN_AGENT_TOKEN: gateway.bootstrapToken },
    );
    expect(code).toBe(EXIT_OK);
    expect(out[0]).toBe("已注册为节点 node-1（区域 region-1）");
  });

  it("exits 1 with what to do when it has neither a credential nor a token", async () => {
    const { code, err } = await cli([
      "--server",
      gateway.url,
      "--state-dir",
      path.join(dir, "empty"),
      "--root",
      dir,
    ]);
    expect(code).toBe(EXIT_FATAL);
    expect(err.join("\n")).toMatch(
      /^Cannot continue: no credential in .* start the agent with --token/m,
    );
  });
});
