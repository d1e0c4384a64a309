import { describe, expect, it } from "vitest";
import type { Intent, Settings } from "../../model";
import { OVERCOMMIT_LIMITS } from "../../settings/defaults";
import { makeState, pick, runRule } from "../testing";
import { table } from "../rule-table";
import { rules } from "./overcommit";

const base = makeState();
const withOvercommit = (patch: Partial<Settings["overcommit"]>) =>
  makeState({
    settings: {
      ...base.settings,
      overcommit: { ...base.settings.overcommit, ...patch },
    },
  });
const change = (patch: Partial<Settings["overcommit"]>): Intent => ({
  kind: "change-settings",
  settings: { overcommit: { ...base.settings.overcommit, ...patch } },
});

table(rules, "overcommit-cpu-range", [
  { name: "the default 4.0 passes", state: base },
  { name: "8.0 passes without a warning", state: withOvercommit({ cpu: 8 }) },
  {
    name: "12 warns",
    state: withOvercommit({ cpu: 12 }),
    expect: [{ severity: "warn", params: { value: 12, warnAbove: 8 } }],
  },
  {
    name: "20 blocks, with the default as the fix",
    state: withOvercommit({ cpu: 20 }),
    expect: [
      {
        severity: "block",
        params: { value: 20, min: 1, max: 16, default: 4 },
        subjects: { fields: ["settings.overcommit.cpu"] },
        fix: {
          action: "set-setting",
          params: { path: "overcommit.cpu", value: 4 },
        },
      },
    ],
  },
  {
    name: "0.5 blocks on a settings change",
    state: base,
    intent: change({ cpu: 0.5 }),
    expect: [{ severity: "block", params: { value: 0.5, min: 1 } }],
  },
]);

table(rules, "overcommit-ram-range", [
  { name: "1.0 passes", state: base },
  {
    name: "1.5 warns",
    state: withOvercommit({ ram: 1.5 }),
    expect: [{ severity: "warn", params: { value: 1.5, warnAbove: 1 } }],
  },
  {
    name: "2.5 blocks",
    state: withOvercommit({ ram: 2.5 }),
    expect: [{ severity: "block", params: { value: 2.5, min: 1, max: 2, default: 1 } }],
  },
]);

table(rules, "overcommit-disk-range", [
  { name: "3.0 passes", state: withOvercommit({ disk: 3 }) },
  {
    name: "3.5 blocks",
    state: withOvercommit({ disk: 3.5 }),
    expect: [{ severity: "block", params: { value: 3.5, min: 1, max: 3 } }],
  },
  {
    name: "NaN blocks",
    state: withOvercommit({ disk: Number.NaN }),
    expect: [{ severity: "block", params: { min: 1, max: 3 } }],
  },
]);

table(rules, "reserved-host-memory-min", [
  {
    name: "512 MiB passes",
    state: withOvercommit({ reservedHostMemoryMiB: 512 }),
  },
  {
    name: "256 MiB blocks, with the recommended value as the fix",
    state: withOvercommit({ reservedHostMemoryMiB: 256 }),
    expect: [
      {
        severity: "block",
        params: { value: 256, min: 512, default: 4096 },
        fix: {
          action: "set-setting",
          params: { path: "overcommit.reservedHostMemoryMiB", value: 4096 },
        },
      },
    ],
  },
]);

describe("overcommit limits", () => {
  it("come from OVERCOMMIT_LIMITS, the numbers the sliders use", () => {
    const [finding] = runRule(
      pick(rules, "overcommit-cpu-range"),
      withOvercommit({ cpu: OVERCOMMIT_LIMITS.cpu.max + 0.5 }),
    );
    expect(finding?.params).toMatchObject({ max: OVERCOMMIT_LIMITS.cpu.max });
    expect(
      runRule(
        pick(rules, "overcommit-cpu-range"),
        withOvercommit({ cpu: OVERCOMMIT_LIMITS.cpu.max }),
      )[0]?.severity,
    ).toBe("warn");
  });
});
