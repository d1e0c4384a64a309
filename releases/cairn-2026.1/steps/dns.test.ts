import { afterEach, beforeEach, describe, expect, it } from "vitest";
import dnsStep from "./dns";
import { listTree, readUnder, runStepIn, sampleInput, tempRoot } from "./testing";

let root: string;
let dispose: () => Promise<void>;
beforeEach(async () => ({ root, dispose } = await tempRoot()));
afterEach(() => dispose());

describe("step dns", () => {
  it("apply writes resolv.conf from the DNS settings; again changes nothing", async () => {
    const input = sampleInput({ node: 4 });
    const first = await runStepIn(dnsStep, input, root);
    expect(first.ctx.changes).toEqual([{ path: "/etc/resolv.conf", change: "created" }]);
    const text = await readUnder(root, "etc/resolv.conf");
    expect(text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))).toEqual([
      "search cloud.example.com",
      "nameserver 10.0.0.53",
      "nameserver 10.0.0.54",
    ]);
    const second = await runStepIn(dnsStep, input, root);
    expect(second.ctx.changes).toEqual([{ path: "/etc/resolv.conf", change: "unchanged" }]);
  });

  it("noop on a fresh root prints the diff and writes nothing", async () => {
    const { lines } = await runStepIn(dnsStep, sampleInput({ mode: "noop" }), root);
    expect(lines[0]).toBe("would create /etc/resolv.conf:");
    expect(lines).toContain("+nameserver 10.0.0.53");
    expect(await listTree(root)).toEqual([]);
  });

  it("noop after a settings change shows exactly the changed lines and leaves the file", async () => {
    await runStepIn(dnsStep, sampleInput(), root);
    const before = await readUnder(root, "etc/resolv.conf");
    const servers = ["10.0.0.53", "10.0.0.55", "10.0.0.56", "fd00::53"];
    const { lines } = await runStepIn(
      dnsStep,
      sampleInput({ mode: "noop", dns: { servers } }),
      root,
    );
    expect(lines.filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      "-nameserver 10.0.0.54",
      "+nameserver 10.0.0.55",
      "+nameserver 10.0.0.56",
      "+# Not listed: fd00::53. The resolver reads only the first 3 nameservers;",
      "+# keep at most 3 in the cluster's DNS settings.",
    ]);
    expect(await readUnder(root, "etc/resolv.conf")).toBe(before);
  });

  it("a DNS server given as a name fails the step, naming the setting, and writes nothing", async () => {
    const input = sampleInput({ dns: { servers: ["dns1.example.com"] } });
    await expect(runStepIn(dnsStep, input, root)).rejects.toThrow(/^settings\.dns\.servers\[0\]: /);
    expect(await listTree(root)).toEqual([]);
  });
});
