import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { novaOvercommitConf } from "../../../domain/release/host/nova";
import overcommitStep from "./overcommit";
import { listTree, readUnder, runStepIn, sampleInput, tempRoot } from "./testing";

const NOVA = "/etc/nova/nova.conf.d/50-cairn-overcommit.conf";

let root: string;
let dispose: () => Promise<void>;
beforeEach(async () => ({ root, dispose } = await tempRoot()));
afterEach(() => dispose());

describe("step overcommit", () => {
  it("apply writes the nova snippet on a compute node; again changes nothing", async () => {
    const input = sampleInput({
      topology: "split",
      node: 4,
      overcommit: { cpu: 8, reservedHostCpus: 2 },
    });
    const first = await runStepIn(overcommitStep, input, root);
    expect(first.ctx.changes).toEqual([{ path: NOVA, change: "created" }]);
    const text = await readUnder(root, NOVA);
    expect(text).toBe(
      novaOvercommitConf({
        hostname: "lab-0005",
        roles: ["compute"],
        overcommit: input.cluster.settings.overcommit,
        hardware: input.node.hardware,
      }),
    );
    const threads = input.node.hardware.cpu.threads;
    expect(text).toContain(
      `vCPUs = (${threads} logical CPUs - 2 reserved) x 8.0 = ${(threads - 2) * 8}\n`,
    );
    expect(text).toContain(
      "[DEFAULT]\ncpu_allocation_ratio = 8.0\nram_allocation_ratio = 1.0\ndisk_allocation_ratio = 1.0\n",
    );
    expect(text).toContain("reserved_host_memory_mb = 4096\n");
    expect(text).toContain("reserved_host_cpus = 2\n");

    const second = await runStepIn(overcommitStep, input, root);
    expect(second.ctx.changes).toEqual([{ path: NOVA, change: "unchanged" }]);
  });

  it("writes nothing on controllers and storage nodes", async () => {
    for (const node of [0, 5]) {
      const { ctx } = await runStepIn(
        overcommitStep,
        sampleInput({ topology: "split", node }),
        root,
      );
      expect(ctx.changes).toEqual([{ path: NOVA, change: "absent" }]);
    }
    expect(await listTree(root)).toEqual([]);
  });

  it("noop on a fresh root prints the diff and writes nothing; after a ratio change, the changed line", async () => {
    const fresh = await runStepIn(overcommitStep, sampleInput({ node: 3, mode: "noop" }), root);
    expect(fresh.lines[0]).toBe(`would create ${NOVA}:`);
    expect(fresh.lines).toContain("+cpu_allocation_ratio = 4.0");
    expect(await listTree(root)).toEqual([]);

    await runStepIn(overcommitStep, sampleInput({ node: 3 }), root);
    const changed = await runStepIn(
      overcommitStep,
      sampleInput({ node: 3, mode: "noop", overcommit: { cpu: 6 } }),
      root,
    );
    expect(changed.lines.filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      expect.stringMatching(/^-# {3}vCPUs = .* x 4\.0 = \d+$/),
      expect.stringMatching(/^\+# {3}vCPUs = .* x 6\.0 = \d+$/),
      "-cpu_allocation_ratio = 4.0",
      "+cpu_allocation_ratio = 6.0",
    ]);
  });

  it("removes its snippet from a node that no longer runs nova-compute, and only its own", async () => {
    const hci = sampleInput({ node: 3 });
    await runStepIn(overcommitStep, hci, root);
    const storage = sampleInput({
      node: 3,
      roles: [["controller"], ["controller"], ["controller"], ["storage"]],
    });
    const { ctx } = await runStepIn(overcommitStep, storage, root);
    expect(ctx.changes).toEqual([{ path: NOVA, change: "removed" }]);

    await mkdir(path.dirname(path.join(root, NOVA)), { recursive: true });
    await writeFile(path.join(root, NOVA), "[DEFAULT]\ncpu_allocation_ratio = 2.0\n");
    const foreign = await runStepIn(overcommitStep, storage, root);
    expect(foreign.ctx.changes).toEqual([]);
    expect(foreign.lines).toEqual([`left ${NOVA} in place: Cairn did not write it`]);
  });

  it("a ratio nova cannot use fails the step, naming the setting, and writes nothing", async () => {
    const input = sampleInput({ node: 3, overcommit: { ram: 0 } });
    await expect(runStepIn(overcommitStep, input, root)).rejects.toThrow(
      /^settings\.overcommit\.ram: /,
    );
    expect(await listTree(root)).toEqual([]);
  });
});
