import { describe, expect, it } from "vitest";
import {
  findCycles,
  formatPath,
  parseGraph,
  parseSequences,
  retryOverrideSchema,
  taskGraphSchema,
  validateGraph,
  type GraphIssue,
  type StepInput,
} from "./schema";

const FILE = "releases/test/graphs/deploy.yaml";

function step(id: string, extra: Partial<StepInput> = {}): StepInput {
  return { id, type: "shell", script: `steps/${id}.sh`, selector: { all: true }, ...extra };
}

function errorsOf(
  input: unknown,
  options: Partial<Parameters<typeof parseGraph>[1]> = {},
): GraphIssue[] {
  const result = parseGraph(input, { file: FILE, ...options });
  if (result.ok) throw new Error("expected the graph to be refused");
  return result.errors;
}

describe("parseGraph", () => {
  it("reads YAML and fills Fuel's defaults: 300 s timeout, one attempt, parallel, critical", () => {
    const result = parseGraph(
      `name: deploy
steps:
  - id: ntp
    type: shell
    script: steps/ntp.sh
    selector: {roles: [controller]}
`,
      { file: FILE },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.graph.steps[0]).toEqual({
      id: "ntp",
      type: "shell",
      script: "steps/ntp.sh",
      selector: { roles: ["controller"] },
      requires: [],
      requiredFor: [],
      crossDepends: [],
      condition: { when: "always" },
      timeoutSeconds: 300,
      retry: {
        maxAttempts: 1,
        initialIntervalSeconds: 1,
        backoffCoefficient: 2,
        maxIntervalSeconds: 60,
        nonRetryableExitCodes: [],
      },
      strategy: { type: "parallel" },
      faultTolerance: 0,
    });
  });

  it("defaults a cross dependency to every node and policy all", () => {
    const graph = taskGraphSchema.parse({
      name: "deploy",
      steps: [step("a"), step("b", { crossDepends: [{ step: "a" }] })],
    });
    expect(graph.steps[1]?.crossDepends).toEqual([{ step: "a", role: "*", policy: "all" }]);
  });

  it("names the file, the step and the field path of a schema problem, in both languages", () => {
    const [issue, ...rest] = errorsOf({
      name: "deploy",
      steps: [step("a"), step("b"), step("c"), step("d", { retry: { maxAttempts: 0 } })],
    });
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({
      code: "schema",
      file: FILE,
      stepId: "d",
      path: "steps[3].retry.maxAttempts",
      params: { problem: "number-min", limit: 1, found: "0" },
    });
    expect(issue?.message.en).toBe(
      `${FILE}: step d, field steps[3].retry.maxAttempts must be at least 1 (found 0).`,
    );
    expect(issue?.message["zh-CN"]).toBe(
      `${FILE}：步骤 d 的字段 steps[3].retry.maxAttempts 不能小于 1（实际为 0）。`,
    );
  });

  it.each([
    [
      "a missing script on a shell step",
      step("a", { script: undefined }),
      "steps[0].script",
      "is required for a shell step",
    ],
    [
      "a script outside the release",
      step("a", { script: "../../etc/passwd" }),
      "steps[0].script",
      "must be a path inside the release",
    ],
    [
      "an absolute script path",
      step("a", { script: "/bin/sh" }),
      "steps[0].script",
      "without a leading /",
    ],
    [
      "a selector that selects nothing",
      step("a", { selector: {} }),
      "steps[0].selector",
      "selects no nodes",
    ],
    [
      "an unknown step type",
      step("a", { type: "ansible" as "shell" }),
      "steps[0].type",
      'must be one of shell, core (found "ansible")',
    ],
    ["a step id with capitals", step("Ntp"), "steps[0].id", "must be lowercase letters, digits"],
    [
      "a fractional timeout",
      step("a", { timeoutSeconds: 1.5 }),
      "steps[0].timeoutSeconds",
      "must be a whole number (found 1.5)",
    ],
    [
      "a bad strategy",
      step("a", { strategy: { type: "serial" } as never }),
      "steps[0].strategy.type",
      'or {type: one_by_one} (found "serial")',
    ],
    [
      "a zero parallel amount",
      step("a", { strategy: { type: "parallel", amount: 0 } }),
      "steps[0].strategy.amount",
      "must be more than 0",
    ],
    [
      "a percentage over 100",
      step("a", { faultTolerance: "150%" }),
      "steps[0].faultTolerance",
      'a percentage such as "10%" (found "150%")',
    ],
    [
      "settings-changed without settings",
      step("a", { condition: { when: "settings-changed" } }),
      "steps[0].condition.settings",
      "must list the settings to watch",
    ],
    [
      "settings on another condition",
      step("a", { condition: { when: "always", settings: ["ntp"] } }),
      "steps[0].condition.settings",
      'is only used with when: "settings-changed"',
    ],
    [
      "a bad settings path",
      step("a", { condition: { when: "settings-changed", settings: ["ntp..servers"] } }),
      "steps[0].condition.settings[0]",
      "must be a dotted settings path",
    ],
    [
      "a max interval below the initial one",
      step("a", { retry: { initialIntervalSeconds: 30, maxIntervalSeconds: 10 } }),
      "steps[0].retry.maxIntervalSeconds",
      "must not be shorter than initialIntervalSeconds (found 10)",
    ],
    [
      "a negative exit code",
      step("a", { retry: { nonRetryableExitCodes: [-1] } }),
      "steps[0].retry.nonRetryableExitCodes[0]",
      "must be at least 0",
    ],
  ])("refuses %s", (_label, bad, path, text) => {
    const issues = errorsOf({ name: "deploy", steps: [bad] });
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues.map((i) => i.message.en))).toBeDefined();
    expect(issue?.message.en).toContain(text);
    expect(issue?.message["zh-CN"]).not.toMatch(/\{\w+\}/);
  });

  it("suggests the camelCase field for a snake_case one", () => {
    const [issue] = errorsOf({ name: "deploy", steps: [{ ...step("a"), required_for: ["b"] }] });
    expect(issue?.path).toBe("steps[0]");
    expect(issue?.message.en).toContain(
      "has unknown field(s) required_for (did you mean requiredFor instead of required_for?)",
    );
    expect(issue?.message["zh-CN"]).toContain(
      "包含未知字段 required_for（是否应为 requiredFor 而非 required_for？）",
    );
  });

  it("says a required field is required, and a list needs steps", () => {
    const issues = errorsOf({ steps: [] });
    expect(issues.map((i) => i.message.en)).toEqual([
      `${FILE}: field name is required.`,
      `${FILE}: field steps needs at least 1 item(s).`,
    ]);
  });

  it("reports YAML syntax errors with the line and column", () => {
    const [issue] = errorsOf("name: deploy\nsteps: [1,\n  x: 2");
    expect(issue?.code).toBe("syntax");
    expect(issue?.params.line).toBeGreaterThan(0);
    expect(issue?.message.en).toMatch(
      /^releases\/test\/graphs\/deploy\.yaml: line \d+, column \d+: not valid YAML/,
    );
  });
});

