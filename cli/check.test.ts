import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCheck, type CheckIo } from "./check";

const examples = join(import.meta.dirname, "..", "examples");
// Licences expire: the examples are checked as of a fixed date.
const NOW = ["--now", "2026-11-28"];

interface JsonOut {
  findings: {
    id: string;
    severity: string;
    message: string;
    hint: string;
    subjects: unknown;
    params: unknown;
  }[];
}

async function json(file: string, ...extra: string[]) {
  const out = await runCheck([join(examples, file), "--json", ...NOW, ...extra]);
  return { code: out.code, findings: (JSON.parse(out.stdout) as JsonOut).findings };
}

describe("cairn check on the shipped examples", () => {
  it("accepts the valid hyperconverged cluster with no finding at all", async () => {
    const { code, findings } = await json("hci-3-controllers.yaml");
    expect(code).toBe(0);
    expect(findings).toEqual([]);
  });

  it.each([
    ["broken-roles.yaml", ["controllers-odd", "controllers-ha", "role-exclusive", "role-limits"]],
    ["broken-network.yaml", ["networks-no-overlap", "vip-in-subnet"]],
    ["broken-ntp-dns.yaml", ["ntp-hostname-needs-dns", "dns-servers-count", "dns-domain-valid"]],
    [
      "broken-overcommit.yaml",
      ["overcommit-cpu-range", "hci-no-ram-overcommit", "reserved-host-memory-min", "hci-memory-budget"],
    ],
    [
      "broken-hardware.yaml",
      ["host-min-hw-for-role", "compute-virt-extensions", "host-install-disk", "storage-has-osd-disk"],
    ],
    ["broken-license.yaml", ["license-node-limit", "license-expired"]],
    ["broken-ceph.yaml", ["ceph-osd-hosts-vs-replication", "ceph-capacity-after-removal"]],
  ])("%s shows its family and exits 1", async (file, ids) => {
    const { code, findings } = await json(file);
    expect(code).toBe(1);
    const found = new Set(findings.map((f) => f.id));
    for (const id of ids) expect(found, id).toContain(id);
    for (const f of findings) {
      expect(Object.keys(f).sort()).toEqual(["hint", "id", "message", "params", "severity", "subjects"]);
      expect(f.message).not.toMatch(/\{\w+\}/);
    }
  });

  it("says the license numbers the way an operator reads them", async () => {
    const { findings } = await json("broken-license.yaml");
    expect(findings.find((f) => f.id === "license-node-limit")?.message).toBe(
      "Adding 3 nodes needs 12, the license LIC-2025-0007 allows 10.",
    );
    expect(findings.find((f) => f.id === "license-expired")?.params).toMatchObject({
      expiresOn: "2026-06-30",
      days: 151,
    });
  });

  it("speaks Chinese with --lang zh-CN, grouped by severity", async () => {
    const out = await runCheck([join(examples, "broken-roles.yaml"), "--lang", "zh-CN", ...NOW]);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^阻止（3）$/m);
    expect(out.stdout).toMatch(/^警告（1）$/m);
    expect(out.stdout).toContain("[controllers-odd] 2 个控制节点无法容忍任何一个故障");
    expect(out.stdout.indexOf("阻止（3）")).toBeLessThan(out.stdout.indexOf("警告（1）"));
  });

  it("prints a readable English report by default", async () => {
    const out = await runCheck([join(examples, "broken-ceph.yaml"), ...NOW]);
    expect(out.stdout).toContain(
      "Cluster prod in region beijing-1: 9 node(s), release cairn-2026.1, check: remove-nodes",
    );
    expect(out.stdout).toContain(
      "[ceph-capacity-after-removal] After this change Ceph would be 88.9% full (31 TB of 34.9 TB usable)",
    );
    expect(out.stdout).toContain("override: force-unsafe");
    expect(out.stdout).toMatch(/2 blocking, 0 warning\(s\), 0 note\(s\): the operation is refused/);
  });
});

const memoryIo = (files: Record<string, string>, stdin = ""): CheckIo => ({
  readFile: async (path) => {
    if (path in files) return files[path]!;
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  },
  readStdin: async () => stdin,
  now: () => Date.UTC(2026, 10, 28),
});

describe("cairn check on bad input", () => {
  it("exits 2 with the path of the bad field", async () => {
    const valid = await readFile(join(examples, "hci-3-controllers.yaml"), "utf8");
    const broken = valid.replace(
      "{ name: sdc, model: MZ7KH1T9HAJR, sizeTB: 1.92, type: ssd }",
      "{ name: sdc, model: MZ7KH1T9HAJR, type: ssd }",
    );
    const out = await runCheck(["c.yaml"], memoryIo({ "c.yaml": broken }));
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(
      "nodes[3].hardware.disks[2].sizeBytes: give the size as exactly one of sizeBytes, sizeGB or sizeTB",
    );
    const asJson = await runCheck(["c.yaml", "--json"], memoryIo({ "c.yaml": broken }));
    expect(JSON.parse(asJson.stdout)).toEqual({
      issues: [
        {
          path: "nodes[3].hardware.disks[2].sizeBytes",
          message: "give the size as exactly one of sizeBytes, sizeGB or sizeTB",
        },
      ],
    });
  });

  it("exits 2 for a missing file, a YAML syntax error, a missing argument and a bad language", async () => {
    const io = memoryIo({ "bad.yaml": "nodes: [\n  - {hostname: a" });
    const missing = await runCheck(["nope.yaml"], io);
    expect(missing).toMatchObject({ code: 2, stdout: "" });
    expect(missing.stderr).toBe("Cannot read nope.yaml: ENOENT.\n");
    const syntax = await runCheck(["bad.yaml", "--lang", "zh-CN"], io);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/^bad.yaml 不是有效的 YAML 或 JSON/);
    expect((await runCheck([], io)).code).toBe(2);
    expect((await runCheck(["bad.yaml", "--lang", "fr"], io)).code).toBe(2);
    expect((await runCheck(["bad.yaml", "--now", "someday"], io)).code).toBe(2);
  });

  it("reads JSON from standard input", async () => {
    const valid = await readFile(join(examples, "hci-3-controllers.yaml"), "utf8");
    const { parse } = await import("yaml");
    const out = await runCheck(["-", "--json"], memoryIo({}, JSON.stringify(parse(valid))));
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ findings: [] });
  });
});

describe("cairn check --schema", () => {
  it("prints the JSON Schema of the cluster description", async () => {
    const out = await runCheck(["--schema"]);
    expect(out.code).toBe(0);
    const schema = JSON.parse(out.stdout) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(["region", "cluster", "nodes", "networks", "settings", "license", "intent"]),
    );
    expect(schema.required).toEqual(expect.arrayContaining(["region", "cluster", "nodes", "settings"]));
  });
});

describe("the cairn binary", () => {
  it("exits 0 on the valid example and 1 on a broken one", async () => {
    const { spawnSync } = await import("node:child_process");
    const root = join(import.meta.dirname, "..");
    const run = (file: string) =>
      spawnSync(process.execPath, ["bin/cairn.mjs", "check", `examples/${file}`, "--now", "2026-11-28"], {
        cwd: root,
        encoding: "utf8",
      });
    const ok = run("hci-3-controllers.yaml");
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("nothing blocks");
    const broken = run("broken-roles.yaml");
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain("[controllers-odd]");
  });
});
