import { describe, expect, it } from "vitest";
import { formatImpactEntry, impact } from "./impact";
import { TB, makeState } from "./testing";

const entry = (result: ReturnType<typeof impact>, metric: string) =>
  result.entries.find((e) => e.metric === metric);

describe("impact", () => {
  it("removing a controller from 3: controllers 3 → 2, quorum tolerates 0 failures", () => {
    const result = impact(makeState(), { kind: "remove-nodes", nodeIds: ["ctrl-3"] });
    const controllers = entry(result, "controllers");
    expect(controllers).toMatchObject({ before: 3, after: 2, risk: "warn" });
    expect(formatImpactEntry(controllers!, "en")).toBe(
      "controllers 3 → 2 (quorum tolerates 0 failure(s))",
    );
    expect(formatImpactEntry(controllers!, "zh-CN")).toBe("控制节点 3 → 2（仲裁可容忍 0 个故障）");
    expect(entry(result, "nodes")).toMatchObject({ before: 9, after: 8 });
    // The controller was ready: the findings say to drain it first.
    expect(result.findings.map((f) => f.id)).toContain("remove-requires-maintenance");
    expect(result.blocked).toBe(true);
  });

  it("removing a storage host: Ceph hosts 3 → 2, pool size 3 cannot be met, capacity shrinks", () => {
    const result = impact(makeState({ cephUsedBytes: 1 * TB }), {
      kind: "remove-nodes",
      nodeIds: ["stor-3"],
    });
    expect(formatImpactEntry(entry(result, "ceph-hosts")!, "en")).toBe(
      "Ceph hosts 3 → 2 (pool size 3 cannot be met)",
    );
    expect(entry(result, "ceph-hosts")?.risk).toBe("block");
    expect(entry(result, "ceph-osds")).toMatchObject({ before: 6, after: 4 });
    // 3 hosts × 2 × 1.92 TB = 11.52 TB raw.
    expect(formatImpactEntry(entry(result, "ceph-raw")!, "en")).toBe(
      "Ceph raw capacity 11.5 TB → 7.7 TB (−3.8 TB)",
    );
    expect(formatImpactEntry(entry(result, "ceph-usable")!, "en")).toBe(
      "Ceph usable capacity 3.8 TB → 2.6 TB (39.1% full, 1 TB stored)",
    );
    expect(entry(result, "controllers")).toBeUndefined();
  });

  it("removing a compute node: schedulable vCPU −256 (64 threads × 4.0)", () => {
    const result = impact(makeState(), { kind: "remove-nodes", nodeIds: ["cmp-1"] });
    expect(formatImpactEntry(entry(result, "schedulable-vcpu")!, "en")).toBe(
      "schedulable vCPU 768 → 512 (−256)",
    );
    expect(entry(result, "compute-nodes")).toMatchObject({ before: 3, after: 2 });
    expect(entry(result, "schedulable-ram")?.after).toBeLessThan(
      entry(result, "schedulable-ram")!.before,
    );
  });

  it("a second controller into maintenance loses quorum", () => {
    const state = makeState();
    state.nodes = state.nodes.map((n) => (n.id === "ctrl-1" ? { ...n, status: "maintenance" } : n));
    const result = impact(state, { kind: "enter-maintenance", nodeIds: ["ctrl-2"] });
    const controllers = entry(result, "controllers");
    expect(controllers).toMatchObject({ before: 2, after: 1, risk: "block" });
    expect(controllers?.note?.en).toBe("below quorum: 1 of 3 online, 2 needed");
    expect(result.findings.find((f) => f.id === "controller-quorum-after-op")?.override).toBe(
      "force-unsafe",
    );
  });

  it("a CPU ratio change shows the capacity it gives", () => {
    const state = makeState();
    const result = impact(state, {
      kind: "change-settings",
      settings: { overcommit: { ...state.settings.overcommit, cpu: 8 } },
    });
    expect(result.entries.map((e) => e.metric)).toEqual(["schedulable-vcpu"]);
    expect(formatImpactEntry(result.entries[0]!, "en")).toBe("schedulable vCPU 768 → 1536 (+768)");
    expect(result.blocked).toBe(false);
  });

  it("changes nothing for the live check", () => {
    expect(impact(makeState(), { kind: "validate" }).entries).toEqual([]);
  });
});