describe("validateGraph", () => {
  const graphOf = (...steps: StepInput[]) => taskGraphSchema.parse({ name: "deploy", steps });

  it("accepts a valid graph", () => {
    expect(
      validateGraph(graphOf(step("a"), step("b", { requires: ["a"] })), { file: FILE }),
    ).toEqual([]);
  });

  it("reports duplicate ids with both positions", () => {
    const [issue] = validateGraph(graphOf(step("a"), step("b"), step("a")), { file: FILE });
    expect(issue).toMatchObject({
      code: "duplicate-id",
      stepId: "a",
      path: "steps[2].id",
      params: { first: 0, index: 2 },
    });
    expect(issue?.message.en).toBe(
      `${FILE}: step id a is used by steps[0] and steps[2]; step ids must be unique.`,
    );
  });

  it.each([
    ["requires", step("b", { requires: ["ntp-servr"] }), "steps[1].requires[0]"],
    ["requiredFor", step("b", { requiredFor: ["ntp-servr"] }), "steps[1].requiredFor[0]"],
    [
      "crossDepends",
      step("b", { crossDepends: [{ step: "ntp-servr" }] }),
      "steps[1].crossDepends[0].step",
    ],
  ])("names the step and the unknown id in %s, suggesting the closest", (_field, bad, path) => {
    const [issue, ...rest] = validateGraph(graphOf(step("ntp-server"), bad), { file: FILE });
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({
      code: "unknown-reference",
      stepId: "b",
      path,
      params: { ref: "ntp-servr", suggestion: "ntp-server" },
    });
    expect(issue?.message.en).toBe(
      `${FILE}: step b, field ${path} names step ntp-servr, which is not in graph deploy.`,
    );
    expect(issue?.hint?.en).toBe("Use one of the graph's step ids (did you mean ntp-server?).");
  });

  it("names the steps of a cycle in order", () => {
    const graph = graphOf(
      step("prepare"),
      step("a", { requires: ["prepare", "c"] }),
      step("b", { requires: ["a"] }),
      step("c", { crossDepends: [{ step: "b", role: "controller", policy: "any" }] }),
    );
    const issues = validateGraph(graph, { file: FILE });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: "cycle",
      stepId: "a",
      params: { cycle: "a → c → b → a", steps: "a, c, b" },
    });
    expect(issues[0]?.message.en).toBe(
      `${FILE}: steps wait for each other in a cycle, so none of them can start: a → c → b → a (→ means “waits for”).`,
    );
    expect(issues[0]?.message["zh-CN"]).toContain("a → c → b → a");
  });

  it("finds cycles made through requiredFor and a step that waits for itself", () => {
    expect(
      findCycles(graphOf(step("a", { requiredFor: ["b"] }), step("b", { requiredFor: ["a"] }))),
    ).toEqual([["a", "b", "a"]]);
    expect(
      findCycles(graphOf(step("a", { crossDepends: [{ step: "a", role: "controller" }] }))),
    ).toEqual([["a", "a"]]);
    expect(
      findCycles(
        graphOf(step("a"), step("b", { requires: ["a"] }), step("c", { requiredFor: ["b"] })),
      ),
    ).toEqual([]);
  });

  it("reports each tangle once", () => {
    const graph = graphOf(
      step("a", { requires: ["b"] }),
      step("b", { requires: ["a"] }),
      step("c", { requires: ["d"] }),
      step("d", { requires: ["c"] }),
    );
    expect(validateGraph(graph, { file: FILE }).map((i) => i.params.cycle)).toEqual([
      "a → b → a",
      "c → d → c",
    ]);
  });

  it("checks selector roles, services and cross-dependency roles against the catalog when given", () => {
    const graph = graphOf(
      step("a", { selector: { roles: ["controler"], services: ["ceph-osd"] } }),
      step("b", { crossDepends: [{ step: "a", role: "nova" }] }),
    );
    const catalog = { roles: ["controller", "compute"], services: ["ceph-osd", "nova-compute"] };
    const issues = validateGraph(graph, { file: FILE, catalog });
    expect(issues.map((i) => [i.code, i.path, i.params.name])).toEqual([
      ["unknown-role", "steps[0].selector.roles[0]", "controler"],
      ["unknown-role", "steps[1].crossDepends[0].role", "nova"],
    ]);
    expect(issues[0]?.message["zh-CN"]).toContain("引用了角色 controler");
    expect(validateGraph(graph, { file: FILE })).toEqual([]);
  });
});

