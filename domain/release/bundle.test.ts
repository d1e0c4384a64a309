import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OPERATIONS, parseBundle } from "./bundle";

const DIR = path.resolve(import.meta.dirname, "../../releases/cairn-2026.1");

function read(dir: string, base = dir, out = new Map<string, string>()) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) read(full, base, out);
    else if (!name.endsWith(".test.ts"))
      out.set(path.relative(base, full), readFileSync(full, "utf8"));
  }
  return out;
}

const builtIn = () => read(DIR);
const edit = (files: Map<string, string>, file: string, from: string | RegExp, to: string) => {
  const text = files.get(file)!;
  const next = text.replace(from, to);
  if (next === text) throw new Error(`edit of ${file} changed nothing`);
  files.set(file, next);
  return files;
};
const issuesOf = (files: Map<string, string>) => {
  const r = parseBundle("cairn-2026.1", files);
  if (r.ok) throw new Error("expected the bundle to be refused");
  return r.issues;
};

describe("the built-in release", () => {
  it("is valid: every operation has its graph, every script exists, the sequence names real graphs", () => {
    const r = parseBundle("cairn-2026.1", builtIn());
    if (!r.ok) throw new Error(r.issues.map((i) => i.message.en).join("\n"));
    expect(Object.keys(r.bundle.graphs).sort()).toEqual([...OPERATIONS].sort());
    expect(r.bundle.sequences.map((s) => [s.name, s.graphs])).toEqual([
      ["deploy-changes", ["verify-network", "remove-node", "provision", "deploy"]],
    ]);
    expect(r.bundle.manifest.notes?.en).toContain("prints the exact command lines");
  });
});

describe("a malformed bundle is refused with the file, the step and the field", () => {
  it("a cycle", () => {
    const files = edit(
      builtIn(),
      "graphs/deploy.yaml",
      "requires: [hostname]\n  - id: dns",
      "requires: [hostname, services]\n  - id: dns",
    );
    const [cycle] = issuesOf(files).filter((i) => i.code === "cycle");
    expect(cycle?.file).toBe("cairn-2026.1/graphs/deploy.yaml");
    expect(cycle?.message.en).toContain("ntp");
    expect(cycle?.message.en).toContain("services");
  });

  it("an unknown step", () => {
    const files = edit(builtIn(), "graphs/deploy.yaml", "requires: [kernel]", "requires: [kernal]");
    const [unknown] = issuesOf(files);
    expect(unknown).toMatchObject({
      code: "unknown-reference",
      file: "cairn-2026.1/graphs/deploy.yaml",
      stepId: "overcommit",
      path: "steps[4].requires[0]",
    });
    expect(unknown?.hint?.en).toContain("kernel");
  });

  it("a bad selector", () => {
    const files = edit(
      builtIn(),
      "graphs/deploy.yaml",
      "selector: { services: [nova-compute] }",
      "selector: { roles: [compute-node] }",
    );
    const [bad] = issuesOf(files);
    expect(bad).toMatchObject({
      code: "unknown-role",
      stepId: "overcommit",
      path: "steps[4].selector.roles[0]",
    });
    expect(bad?.message["zh-CN"]).toContain("compute-node");
  });

  it("a missing script", () => {
    const files = builtIn();
    files.delete("steps/ntp.ts");
    const missing = issuesOf(files).filter((i) => i.path.endsWith(".script"));
    expect(missing.map((i) => [i.file, i.stepId])).toEqual([
      ["cairn-2026.1/graphs/deploy.yaml", "ntp"],
      ["cairn-2026.1/graphs/update-settings.yaml", "ntp"],
    ]);
    expect(missing[0]?.message.en).toBe(
      "cairn-2026.1/graphs/deploy.yaml: step ntp runs steps/ntp.ts, which is not in the release.",
    );
  });

  it("a missing operation, and a manifest whose id is not its folder", () => {
    const files = builtIn();
    files.delete("graphs/verify-network.yaml");
    edit(files, "release.yaml", "id: cairn-2026.1", "id: cairn-2026.2");
    const messages = issuesOf(files).map((i) => i.message.en);
    expect(messages).toContain(
      "cairn-2026.1/graphs/verify-network.yaml is missing: every release defines the verify-network operation.",
    );
    expect(messages).toContain(
      "cairn-2026.1/release.yaml: id is cairn-2026.2, but the release folder is cairn-2026.1.",
    );
  });

  it("settings defaults outside the settings schema", () => {
    const files = edit(
      builtIn(),
      "release.yaml",
      "reservedHostMemoryMiB: 4096",
      "reservedHostMemoryMiB: lots",
    );
    const [bad] = issuesOf(files);
    expect(bad?.file).toBe("cairn-2026.1/release.yaml");
    expect(bad?.path).toBe("settings.defaults.overcommit.reservedHostMemoryMiB");
  });
});
