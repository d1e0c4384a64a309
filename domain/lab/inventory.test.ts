import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAC_PATTERN, nodeSchema } from "../model";
import {
  HARDWARE_PROFILES,
  LAB_MAX_NODES_PER_REGION,
  labMac,
  labNode,
  labNodes,
} from "./inventory";

const GiB = 1024 ** 3;

describe("labNodes", () => {
  it("produces nodes the node schema accepts unchanged", () => {
    for (const profile of ["mixed", "small", "large"] as const) {
      for (const node of labNodes(40, { profile })) expect(nodeSchema.parse(node)).toEqual(node);
    }
  });

  it("is deterministic, and node i does not depend on the count or on other nodes", () => {
    expect(labNodes(30, { seed: 7 })).toEqual(labNodes(30, { seed: 7 }));
    expect(labNodes(50, { seed: 7 }).slice(0, 30)).toEqual(labNodes(30, { seed: 7 }));
    expect(labNode(17, { seed: 7 })).toEqual(labNodes(18, { seed: 7 })[17]);
    const classes = (seed: number) => labNodes(60, { seed }).map((n) => n.tags[1]);
    expect(classes(7)).not.toEqual(classes(8));
  });

  it("names hosts lab-0001… and starts with three controller-class nodes", () => {
    const nodes = labNodes(12);
    expect(nodes.map((n) => n.hostname).slice(0, 3)).toEqual(["lab-0001", "lab-0002", "lab-0003"]);
    expect(nodes[11]?.id).toBe("lab-0012");
    expect(nodes.slice(0, 3).every((n) => n.tags.includes("controller-class"))).toBe(true);
    expect(labNodes(2, { regionIndex: 3 }).map((n) => n.hostname)).toEqual([
      "lab-r3-0001",
      "lab-r3-0002",
    ]);
  });

  it("keeps MACs, serials and UUIDs unique across 100,000 nodes and between regions", () => {
    const macs = new Set<string>();
    const uuids = new Set<string>();
    let nics = 0;
    for (let i = 0; i < 100_000; i++) {
      for (let n = 0; n < 4; n++) macs.add(labMac(0, i, n));
      nics += 4;
    }
    expect(macs.size).toBe(nics);
    for (const region of [0, 1])
      for (const node of labNodes(2000, { regionIndex: region })) {
        uuids.add(node.hardware.uuid ?? "");
        for (const nic of node.hardware.nics) macs.add(nic.mac);
      }
    expect(uuids.size).toBe(4000);
    expect(labMac(0, 99_999, 3)).toBe("52:54:00:18:69:f3");
    expect(labMac(2, 0, 0)).toBe("52:54:02:00:00:00");
    const mac = labNodes(1)[0]?.hardware.nics[0]?.mac ?? "";
    expect(mac).toMatch(MAC_PATTERN);
    // Locally administered (bit 1 set), unicast (bit 0 clear).
    expect(Number.parseInt(mac.slice(0, 2), 16) & 0b11).toBe(0b10);
  });

  it("makes every disk serial unique within a lab", () => {
    const serials = labNodes(300, { profile: "large" }).flatMap((n) =>
      n.hardware.disks.map((d) => d.serial),
    );
    expect(new Set(serials).size).toBe(serials.length);
  });

  it("builds small labs from 8-core, 32 GiB VMs with two disks, some of them aarch64", () => {
    const nodes = labNodes(50, { profile: "small" });
    for (const { hardware } of nodes) {
      expect(hardware.cpu.cores).toBe(8);
      expect(hardware.memoryBytes).toBe(32 * GiB);
      expect(hardware.disks.map((d) => [d.name, d.sizeBytes])).toEqual([
        ["vda", 100e9],
        ["vdb", 200e9],
      ]);
    }
    const arches = new Set(nodes.map((n) => n.hardware.cpu.arch));
    expect(arches).toEqual(new Set(["x86_64", "aarch64"]));
  });

  it("builds large labs from the real profiles, converting GiB, GB and TB to bytes", () => {
    const nodes = labNodes(200, { profile: "large" });
    const models = new Set(nodes.map((n) => n.hardware.model));
    expect(models.has("Standard PC (Q35 + ICH9, 2009)")).toBe(false);
    expect(models.size).toBeGreaterThanOrEqual(5);
    const storage = nodes.find((n) => n.hardware.model === "NF5280M6");
    expect(storage?.hardware.memoryBytes).toBe(256 * GiB);
    expect(storage?.hardware.disks.find((d) => d.name === "nvme0n1")?.sizeBytes).toBe(
      3_840_000_000_000,
    );
    const hdd = storage?.hardware.disks.find((d) => d.name === "sdc");
    expect(hdd).toMatchObject({ sizeBytes: 8e12, type: "hdd", rotational: true });
    expect(hdd?.byId).toMatch(/^\/dev\/disk\/by-id\/ata-ST8000NM017B_/);
    const dell = nodes.find((n) => n.hardware.model === "PowerEdge R750");
    expect(dell?.hardware.cpu).toMatchObject({
      sockets: 2,
      cores: 64,
      threads: 128,
      virtualization: "vmx",
    });
    expect(dell?.hardware.cpu.flags).toContain("vmx");
    const kunpeng = nodes.find((n) => n.hardware.cpu.model.startsWith("Kunpeng"));
    expect(kunpeng?.hardware.cpu).toMatchObject({
      arch: "aarch64",
      virtualization: "kvm",
      threads: 96,
    });
    expect(kunpeng?.hardware.cpu.flags).not.toContain("vmx");
  });

  it("mixes classes, real servers and VMs in a mixed lab", () => {
    const nodes = labNodes(300);
    const classes = new Set(nodes.map((n) => n.tags[1]));
    expect(classes).toEqual(
      new Set(["controller-class", "compute-class", "storage-class", "hci-class"]),
    );
    const vms = nodes.filter((n) => n.hardware.vendor === "QEMU").length;
    expect(vms).toBeGreaterThan(60);
    expect(vms).toBeLessThan(240);
    expect(nodes.some((n) => n.hardware.cpu.arch === "aarch64")).toBe(true);
  });

  it("marks only the first NIC for PXE", () => {
    const nics = labNodes(1, { profile: "large" })[0]?.hardware.nics ?? [];
    expect(nics.map((n) => n.pxe)).toEqual([true, ...nics.slice(1).map(() => false)]);
  });

  it.each([
    [-1, {}, /count must be a whole number from 0/],
    [1.5, {}, /count must be a whole number/],
    [LAB_MAX_NODES_PER_REGION + 1, {}, /count must be/],
    [1, { regionIndex: 256 }, /regionIndex must be a whole number from 0 to 255/],
    [1, { seed: 0.5 }, /seed must be a whole number/],
  ])("refuses count %s with %o", (count, options, message) => {
    expect(() => labNodes(count, options)).toThrow(message);
  });
});

describe("hardware profiles", () => {
  it("loads and checks every profile of the data file", () => {
    const local = JSON.parse(
      readFileSync(join(import.meta.dirname, "hardware-profiles.json"), "utf8"),
    ) as {
      profiles: unknown[];
    };
    expect(HARDWARE_PROFILES).toHaveLength(local.profiles.length);
    expect(HARDWARE_PROFILES.map((p) => p.id)).toContain("huawei-taishan-2280v2-hci");
  });
});
