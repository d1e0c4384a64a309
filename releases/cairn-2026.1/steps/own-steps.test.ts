/** verify-network, maintenance and decommission, run through the step SDK against a temp root. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { labNodes } from "../../../domain/lab/inventory";
import { stepContractSchema, type StepContractData } from "../../../domain/release/contract";
import { managedHeader } from "../../../domain/release/host/managed";
import { contextFrom } from "../../sdk/step";
import decommission, { CAIRN_FILES } from "./decommission";
import maintenance from "./maintenance";
import verifyNetwork from "./verify-network";

const hw = labNodes(2, { profile: "small", regionIndex: 9 });
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function input(
  over: { kind?: string; mode?: "apply" | "noop"; addresses?: [string, string] } = {},
) {
  const [a, b] = over.addresses ?? ["10.1.0.11", "10.1.0.12"];
  const peers = hw.map((n, i) => ({
    id: n.id,
    hostname: n.hostname,
    roles: ["compute"],
    addresses: { management: i === 0 ? a : b },
    provisioningMac: n.hardware.nics[0]!.mac,
  }));
  const data: StepContractData = {
    task: { id: "t1", kind: over.kind ?? "deploy", mode: over.mode ?? "apply" },
    step: { id: "s", key: "s@n", attempt: 1 },
    cluster: {
      id: "c1",
      name: "c",
      kind: "split",
      releaseId: "cairn-2026.1",
      settings: {
        ntp: { servers: ["ntp.example.com"] },
        dns: { servers: ["10.1.0.2"], domain: "cloud.internal" },
        dhcp: { start: "10.20.0.100", end: "10.20.0.200" },
        overcommit: { cpu: 4, ram: 1, disk: 1, reservedHostMemoryMiB: 4096 },
      },
      networks: [{ name: "management", cidr: "10.1.0.0/24" }],
    },
    node: { ...peers[0]!, hardware: hw[0]!.hardware },
    nodes: peers,
  };
  return stepContractSchema.parse(data);
}

function run(step: (ctx: ReturnType<typeof contextFrom>) => Promise<void>, i = input()) {
  const root = mkdtempSync(path.join(os.tmpdir(), "cairn-step-"));
  roots.push(root);
  const out: string[] = [];
  const ctx = contextFrom(i, root, (l) => out.push(l));
  return { root, out, ctx, done: step(ctx) };
}

describe("verify-network", () => {
  it("passes good addresses and changes nothing", async () => {
    const r = run(verifyNetwork);
    await r.done;
    expect(r.out.at(-1)).toBe("addresses of 2 node(s) checked: no problem");
    expect(r.ctx.changes).toEqual([]);
  });

  it("fails on an address outside its network and on a duplicate, naming both nodes", async () => {
    const r = run(verifyNetwork, input({ addresses: ["10.9.0.11", "10.9.0.11"] }));
    await expect(r.done).rejects.toThrow("3 address problem(s)");
    expect(r.out).toContain(
      `problem: ${hw[1]!.hostname}: 10.9.0.11 on management is also given to ${hw[0]!.hostname}.`,
    );
    expect(r.out[0]).toBe(
      `problem: ${hw[0]!.hostname}: 10.9.0.11 is not inside the management network 10.1.0.0/24.`,
    );
  });
});

describe("maintenance", () => {
  it("enter writes the marker and prints the nova command on a lab root; again changes nothing; exit removes it", async () => {
    const first = run(maintenance);
    await first.done;
    const marker = path.join(first.root, "etc/cairn/maintenance");
    expect(readFileSync(marker, "utf8")).toContain("is in maintenance");
    expect(first.out).toContain(
      `command: openstack compute service set --disable --disable-reason cairn maintenance ${hw[0]!.hostname} nova-compute`,
    );
    const again = contextFrom(input(), first.root, () => {});
    await maintenance(again);
    expect(again.changes.map((c) => c.change)).toEqual(["unchanged"]);
    const exit = contextFrom(input({ kind: "exit-maintenance" }), first.root, () => {});
    await maintenance(exit);
    expect(existsSync(marker)).toBe(false);
  });

  it("noop shows the diff and writes nothing", async () => {
    const r = run(maintenance, input({ mode: "noop" }));
    await r.done;
    expect(r.out).toContain("would create /etc/cairn/maintenance:");
    expect(existsSync(path.join(r.root, "etc/cairn/maintenance"))).toBe(false);
  });
});

describe("decommission", () => {
  it("removes exactly Cairn's files, and leaves one an administrator took over", async () => {
    const r = run(async (ctx) => {
      for (const f of CAIRN_FILES) await ctx.writeFile(f, `${managedHeader(["test"])}\nx\n`);
      await ctx.writeFile("etc/containerd/config.toml", "# packaged by the distribution\n");
      await ctx.writeFile("etc/keep.conf", "mine\n");
      await decommission(ctx);
    });
    await r.done;
    for (const f of CAIRN_FILES.filter((f) => f !== "etc/containerd/config.toml"))
      expect(existsSync(path.join(r.root, f))).toBe(false);
    expect(readFileSync(path.join(r.root, "etc/containerd/config.toml"), "utf8")).toContain(
      "packaged",
    );
    expect(r.out).toContain(
      "left /etc/containerd/config.toml in place: it is not Cairn's (no marker)",
    );
    expect(readFileSync(path.join(r.root, "etc/keep.conf"), "utf8")).toBe("mine\n");
  });
});

describe("the step SDK's commands", () => {
  it("finds tools in the sbin folders a non-root PATH leaves out, and feeds a command's stdin", () => {
    const { ctx } = run(async () => {});
    const path0 = process.env.PATH;
    process.env.PATH = "/bin:/usr/bin";
    try {
      // sfdisk (fdisk) lives in /usr/sbin or /sbin on Debian; CI installs it.
      expect(ctx.which("sfdisk")).toMatch(/^\/(usr\/)?sbin\/sfdisk$/);
      expect(ctx.has("sfdisk")).toBe(true);
      expect(ctx.which("no-such-tool-cairn")).toBeNull();
      expect(ctx.has("no-such-tool-cairn")).toBe(false);
      expect(ctx.run("cat", [], { inNoop: true, input: "from stdin" })).toBe("from stdin");
    } finally {
      process.env.PATH = path0;
    }
  });
});
