import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { expandPlan } from "../taskgraph/plan";
import { parseBundle, type ReleaseBundle } from "./bundle";
import {
  effectiveSettings,
  mergePack,
  mergePacks,
  packOfScript,
  parsePack,
  removePack,
  resolvePackSettings,
  type ContentPack,
  type PackIssue,
} from "./pack";

const ROOT = path.resolve(import.meta.dirname, "../../releases");

function read(dir: string, base = dir, out = new Map<string, string>()) {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) read(full, base, out);
    else if (!name.endsWith(".test.ts"))
      out.set(path.relative(base, full).split(path.sep).join("/"), readFileSync(full, "utf8"));
  }
  return out;
}

const release = (): ReleaseBundle => {
  const r = parseBundle("cairn-2026.1", read(path.join(ROOT, "cairn-2026.1")));
  if (!r.ok) throw new Error(r.issues.map((i) => i.message.en).join("\n"));
  return r.bundle;
};
const monitoringFiles = () => read(path.join(ROOT, "packs", "monitoring-agent"));
const parsed = (files: Map<string, string>, folder = "monitoring-agent"): ContentPack => {
  const r = parsePack(folder, files);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message.en).join("\n"));
  return r.pack;
};
const edit = (files: Map<string, string>, file: string, from: string | RegExp, to: string) => {
  const text = files.get(file);
  if (text === undefined) throw new Error(`no ${file}`);
  const next = text.replace(from, to);
  if (next === text) throw new Error(`edit of ${file} changed nothing`);
  files.set(file, next);
  return files;
};
const parseIssues = (files: Map<string, string>, folder = "monitoring-agent") => {
  const r = parsePack(folder, files);
  if (r.ok) throw new Error("expected the pack to be refused");
  return r.issues;
};
const mergeIssues = (bundle: ReleaseBundle, pack: ContentPack) => {
  const r = mergePack(bundle, pack);
  if (r.ok) throw new Error("expected the merge to be refused");
  return r.issues;
};
const only = (issues: PackIssue[], code: PackIssue["code"]) => {
  const found = issues.filter((i) => i.code === code);
  expect(found, issues.map((i) => i.message.en).join("\n")).toHaveLength(1);
  return found[0] as PackIssue;
};
/** Every refusal names the file, and in both languages. */
const named = (issue: PackIssue, file: string) => {
  expect(issue.file).toBe(file);
  expect(issue.message.en).toContain(file);
  expect(issue.message["zh-CN"]).toContain(file);
};

