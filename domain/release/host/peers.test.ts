import { describe, expect, it } from "vitest";
import { clusterNodes } from "./peers";

const peer = (n: number) => ({
  id: `node-${n}`,
  hostname: `node-${n}`,
  roles: ["compute"],
  addresses: { management: `10.20.0.${n}` },
  provisioningNode: false,
});

describe("clusterNodes", () => {
  it("is the input's nodes when they include this node", () => {
    const nodes = [peer(1), peer(2)];
    expect(clusterNodes({ node: { ...peer(2), hardware: {} as never }, nodes })).toEqual(nodes);
  });

  it("adds this node, without its hardware facts, when the input left it out", () => {
    const self = { ...peer(3), hardware: {} as never, osDisk: "sda" };
    expect(clusterNodes({ node: self, nodes: [peer(1)] })).toEqual([peer(1), peer(3)]);
  });
});
