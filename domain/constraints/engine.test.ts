import { describe, expect, it } from "vitest";
import { applyIntent, blocking, evaluate, formatFinding } from "./engine";
import { allRules } from "./registry";
import { makeNode, makeState } from "./testing";
import type { Finding, Rule } from "./types";

describe("the default test state", () => {
  it("has no blocking finding in the wizard's live check, the deploy or an upgrade", () => {
    for (const intent of [
      { kind: "validate" },
      { kind: "deploy" },
      { kind: "upgrade", toReleaseId: "cairn-2026.2" },
    ] as const) {
      expect(blocking(evaluate(makeState(), intent)).map((f) => f.id)).toEqual([]);
    }
  });
});

describe("applyIntent", () => {
  const state = makeState();

  it("drops removed nodes", () => {
    const after = applyIntent(state, { kind: "remove-nodes", nodeIds: ["cmp-1", "stor-2"] });
    expect(after.nodes.map((n) => n.id)).toEqual([
      "ctrl-1",
      "ctrl-2",
      "ctrl-3",
      "cmp-2",
      "cmp-3",
      "stor-1",
      "stor-3",
    ]);
    expect(state.nodes).toHaveLength(9);
  });

  it("sets and clears maintenance", () => {
    const entered = applyIntent(state, { kind: "enter-maintenance", nodeIds: ["cmp-1"] });
    expect(entered.nodes.find((n) => n.id === "cmp-1")?.status).toBe("maintenance");
    const exited = applyIntent(entered, { kind: "exit-maintenance", nodeIds: ["cmp-1"] });
    expect(exited.nodes.find((n) => n.id === "cmp-1")?.status).toBe("ready");
  });

  it("merges settings one level deep", () => {
    const after = applyIntent(state, {
      kind: "change-settings",
      settings: { dns: { servers: ["10.0.0.53"], domain: "cloud.example.com" }, ha: false },
    });
    expect(after.settings.dns.servers).toEqual(["10.0.0.53"]);
    expect(after.settings.ha).toBe(false);
    expect(after.settings.ntp).toEqual(state.settings.ntp);
  });

  it("reassigns roles and moves the release", () => {
    const after = applyIntent(state, {
      kind: "change-roles",
      assignments: [{ nodeId: "cmp-1", roles: ["hci"] }],
    });
    expect(after.nodes.find((n) => n.id === "cmp-1")?.roles).toEqual(["hci"]);
    expect(
      applyIntent(state, { kind: "upgrade", toReleaseId: "cairn-2026.2" }).cluster.releaseId,
    ).toBe("cairn-2026.2");
  });
});

const probe = (
  id: string,
  severity: Finding["severity"],
  hits: number,
  subjectPrefix = "n",
): Rule => ({
  id,
  category: "roles",
  severity,
  operations: ["validate"],
  steps: ["roles"],
  override: "force",
  message: { en: "{count} things", "zh-CN": "{count} 个东西" },
  hint: { en: "fix them", "zh-CN": "请修复" },
  variants: {
    other: {
      message: { en: "other {count}", "zh-CN": "其他 {count}" },
      hint: { en: "h", "zh-CN": "提示" },
    },
  },
  check: () =>
    Array.from({ length: hits }, (_, i) => ({
      params: { count: i },
      subjects: { nodes: [`${subjectPrefix}${hits - i}`] },
    })),
});

