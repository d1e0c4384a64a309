import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostsFile } from "../../../domain/release/host/hosts";
import hostnameStep from "./hostname";
import { listTree, readUnder, runStepIn, sampleInput, SAMPLE_DOMAIN, tempRoot } from "./testing";

let root: string;
let dispose: () => Promise<void>;
beforeEach(async () => ({ root, dispose } = await tempRoot()));
afterEach(() => dispose());

describe("step hostname", () => {
  it("apply writes the node's name and every node's management address; again changes nothing", async () => {
    const input = sampleInput({ topology: "split", node: 3 });
    const first = await runStepIn(hostnameStep, input, root);
    expect(first.ctx.changes).toEqual([
      { path: "/etc/hostname", change: "created" },
      { path: "/etc/hosts", change: "created" },
    ]);
    expect(await readUnder(root, "etc/hostname")).toBe("lab-0004\n");
    const hosts = await readUnder(root, "etc/hosts");
    expect(hosts).toBe(hostsFile({ domain: SAMPLE_DOMAIN, nodes: input.nodes }));
    expect(hosts).toContain(
      "10.20.0.11\tlab-0001.cloud.example.com lab-0001\n10.20.0.12\tlab-0002.cloud.example.com lab-0002\n",
    );
    expect(hosts.match(/^10\.20\.0\.\d+\t/gm)).toHaveLength(6);

    const second = await runStepIn(hostnameStep, input, root);
    expect(second.ctx.changes.map((c) => c.change)).toEqual(["unchanged", "unchanged"]);
    expect(second.lines).toEqual([]);
  });

  it("noop on a fresh root prints the diff and writes nothing", async () => {
    const { lines, ctx } = await runStepIn(hostnameStep, sampleInput({ mode: "noop" }), root);
    expect(ctx.changes.map((c) => c.change)).toEqual(["created", "created"]);
    expect(lines).toContain("would create /etc/hostname:");
    expect(lines).toContain("+lab-0001");
    expect(lines).toContain("would create /etc/hosts:");
    expect(lines).toContain("+10.20.0.16\tlab-0006.cloud.example.com lab-0006");
    expect(await listTree(root)).toEqual([]);
  });

  it("removing a node removes exactly its line", async () => {
    const before = sampleInput({ node: 0 });
    await runStepIn(hostnameStep, before, root);
    const old = await readUnder(root, "etc/hosts");
    const removed = before.nodes[5]!;
    const after = sampleInput({ node: 0 });
    after.nodes = after.nodes.slice(0, 5);
    after.changes.removedNodes = [removed];

    const preview = await runStepIn(
      hostnameStep,
      { ...after, task: { ...after.task, mode: "noop" } },
      root,
    );
    expect(preview.lines.filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      "-10.20.0.16\tlab-0006.cloud.example.com lab-0006",
    ]);

    const { ctx } = await runStepIn(hostnameStep, after, root);
    expect(ctx.changes).toEqual([
      { path: "/etc/hostname", change: "unchanged" },
      { path: "/etc/hosts", change: "changed" },
    ]);
    const now = await readUnder(root, "etc/hosts");
    expect(now).toBe(old.replace("10.20.0.16\tlab-0006.cloud.example.com lab-0006\n", ""));
  });

  it("writes IPv6 management addresses", async () => {
    await runStepIn(hostnameStep, sampleInput({ family: 6, node: 2 }), root);
    expect(await readUnder(root, "etc/hosts")).toContain(
      "fd00:20::13\tlab-0003.cloud.example.com lab-0003\n",
    );
  });

  it("a bad domain fails the step, naming the setting, and writes nothing", async () => {
    const input = sampleInput({ dns: { domain: "cloud example.com" } });
    await expect(runStepIn(hostnameStep, input, root)).rejects.toThrow(/^settings\.dns\.domain: /);
    expect(await listTree(root)).toEqual([]);
  });
});
