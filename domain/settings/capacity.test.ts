import { describe, expect, it } from "vitest";
import { makeNode, makeState } from "../constraints/testing";
import type { Node } from "../model";
import { clusterCapacity, nodeCapacity } from "./capacity";
import { defaultDhcpRange, defaultSettings, OVERCOMMIT_LIMITS } from "./defaults";

const GiB = 1024 ** 3;
const settings = makeState().settings; // cpu 4, ram 1, reserved 4096 MiB, 0 reserved CPUs
const compute = new Set(["nova-compute", "kube-worker"]);
const hci = new Set(["nova-compute", "kube-worker", "ceph-osd"]);

describe("nodeCapacity", () => {
  it("schedules (threads − reserved CPUs) × cpu ratio and (RAM − reserved) × ram ratio", () => {
    const node = makeNode({ id: "cmp-1" }); // 32 cores, 64 threads, 256 GiB
    const c = nodeCapacity(
      node,
      {
        ...settings,
        overcommit: { ...settings.overcommit, reservedHostCpus: 4, ram: 1.5 },
      },
      compute,
    );
    expect(c).toEqual({
      nodeId: "cmp-1",
      compute: true,
      physicalCores: 32,
      threads: 64,
      schedulableVcpu: (64 - 4) * 4,
      memoryBytes: 256 * GiB,
      schedulableRamBytes: Math.floor((256 * GiB - 4096 * 1024 ** 2) * 1.5),
    });
  });

  it("gives nothing schedulable on a node without nova-compute", () => {
    const c = nodeCapacity(makeNode({ id: "ctrl-1" }), settings, new Set(["openstack-control"]));
    expect(c.schedulableVcpu).toBe(0);
    expect(c.schedulableRamBytes).toBe(0);
    expect(c.hciBudget).toBeUndefined();
  });

  it("never goes negative when reservations exceed the node", () => {
    const small = makeNode({ id: "tiny" });
    small.hardware = {
      ...small.hardware,
      memoryBytes: 2 * GiB,
      cpu: { ...small.hardware.cpu, threads: 2 },
    };
    const c = nodeCapacity(
      small,
      {
        ...settings,
        overcommit: { ...settings.overcommit, reservedHostCpus: 4 },
      },
      compute,
    );
    expect(c.schedulableVcpu).toBe(0);
    expect(c.schedulableRamBytes).toBe(0);
  });

  it("budgets HCI memory: 4 GiB host, 4 GiB per OSD, 0.5 GiB per planned VM", () => {
    const node = makeNode({ id: "hci-1" }); // sda 480 GB (OS) + two 1.92 TB data disks
    const c = nodeCapacity(node, settings, hci, { plannedVmsPerNode: 40 });
    expect(c.hciBudget).toEqual({
      totalGiB: 256,
      hostGiB: 4,
      osdCount: 2,
      osdGiB: 8,
      plannedVms: 40,
      vmGiB: 20,
      availableGiB: 224,
    });
  });
});

describe("clusterCapacity", () => {
  it("totals compute nodes only", () => {
    const nodes: Node[] = [
      makeNode({ id: "ctrl-1" }),
      makeNode({ id: "cmp-1" }),
      makeNode({ id: "cmp-2" }),
    ];
    const servicesOf = (n: Node) =>
      n.id.startsWith("cmp") ? compute : new Set<string>(["openstack-control"]);
    const { totals, nodes: list } = clusterCapacity(nodes, settings, servicesOf);
    expect(list.map((n) => n.nodeId)).toEqual(["ctrl-1", "cmp-1", "cmp-2"]);
    expect(totals).toEqual({
      computeNodes: 2,
      physicalCores: 64,
      threads: 128,
      schedulableVcpu: 512,
      memoryBytes: 512 * GiB,
      schedulableRamBytes: 2 * (256 * GiB - 4 * GiB),
    });
  });
});

describe("default settings", () => {
  it("uses the limits' defaults and leaves NTP empty without DNS", () => {
    const s = defaultSettings();
    expect(s.overcommit).toEqual({
      cpu: 4,
      ram: 1,
      disk: 1,
      reservedHostMemoryMiB: 4096,
      reservedHostCpus: 0,
    });
    expect(s.ntp.servers).toEqual([]);
    expect(OVERCOMMIT_LIMITS.cpu).toMatchObject({
      min: 1,
      max: 16,
      warnAbove: 8,
    });
  });

  it("offers the NTP pool once DNS servers are known, and a DHCP range in the upper half", () => {
    const s = defaultSettings({
      dnsServers: ["10.0.0.4"],
      provisioningCidr: "10.20.0.0/24",
    });
    expect(s.ntp.servers).toEqual(["0.pool.ntp.org", "1.pool.ntp.org"]);
    expect(s.dhcp).toEqual({ start: "10.20.0.128", end: "10.20.0.254" });
    expect(defaultDhcpRange("fd00::/64")).toEqual({ start: "", end: "" });
    expect(defaultDhcpRange("10.20.0.0/30")).toEqual({ start: "", end: "" });
  });
});
