import { describe, expect, it } from "vitest";
import { CairnError } from "./errors";
import { NODE_STATUSES } from "./model";
import {
  assertNodeTransition,
  canTransitionNode,
  connectivityOf,
  displayedNodeStatus,
  NODE_TRANSITIONS,
  type LifecycleStatus,
} from "./node";

const LIFECYCLE = NODE_STATUSES.filter((s): s is LifecycleStatus => s !== "offline");

describe("node lifecycle", () => {
  it("covers every lifecycle status, never moves into `offline`, and every status can be left", () => {
    expect(Object.keys(NODE_TRANSITIONS).sort()).toEqual([...LIFECYCLE].sort());
    for (const [from, targets] of Object.entries(NODE_TRANSITIONS)) {
      expect(targets.length, from).toBeGreaterThan(0);
      expect(targets).not.toContain("offline");
      expect(targets).not.toContain(from);
    }
  });

  it("the deploy path is allowed step by step, and nothing skips provisioning's ending", () => {
    const path: LifecycleStatus[] = [
      "discovered",
      "assigned",
      "provisioning",
      "provisioned",
      "deploying",
      "ready",
    ];
    for (let i = 1; i < path.length; i++)
      expect(canTransitionNode(path[i - 1]!, path[i]!)).toBe(true);
    expect(canTransitionNode("provisioning", "ready")).toBe(false);
    expect(canTransitionNode("discovered", "ready")).toBe(false);
    expect(canTransitionNode("removed", "ready")).toBe(false);
  });

  it("a refused move names both statuses and the allowed ones, in both languages", () => {
    let error: unknown;
    try {
      assertNodeTransition("node-7", "provisioning", "ready");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CairnError);
    const e = error as CairnError;
    expect(e.code).toBe("node.transition-refused");
    expect(e.localized.en).toBe("Node node-7 cannot go from provisioning to ready.");
    expect(e.hint?.en).toContain("provisioned, error");
    expect(e.localized["zh-CN"]).toContain("node-7");
  });
});

describe("connectivity", () => {
  const T = 1_000_000_000;
  it("is online until 3 minutes of silence, then offline; never heard from is offline", () => {
    expect(connectivityOf(T, T + 180_000)).toBe("online");
    expect(connectivityOf(T, T + 180_001)).toBe("offline");
    expect(connectivityOf(null, T)).toBe("offline");
  });

  it("shows offline instead of the status while it lasts, except for removed nodes", () => {
    expect(displayedNodeStatus("ready", "offline")).toBe("offline");
    expect(displayedNodeStatus("ready", "online")).toBe("ready");
    expect(displayedNodeStatus("removed", "offline")).toBe("removed");
  });
});
