import { Command, CommanderError } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeGateway } from "../agent/testing/fake-gateway";
import { FAST, tempDir } from "../agent/testing/harness";
import { startLabFleet } from "../agent/lab";
import { registerLabCommand, type LabCommandDeps } from "./lab";

let gateway: FakeGateway;
let dir: string;
let cleanup: () => void;

beforeEach(async () => {
  gateway = await FakeGateway.start({ heartbeatSeconds: 1, pollSeconds: 1 });
  ({ dir, cleanup } = tempDir("lab-cli"));
});
afterEach(async () => {
  await gateway.close();
  cleanup();
});

/** Runs `cairn lab …` in-process; the fleet stops once `stopWhen` holds. */
async function lab(args: string[], stopWhen: () => boolean = () => true) {
  const out: string[] = [];
  const err: string[] = [];
  let code = -1;
  const deps: Partial<LabCommandDeps> = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    setExitCode: (c) => (code = c),
    start: (opts) => startLabFleet({ ...opts, agent: FAST }),
    waitForStop: () => gateway.waitFor(stopWhen, 8000, "the lab to be ready to stop"),
  };
  const program = new Command("cairn")
    .exitOverride()
    .configureOutput({ writeErr: (s) => err.push(s), writeOut: (s) => out.push(s) });
  registerLabCommand(program, deps);
  try {
    await program.parseAsync(["lab", ...args], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    code = 2;
  }
  return { code, out, err };
}

describe("cairn lab", () => {
  it("starts N lab nodes, says when they are registered, and stops them on the signal", async () => {
    const { code, out } = await lab(
      [
        "--nodes",
        "3",
        "--server",
        gateway.url,
        "--token",
        gateway.bootstrapToken,
        "--dir",
        dir,
        "--profile",
        "small",
      ],
      // Every node heartbeating: each has registered and started its loops.
      () =>
        gateway.nodes.size === 3 &&
        [...gateway.nodes.values()].every((n) => n.lastHeartbeatAt !== null),
    );
    expect(code).toBe(0);
    expect(out).toEqual([
      `Starting 3 lab node(s) (profile small) in ${dir}`,
      `3 of 3 lab node(s) registered with ${gateway.url}; Ctrl+C stops them`,
      "Stopping the lab nodes…",
      "Lab nodes stopped",
    ]);
    expect(
      [...gateway.nodes.values()].every((n) => n.lab && n.hardware.memoryBytes === 32 * 1024 ** 3),
    ).toBe(true);
  });

  it("passes --fail-once steps to the fleet", async () => {
    let failOnce: readonly string[] | undefined;
    const program = new Command("cairn").exitOverride();
    registerLabCommand(program, {
      out: () => {},
      err: () => {},
      setExitCode: () => {},
      waitForStop: async () => {},
      start: async (opts) => {
        failOnce = opts.failOnce;
        return startLabFleet({ ...opts, agent: FAST });
      },
    });
    await program.parseAsync(
      ["lab", "--nodes", "1", "--server", gateway.url, "--token", gateway.bootstrapToken].concat([
        "--dir",
        dir,
        "--fail-once",
        "ntp, services",
      ]),
      { from: "user" },
    );
    expect(failOnce).toEqual(["ntp", "services"]);
  });

  it("exits 1 with the reason when no node can register", async () => {
    const { code, err } = await lab(
      ["--nodes", "2", "--server", gateway.url, "--token", "wrong", "--dir", dir],
      () => false,
    );
    expect(code).toBe(1);
    expect(err.join("\n")).toMatch(/bootstrap token/);
    expect(err.at(-1)).toMatch(/^No lab node could register with/);
  });

  it("refuses bad options before starting anything", async () => {
    for (const args of [
      ["--nodes", "0"],
      ["--nodes", "2", "--fail-rate", "1.5"],
      ["--nodes", "2", "--profile", "huge"],
      ["--nodes", "2", "--slow", "-1"],
      ["--nodes", "2", "--fail-once", "NTP step"],
    ]) {
      const { code, err } = await lab([
        ...args,
        "--server",
        gateway.url,
        "--token",
        "t",
        "--dir",
        dir,
      ]);
      expect(code).toBe(2);
      expect(err.join("")).toMatch(/--nodes|--fail-rate|--profile|--slow|--fail-once/);
    }
    expect(gateway.nodes.size).toBe(0);
  });
});
