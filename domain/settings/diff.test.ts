import { describe, expect, it } from "vitest";
import { changedSettingPaths } from "./diff";

const base = {
  ntp: { servers: ["a.example"], clients: "controllers" },
  dns: { servers: ["10.0.0.2"], domain: "cloud.internal" },
  overcommit: { cpu: 4, ram: 1 },
};

describe("changedSettingPaths", () => {
  it("names each changed leaf; lists are compared whole; nothing changed is nothing", () => {
    expect(changedSettingPaths(base, structuredClone(base))).toEqual([]);
    const after = structuredClone(base);
    after.ntp.servers = ["a.example", "b.example"];
    after.overcommit.cpu = 8;
    expect(changedSettingPaths(base, after)).toEqual(["ntp.servers", "overcommit.cpu"]);
  });

  it("an added or removed setting is a change", () => {
    expect(changedSettingPaths({ ha: true }, { ha: true, ceph: { poolSize: 3 } })).toEqual([
      "ceph",
    ]);
  });
});