describe("evaluate", () => {
  it("orders by severity, then rule id, then subjects", () => {
    const rules = [
      probe("b-info", "info", 1),
      probe("z-warn", "warn", 1),
      probe("c-block", "block", 2),
      probe("a-block", "block", 1),
    ];
    const findings = evaluate(makeState(), { kind: "validate" }, { rules });
    expect(findings.map((f) => `${f.id}:${f.subjects.nodes?.[0]}`)).toEqual([
      "a-block:n1",
      "c-block:n1",
      "c-block:n2",
      "z-warn:n1",
      "b-info:n1",
    ]);
    expect(findings[1]?.message).toEqual({ en: "1 things", "zh-CN": "1 个东西" });
  });

  it("is deterministic: the same input gives the same output", () => {
    const state = makeState({
      nodes: [
        ...makeState().nodes,
        makeNode({ id: "x", hostname: "Bad_Name", roles: ["compute", "hci"] }),
      ],
    });
    expect(evaluate(state, { kind: "deploy" })).toEqual(evaluate(state, { kind: "deploy" }));
  });

  it("runs only the rules guarding the intent", () => {
    const rule = probe("only-validate", "block", 1);
    expect(evaluate(makeState(), { kind: "deploy" }, { rules: [rule] })).toEqual([]);
  });

  it("ignores nodes whose status is removed", () => {
    const state = makeState({
      nodes: [
        ...makeState().nodes,
        makeNode({ id: "gone", hostname: "Bad_Name", status: "removed" }),
      ],
    });
    expect(
      evaluate(state, { kind: "validate" }).filter((f) => f.id === "hostname-valid-unique"),
    ).toEqual([]);
  });

  it("refuses a hit naming a text variant the rule lacks", () => {
    const rule: Rule = {
      ...probe("broken", "block", 0),
      check: () => [{ params: {}, variant: "nope" }],
    };
    expect(() => evaluate(makeState(), { kind: "validate" }, { rules: [rule] })).toThrow(
      /no text variant "nope"/,
    );
  });

  it("shows every blocker at once", () => {
    const state = makeState({
      nodes: [
        makeNode({ id: "a", hostname: "A_1", roles: ["controller", "controller-hci"] }),
        makeNode({ id: "b", hostname: "a_1", roles: ["storage"] }),
      ],
      license: null,
    });
    const ids = new Set(blocking(evaluate(state, { kind: "deploy" })).map((f) => f.id));
    for (const id of [
      "hostname-valid-unique",
      "role-exclusive",
      "license-present",
      "ceph-osd-hosts-vs-replication",
    ]) {
      expect(ids).toContain(id);
    }
  });
});

describe("blocking and overrides", () => {
  const state = makeState();
  const removeTwo = evaluate(state, { kind: "remove-nodes", nodeIds: ["ctrl-2", "ctrl-3"] });

  it("keeps a force-unsafe blocker unless overridden at that tier with a reason", () => {
    const quorum = removeTwo.find((f) => f.id === "controller-quorum-after-op");
    expect(quorum?.override).toBe("force-unsafe");
    const ids = (overrides: Parameters<typeof blocking>[1]) =>
      blocking(removeTwo, overrides).map((f) => f.id);
    expect(ids([{ id: "controller-quorum-after-op", tier: "force", reason: "lab" }])).toContain(
      "controller-quorum-after-op",
    );
    expect(
      ids([{ id: "controller-quorum-after-op", tier: "force-unsafe", reason: " " }]),
    ).toContain("controller-quorum-after-op");
    expect(
      ids([
        {
          id: "controller-quorum-after-op",
          tier: "force-unsafe",
          reason: "hardware swap, approved CHG-12",
        },
      ]),
    ).not.toContain("controller-quorum-after-op");
  });

  it("never lets a none-tier blocker through", () => {
    const none = evaluate(makeState({ license: null }), { kind: "deploy" });
    expect(
      blocking(none, [{ id: "license-present", tier: "force-unsafe", reason: "demo" }]).map(
        (f) => f.id,
      ),
    ).toContain("license-present");
  });
});

describe("formatFinding", () => {
  it("prints severity, id, message and hint in the chosen language", () => {
    const [f] = evaluate(
      makeState({ nodes: [] }),
      { kind: "validate" },
      { rules: allRules.filter((r) => r.id === "controllers-min") },
    );
    expect(f).toBeDefined();
    expect(formatFinding(f!, "en")).toMatch(
      /^BLOCK \[controllers-min\] The cluster has 0 controllers.*\n {2}→ Assign/,
    );
    expect(formatFinding(f!, "zh-CN")).toMatch(/^阻止 \[controllers-min\] 集群当前有 0 个控制节点/);
  });
});

describe("rendering", () => {
  it("fills a finding's params into both languages, leaving an unknown name visible", () => {
    const rule: Rule = {
      ...probe("render", "warn", 0),
      message: { en: "{a} of {b} ({missing}) {a}", "zh-CN": "{b} 中的 {a}（{missing}）" },
      check: () => [{ params: { a: 2, b: "three" } }],
    };
    const [f] = evaluate(makeState(), { kind: "validate" }, { rules: [rule] });
    expect(f?.message.en).toBe("2 of three ({missing}) 2");
    expect(f?.message["zh-CN"]).toBe("three 中的 2（{missing}）");
  });
});