describe("sequences", () => {
  it("accepts sequences of known graphs and names an unknown one", () => {
    const yaml =
      "- name: deploy-changes\n  graphs: [verify-network, remove-node, provision, deploy]\n";
    const known = ["verify-network", "remove-node", "provision", "deploy"];
    expect(parseSequences(yaml, known, { file: "release.yaml" })).toMatchObject({ ok: true });
    const result = parseSequences(yaml, ["provision", "deploy"], { file: "release.yaml" });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path)).toEqual(["[0].graphs[0]", "[0].graphs[1]"]);
    expect(result.errors[0]?.message.en).toBe(
      "release.yaml: sequence deploy-changes runs graph verify-network, which the release does not define.",
    );
  });
});

describe("retry overrides", () => {
  it("accepts retries or maxAttempts but not both", () => {
    expect(retryOverrideSchema.safeParse({ retries: 0 }).success).toBe(true);
    expect(retryOverrideSchema.safeParse({ maxAttempts: 3 }).success).toBe(true);
    expect(retryOverrideSchema.safeParse({ retries: 0, maxAttempts: 3 }).success).toBe(false);
  });
});

describe("formatPath", () => {
  it("writes indexes in brackets", () => {
    expect(formatPath(["steps", 3, "retry", "maxAttempts"])).toBe("steps[3].retry.maxAttempts");
    expect(formatPath([0, "graphs", 1])).toBe("[0].graphs[1]");
  });
});