describe("the example pack monitoring-agent", () => {
  it("is valid and merges into cairn-2026.1: role, service, setting defaults and steps", () => {
    const base = release();
    const pack = parsed(monitoringFiles());
    expect(pack.manifest.releases).toEqual(["cairn-2026.1"]);
    const r = mergePack(base, pack);
    if (!r.ok) throw new Error(r.issues.map((i) => i.message.en).join("\n"));
    const eff = r.bundle;
    expect(eff.catalog.roles.map((x) => x.name)).toContain("monitoring-agent");
    expect(eff.catalog.services.map((x) => x.name)).toContain("collectd-agent");
    expect(eff.origin.roles["monitoring-agent"]).toBe("monitoring-agent");
    const deploy = eff.graphs.deploy.steps.find((s) => s.id === "monitoring-agent");
    expect(deploy?.script).toBe("packs/monitoring-agent/steps/collectd.ts");
    expect(eff.files.get("packs/monitoring-agent/steps/collectd.ts")).toContain("collectdConf");
    // Release steps are untouched; the pack only adds.
    expect(eff.graphs.deploy.steps.slice(0, base.graphs.deploy.steps.length)).toEqual(
      base.graphs.deploy.steps,
    );
    expect(eff.graphs.ntp).toBeUndefined();
    expect((eff.manifest.settings.defaults as { packs?: Record<string, unknown> }).packs).toEqual({
      "monitoring-agent": { interval: 10, servers: [] },
    });
    expect(eff.manifest.settings.defaults.ntp).toEqual(base.manifest.settings.defaults.ntp);
    expect(packOfScript(deploy?.script ?? "")).toEqual({
      packId: "monitoring-agent",
      rel: "steps/collectd.ts",
    });
  });

  it("plans its step on nodes with its role, after hostname and before services", () => {
    const r = mergePack(release(), parsed(monitoringFiles()));
    if (!r.ok) throw new Error("refused");
    const plan = expandPlan(r.bundle.graphs.deploy, {
      nodes: [
        { id: "n1", roles: ["controller", "monitoring-agent"] },
        { id: "n2", roles: ["compute"] },
      ],
      changedSettings: [],
      intentKind: "deploy",
    });
    const entry = plan.entries.find((e) => e.id === "monitoring-agent@n1");
    expect(entry?.kind === "step" && entry.dependsOn).toEqual(["hostname@n1"]);
    expect(plan.entries.some((e) => e.id === "monitoring-agent@n2")).toBe(false);
    const services = plan.entries.find((e) => e.id === "services@n1");
    expect(services?.dependsOn).toContain("monitoring-agent@n1");
  });

  it("update-settings runs its step only when the pack's settings changed", () => {
    const r = mergePack(release(), parsed(monitoringFiles()));
    if (!r.ok) throw new Error("refused");
    const plan = (changedSettings: string[]) =>
      expandPlan(r.bundle.graphs["update-settings"], {
        nodes: [{ id: "n1", roles: ["controller", "monitoring-agent"] }],
        changedSettings,
        intentKind: "change-settings",
      }).entries.find((e) => e.id === "monitoring-agent@n1");
    const changed = plan(["packs.monitoring-agent.servers"]);
    expect(changed?.kind === "step" && changed.status).toBe("planned");
    const unchanged = plan(["ntp.servers"]);
    expect(unchanged?.kind === "step" && unchanged.status).toBe("skipped");
  });

  it("removing the pack gives the release's own bundle back", () => {
    const base = release();
    const merged = mergePack(base, parsed(monitoringFiles()));
    if (!merged.ok) throw new Error("refused");
    const back = removePack(merged.bundle, "monitoring-agent");
    if (!back.ok) throw new Error("refused");
    expect(back.bundle.packs).toEqual([]);
    expect(back.bundle.graphs).toBe(base.graphs);
    expect(back.bundle.catalog).toBe(base.catalog);
    expect(back.bundle.manifest).toBe(base.manifest);
    expect(back.bundle.files).toBe(base.files);
  });

  it("cluster settings: stored values over the pack's defaults, removed packs dropped", () => {
    const base = release();
    const merged = mergePack(base, parsed(monitoringFiles()));
    if (!merged.ok) throw new Error("refused");
    const stored = {
      ...base.manifest.settings.defaults,
      packs: { "monitoring-agent": { servers: ["10.0.0.5"], stray: 1 }, gone: { x: 1 } },
    };
    expect(effectiveSettings(merged.bundle, stored).packs).toEqual({
      "monitoring-agent": { interval: 10, servers: ["10.0.0.5"] },
    });
    expect(effectiveSettings(merged.bundle, null).packs).toEqual({
      "monitoring-agent": { interval: 10, servers: [] },
    });
    const without = removePack(merged.bundle, "monitoring-agent");
    if (!without.ok) throw new Error("refused");
    expect("packs" in effectiveSettings(without.bundle, stored)).toBe(false);
    const { problems } = resolvePackSettings(
      "monitoring-agent",
      parsed(monitoringFiles()).manifest.settings,
      { interval: 0, servers: ["not a host!"] },
    );
    expect(problems.map((p) => p.path)).toEqual([
      "packs.monitoring-agent.interval",
      "packs.monitoring-agent.servers",
    ]);
  });
});

