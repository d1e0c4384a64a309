import { describe, expect, it } from "vitest";
import { labNodes } from "../lab/inventory";
import { reportedAddresses, reportedNetworks } from "./reported";

describe("reported networking", () => {
  it("takes the boot NIC's address, and the subnet the nodes share", () => {
    const nodes = labNodes(3, { profile: "small", regionIndex: 4 });
    expect(reportedAddresses(nodes[0]!.hardware)).toEqual({ management: "10.4.0.2" });
    expect(reportedNetworks(nodes.map((n) => n.hardware))).toEqual([
      { name: "management", cidr: "10.4.0.0/16" },
    ]);
  });

  it("gives no network when the nodes disagree, and no address when none was reported", () => {
    const a = labNodes(1, { regionIndex: 1 })[0]!.hardware;
    const b = labNodes(1, { regionIndex: 2 })[0]!.hardware;
    expect(reportedNetworks([a, b])).toEqual([]);
    const silent = { ...a, nics: a.nics.map((n) => ({ ...n, addresses: [] })) };
    expect(reportedAddresses(silent)).toEqual({});
  });
});