describe("a pack is refused with the file, the step and the field", () => {
  const MANIFEST = "packs/monitoring-agent/pack.yaml";
  const DEPLOY = "packs/monitoring-agent/graphs/deploy.yaml";

  it("a step id of the release (a pack cannot override it)", () => {
    const pack = parsed(
      edit(monitoringFiles(), "graphs/deploy.yaml", "id: monitoring-agent", "id: ntp"),
    );
    const issue = only(mergeIssues(release(), pack), "duplicate-id");
    named(issue, DEPLOY);
    expect(issue.stepId).toBe("ntp");
    expect(issue.path).toBe("steps[0].id");
    expect(issue.message.en).toContain("release cairn-2026.1");
    expect(issue.message.en).toContain("cannot replace");
  });

  it("a role or a service of the release", () => {
    const files = edit(
      monitoringFiles(),
      "pack.yaml",
      "- name: monitoring-agent",
      "- name: compute",
    );
    const issue = only(mergeIssues(release(), parsed(files)), "collision");
    named(issue, MANIFEST);
    expect(issue.path).toBe("catalog.roles[0].name");
    expect(issue.message.en).toContain("role compute");
    const services = edit(
      monitoringFiles(),
      "pack.yaml",
      "- name: collectd-agent",
      "- name: ceph-osd",
    );
    edit(services, "pack.yaml", "services: [collectd-agent]", "services: [ceph-osd]");
    const svc = only(mergeIssues(release(), parsed(services)), "collision");
    expect(svc.path).toBe("catalog.services[0].name");
    expect(svc.message["zh-CN"]).toContain("服务 ceph-osd");
  });

  it("a setting another pack already holds (settings are namespaced by pack id)", () => {
    const base = release();
    const first = mergePack(base, parsed(monitoringFiles()));
    if (!first.ok) throw new Error("refused");
    // A second pack claiming the same namespace is the same pack: refused as installed already.
    expect(only(mergeIssues(first.bundle, parsed(monitoringFiles())), "duplicate-pack").path).toBe(
      "id",
    );
    // A pack whose namespace someone holds (here: forged defaults) is refused per setting.
    const forged = {
      ...base,
      manifest: {
        ...base.manifest,
        settings: {
          defaults: { ...base.manifest.settings.defaults, packs: { other: {} } },
        },
      },
    } as ReleaseBundle;
    const files = edit(monitoringFiles(), "pack.yaml", "id: monitoring-agent", "id: other");
    const issue = mergeIssues(forged, parsed(files, "other")).find((i) => i.code === "collision");
    expect(issue?.path).toBe("settings.interval");
    expect(issue?.message.en).toContain("packs.other.interval");
  });

  it("an unknown graph", () => {
    const files = monitoringFiles();
    files.set(
      "graphs/upgrade.yaml",
      files.get("graphs/deploy.yaml")!.replace("name: deploy", "name: upgrade"),
    );
    const issue = only(mergeIssues(release(), parsed(files)), "unknown-graph");
    named(issue, "packs/monitoring-agent/graphs/upgrade.yaml");
    expect(issue.path).toBe("name");
    expect(issue.hint?.en).toContain("deploy");
  });

  it("requires an unknown step", () => {
    const files = edit(
      monitoringFiles(),
      "graphs/deploy.yaml",
      "requires: [hostname]",
      "requires: [hostnme]",
    );
    const issue = only(mergeIssues(release(), parsed(files)), "unknown-reference");
    named(issue, DEPLOY);
    expect(issue.stepId).toBe("monitoring-agent");
    expect(issue.path).toBe("steps[0].requires[0]");
    expect(issue.message.en).toContain("hostnme");
  });

  it("a selector naming a role nobody defines, a condition naming an unknown setting", () => {
    const files = edit(
      monitoringFiles(),
      "graphs/update-settings.yaml",
      "settings: [packs.monitoring-agent]",
      "settings: [packs.monitoring-agent.intervall, ntpp]",
    );
    edit(files, "graphs/deploy.yaml", "roles: [monitoring-agent]", "roles: [monitoring]");
    const issues = mergeIssues(release(), parsed(files));
    const role = only(issues, "unknown-role");
    expect(role.path).toBe("steps[0].selector.roles[0]");
    const settings = issues.filter((i) => i.code === "unknown-setting");
    expect(settings.map((i) => [i.file, i.stepId, i.path])).toEqual([
      [
        "packs/monitoring-agent/graphs/update-settings.yaml",
        "monitoring-agent",
        "steps[0].condition.settings[0]",
      ],
      [
        "packs/monitoring-agent/graphs/update-settings.yaml",
        "monitoring-agent",
        "steps[0].condition.settings[1]",
      ],
    ]);
  });

  it("a cycle that appears only after the merge", () => {
    // hostname → monitoring-agent (requiredFor) and monitoring-agent → hostname (requires).
    const files = edit(
      monitoringFiles(),
      "graphs/deploy.yaml",
      "requiredFor: [services]",
      "requiredFor: [hostname]",
    );
    const pack = parsed(files);
    const issue = only(mergeIssues(release(), pack), "cycle");
    named(issue, DEPLOY);
    expect(issue.stepId).toBe("monitoring-agent");
    expect(issue.message.en).toMatch(
      /hostname → monitoring-agent → hostname|monitoring-agent → hostname → monitoring-agent/,
    );
  });

  it("a missing script, and a pack with steps but no cleanup", () => {
    const files = monitoringFiles();
    files.delete("steps/collectd.ts");
    const missing = parseIssues(files).filter((i) => i.code === "unknown-reference");
    expect(missing.map((i) => [i.file, i.stepId, i.path])).toEqual([
      [DEPLOY, "monitoring-agent", "steps[0].script"],
      ["packs/monitoring-agent/graphs/update-settings.yaml", "monitoring-agent", "steps[0].script"],
    ]);
    const noCleanup = edit(monitoringFiles(), "pack.yaml", /\ncleanup:[\s\S]*$/, "\n");
    const issue = only(parseIssues(noCleanup), "missing-cleanup");
    named(issue, MANIFEST);
    expect(issue.path).toBe("cleanup");
    const badCleanup = edit(
      monitoringFiles(),
      "pack.yaml",
      "script: steps/cleanup.ts",
      "script: steps/gone.ts",
    );
    expect(only(parseIssues(badCleanup), "unknown-reference").path).toBe("cleanup.script");
  });

  it("a pack for another release", () => {
    const files = edit(
      monitoringFiles(),
      "pack.yaml",
      "releases: [cairn-2026.1]",
      "releases: [cairn-2027.1]",
    );
    const issue = only(mergeIssues(release(), parsed(files)), "release-mismatch");
    named(issue, MANIFEST);
    expect(issue.path).toBe("releases");
  });

  it("schema problems name the field; a default outside its own limits is refused", () => {
    const files = edit(monitoringFiles(), "pack.yaml", "default: 10", "default: 0");
    edit(files, "graphs/deploy.yaml", "type: shell", "type: shel");
    const issues = parseIssues(files);
    expect(issues.map((i) => [i.file, i.path])).toEqual(
      expect.arrayContaining([
        [MANIFEST, "settings.interval.default"],
        [DEPLOY, "steps[0].type"],
      ]),
    );
    expect(issues.find((i) => i.path === "steps[0].type")?.stepId).toBe("monitoring-agent");
    expect(issues.find((i) => i.path === "settings.interval.default")?.message.en).toContain(
      "min, max",
    );
    expect(parseIssues(monitoringFiles(), "elsewhere")[0]?.path).toBe("id");
  });

  it("removing a pack another pack builds on is refused, naming the other pack", () => {
    const base = release();
    const monitoring = parsed(monitoringFiles());
    const extra = parsed(
      new Map([
        [
          "pack.yaml",
          [
            "id: extra",
            'version: "1"',
            "description: { en: Extra, zh-CN: 额外 }",
            "releases: [cairn-2026.1]",
            "cleanup: { script: steps/undo.sh }",
          ].join("\n"),
        ],
        [
          "graphs/deploy.yaml",
          [
            "name: deploy",
            "steps:",
            "  - id: extra-after-monitoring",
            "    type: shell",
            "    script: steps/run.sh",
            "    selector: { roles: [monitoring-agent] }",
            "    requires: [monitoring-agent]",
          ].join("\n"),
        ],
        ["steps/run.sh", "#!/bin/sh\n"],
        ["steps/undo.sh", "#!/bin/sh\n"],
      ]),
      "extra",
    );
    // Without monitoring-agent the extra pack has nothing to stand on.
    expect(mergeIssues(base, extra).map((i) => i.code)).toEqual(
      expect.arrayContaining(["unknown-reference", "unknown-role"]),
    );
    const both = mergePacks(base, [monitoring, extra]);
    if (!both.ok) throw new Error(both.issues.map((i) => i.message.en).join("\n"));
    const refused = removePack(both.bundle, "monitoring-agent");
    if (refused.ok) throw new Error("expected a refusal");
    expect(refused.issues[0]?.code).toBe("depended-on");
    expect(refused.issues[0]?.message.en).toContain("pack extra needs");
    expect(refused.issues[0]?.hint?.en).toBe("Remove pack extra first.");
    const fine = removePack(both.bundle, "extra");
    expect(fine.ok && fine.bundle.packs.map((p) => p.manifest.id)).toEqual(["monitoring-agent"]);
  });
});
