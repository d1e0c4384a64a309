import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hardwareSchema } from "../domain/model";
import container from "./fixtures/inventory/container.json";
import server from "./fixtures/inventory/server-x86.json";
import {
  collectHardware,
  normalizeArch,
  normalizeCpu,
  normalizeDisks,
  normalizeNics,
  pickMachineId,
  saneText,
  saneUuid,
  type SiSources,
  type SysDisk,
  type SysNic,
} from "./inventory";
import { tempDir } from "./testing/harness";

/** systeminformation sources that answer from a recorded fixture. */
function recorded(fixture: typeof server | typeof container): SiSources {
  return {
    system: async () => fixture.system,
    cpu: async () => fixture.cpu,
    memoryBytes: async () => fixture.memTotal,
    blockDevices: async () => fixture.blockDevices,
    diskLayout: async () => fixture.diskLayout,
    networkInterfaces: async () => fixture.networkInterfaces,
  };
}

const serverSysDisks: SysDisk[] = [
  {
    name: "sda",
    rotational: false,
    removable: false,
    byPath: "/dev/disk/by-path/pci-0000:18:00.0-scsi-0:2:0:0",
    physical: true,
  },
  {
    name: "nvme0n1",
    rotational: false,
    byPath: "/dev/disk/by-path/pci-0000:5e:00.0-nvme-1",
    physical: true,
  },
  { name: "sdc", rotational: true, physical: true },
];
const serverSysNics: SysNic[] = [
  {
    name: "eno1",
    mac: "b0:7b:25:de:1a:10",
    operstate: "up",
    speed: 1000,
    driver: "tg3",
    physical: true,
  },
  {
    name: "eno2",
    mac: "b0:7b:25:de:1a:11",
    operstate: "down",
    speed: null,
    driver: "tg3",
    physical: true,
  },
  {
    name: "ens2f0np0",
    mac: "0c:42:a1:00:10:21",
    operstate: "up",
    speed: 25000,
    driver: "mlx5_core",
    physical: true,
  },
  {
    name: "ens2f1np1",
    mac: "0c:42:a1:00:10:22",
    operstate: "up",
    speed: 0,
    driver: "mlx5_core",
    physical: true,
  },
  // A storage port with no address yet: systeminformation does not list it, sysfs does.
  {
    name: "ens3f0",
    mac: "0c:42:a1:00:30:01",
    operstate: "down",
    speed: -1,
    driver: "ice",
    physical: true,
  },
  { name: "veth9a1", mac: "2a:11:22:33:44:55", operstate: "up", physical: false },
];

describe("normalizeDisks", () => {
  it("keeps whole disks only, types them, and fills each fact from the source that has it", () => {
    const disks = normalizeDisks(server.blockDevices, server.diskLayout, serverSysDisks);
    expect(disks.map((d) => d.name)).toEqual(["sda", "nvme0n1", "nvme1n1", "sdc", "sdb"]);
    const by = Object.fromEntries(disks.map((d) => [d.name, d]));
    // lsblk knows no model for the RAID volume; the disk layout does.
    expect(by.sda).toEqual({
      name: "sda",
      model: "PERC H755 Front",
      sizeBytes: 479559942144,
      type: "ssd",
      rotational: false,
      byPath: "/dev/disk/by-path/pci-0000:18:00.0-scsi-0:2:0:0",
      removable: false,
    });
    expect(by.nvme0n1).toMatchObject({
      type: "nvme",
      rotational: false,
      serial: "PHAB1234005P3P2BGN",
      byPath: expect.stringContaining("nvme"),
    });
    expect(by.nvme1n1).toMatchObject({ type: "nvme", model: "Dell Ent NVMe P5600 MU U.2 3.2TB" });
    // No model anywhere: the field is absent, the disk is still there.
    expect(by.sdc).toEqual({
      name: "sdc",
      sizeBytes: 8001563222016,
      type: "hdd",
      rotational: true,
      removable: false,
    });
    expect(by.sdb).toMatchObject({ removable: true, model: "Cruzer Blade" });
    for (const d of disks)
      expect(hardwareSchema.shape.disks.element.safeParse(d).success).toBe(true);
  });

  it("drops an empty zram device and trusts sysfs over lsblk for rotation", () => {
    expect(normalizeDisks(container.blockDevices, container.diskLayout, [])).toEqual([
      { name: "vda", sizeBytes: 274877906944, type: "hdd", rotational: true, removable: false },
    ]);
    expect(
      normalizeDisks(
        container.blockDevices,
        [],
        [{ name: "vda", rotational: false, physical: true }],
      )[0],
    ).toMatchObject({
      type: "ssd",
      rotational: false,
    });
  });
});

describe("normalizeNics", () => {
  it("skips loopback and MAC-less interfaces, tolerates unknown speeds, adds unaddressed physical ports", () => {
    const nics = normalizeNics(server.networkInterfaces, serverSysNics, {
      ens2f0np0: ["172.16.0.21/16", "fd00:10::21/64"],
    });
    expect(nics.map((n) => n.name)).toEqual([
      "eno1",
      "eno2",
      "ens2f0np0",
      "ens2f1np1",
      "br-mgmt",
      "ens3f0",
    ]);
    const by = Object.fromEntries(nics.map((n) => [n.name, n]));
    expect(by.eno1).toEqual({
      name: "eno1",
      mac: "b0:7b:25:de:1a:10",
      driver: "tg3",
      speedMbps: 1000,
      link: true,
      addresses: ["10.0.0.21/24"],
    });
    // Uncabled (speed null), speed 0 and -1 all mean "unknown", never a failure.
    expect(by.eno2).toMatchObject({ speedMbps: null, link: false });
    expect(by["ens2f1np1"]!.speedMbps).toBeNull();
    expect(by["br-mgmt"]).toMatchObject({ speedMbps: null, addresses: ["192.168.50.1/24"] });
    expect(by["br-mgmt"]!.driver).toBeUndefined();
    expect(by["ens2f0np0"]!.addresses).toEqual(["172.16.0.21/16", "fd00:10::21/64"]);
    expect(by.ens3f0).toEqual({
      name: "ens3f0",
      mac: "0c:42:a1:00:30:01",
      driver: "ice",
      speedMbps: null,
      link: false,
      addresses: [],
    });
    for (const n of nics) expect(hardwareSchema.shape.nics.element.safeParse(n).success).toBe(true);
  });

  it("reads the container's eth0 (speed -1) as a NIC of unknown speed", () => {
    expect(normalizeNics(container.networkInterfaces, [])).toEqual([
      {
        name: "eth0",
        mac: "02:fc:00:00:00:01",
        speedMbps: null,
        link: true,
        addresses: ["192.0.2.2/24", "fd00::2/64"],
      },
    ]);
  });
});

describe("normalizeCpu", () => {
  it("counts sockets, cores and threads for the whole machine and reads vmx from the flags", () => {
    expect(
      normalizeCpu(server.cpu, { arch: "x86_64", modelName: server.osCpuModel, kvm: true }),
    ).toMatchObject({
      model: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
      sockets: 2,
      cores: 64,
      threads: 128,
      virtualization: "vmx",
    });
    expect(
      normalizeCpu(container.cpu, { arch: "x86_64", modelName: container.osCpuModel, kvm: false }),
    ).toMatchObject({
      sockets: 1,
      cores: 2,
      threads: 2,
      virtualization: "none",
    });
    expect(
      normalizeCpu({ ...container.cpu, flags: "fpu svm lm" }, { arch: "x86_64", kvm: false })
        .virtualization,
    ).toBe("svm");
  });

  it("on aarch64, virtualisation is /dev/kvm being there", () => {
    const arm = {
      manufacturer: "HiSilicon",
      brand: "Kunpeng-920",
      cores: 96,
      physicalCores: 96,
      processors: 2,
      flags: "fp asimd evtstrm aes",
    };
    expect(normalizeCpu(arm, { arch: "aarch64", kvm: true })).toMatchObject({
      model: "HiSilicon Kunpeng-920",
      virtualization: "kvm",
      sockets: 2,
    });
    expect(normalizeCpu(arm, { arch: "aarch64", kvm: false }).virtualization).toBe("none");
  });

  it("falls back to the OS's counts when systeminformation has none", () => {
    expect(
      normalizeCpu(undefined, {
        arch: "x86_64",
        threads: 8,
        modelName: "QEMU Virtual CPU",
        kvm: false,
      }),
    ).toMatchObject({
      model: "QEMU Virtual CPU",
      sockets: 1,
      cores: 8,
      threads: 8,
      flags: [],
    });
  });
});

describe("machine identity", () => {
  it("takes a real SMBIOS UUID, else the serial, else the first physical NIC's MAC by name", () => {
    const nics = normalizeNics(server.networkInterfaces, serverSysNics);
    expect(pickMachineId({ uuid: server.system.uuid, serial: server.system.serial, nics })).toBe(
      "4c4c4544-0058-4b10-8034-b7c04f484d33",
    );
    expect(
      pickMachineId({ uuid: "00000000-0000-0000-0000-000000000000", serial: "7XK4HM3", nics }),
    ).toBe("7XK4HM3");
    expect(
      pickMachineId({
        uuid: "03000200-0400-0500-0006-000700080009",
        serial: "To Be Filled By O.E.M.",
        nics,
      }),
    ).toBe("b0:7b:25:de:1a:10");
    const containerNics = normalizeNics(container.networkInterfaces, []);
    expect(
      pickMachineId({
        uuid: container.system.uuid,
        serial: container.system.serial,
        nics: containerNics,
      }),
    ).toBe("02:fc:00:00:00:01");
  });

  it("recognises placeholders firmware writes", () => {
    expect(
      ["", "-", "Default string", "0000000", "System Serial Number", "  "].map(saneText),
    ).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(saneText("  PowerEdge   R750 ")).toBe("PowerEdge R750");
    expect(saneUuid("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")).toBeUndefined();
    expect(saneUuid("4c4c454400584b108034b7c04f484d33")).toBe(
      "4c4c4544-0058-4b10-8034-b7c04f484d33",
    );
    expect(normalizeArch("x64")).toBe("x86_64");
    expect(normalizeArch("arm64")).toBe("aarch64");
    expect(normalizeArch("ia32")).toBeUndefined();
  });
});

describe("collectHardware", () => {
  let root: string;
  let cleanup: () => void;
  beforeEach(() => {
    ({ dir: root, cleanup } = tempDir("sysfs"));
  });
  afterEach(() => cleanup());

  const file = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), `${text}\n`);
  };
  const link = (rel: string, target: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    symlinkSync(target, path.join(root, rel));
  };
  /** A recorded sysfs: one SSD, one physical NIC with no link, a veth, a loop device. */
  function recordedSysfs() {
    file("sys/block/sda/size", "937703088");
    file("sys/block/sda/queue/rotational", "0");
    file("sys/block/sda/removable", "0");
    file("sys/block/sda/device/model", "INTEL SSDSC2KB48");
    file("sys/block/loop0/size", "0");
    link("dev/disk/by-path/pci-0000:00:17.0-ata-1", "../../sda");
    link("dev/disk/by-path/pci-0000:00:17.0-ata-1-part1", "../../sda1");
    file("sys/class/net/eno1/address", "3c:ec:ef:00:00:01");
    file("sys/class/net/eno1/operstate", "down");
    // No link: the kernel refuses to read speed (EINVAL); a directory makes the read fail the same way.
    mkdirSync(path.join(root, "sys/class/net/eno1/speed"), { recursive: true });
    link("sys/class/net/eno1/device/driver", "../../../bus/pci/drivers/igb");
    file("sys/class/net/veth1/address", "2a:00:00:00:00:09");
    file("sys/class/net/lo/address", "00:00:00:00:00:00");
  }
  const osFacts = {
    arch: "x64",
    hostname: "node-a",
    cpus: [{ model: "Intel(R) Xeon(R) CPU" }, { model: "" }],
    totalmem: 64 * 1024 ** 3,
    interfaces: {},
  };

  it("a failing optional read is a warning, never a missing disk or NIC", async () => {
    recordedSysfs();
    const fail = (what: string) => async () => {
      throw new Error(`${what} exploded`);
    };
    const inv = await collectHardware({
      root,
      os: osFacts,
      si: {
        ...recorded(container),
        system: fail("dmidecode"),
        cpu: fail("lscpu"),
        memoryBytes: fail("meminfo"),
        diskLayout: fail("smartctl"),
        blockDevices: fail("lsblk"),
        networkInterfaces: fail("ip"),
      },
    });
    expect(inv.warnings).toHaveLength(6);
    expect(inv.warnings.join("\n")).toMatch(
      /dmidecode exploded[\s\S]*lscpu exploded[\s\S]*meminfo exploded[\s\S]*lsblk exploded[\s\S]*smartctl exploded[\s\S]*ip exploded/,
    );
    expect(inv.hardware.disks).toEqual([
      {
        name: "sda",
        model: "INTEL SSDSC2KB48",
        sizeBytes: 937703088 * 512,
        type: "ssd",
        rotational: false,
        byPath: "/dev/disk/by-path/pci-0000:00:17.0-ata-1",
        removable: false,
      },
    ]);
    expect(inv.hardware.nics).toEqual([
      {
        name: "eno1",
        mac: "3c:ec:ef:00:00:01",
        driver: "igb",
        speedMbps: null,
        link: false,
        addresses: [],
      },
    ]);
    expect(inv.hardware.cpu).toMatchObject({
      model: "Intel(R) Xeon(R) CPU",
      threads: 2,
      cores: 2,
      sockets: 1,
    });
    expect(inv.hardware.memoryBytes).toBe(64 * 1024 ** 3);
    expect(inv.hardware.vendor).toBeUndefined();
    expect(inv.machineId).toBe("3c:ec:ef:00:00:01");
  });

  it("does not wait forever for a read that hangs", async () => {
    recordedSysfs();
    const inv = await collectHardware({
      root,
      os: osFacts,
      readTimeoutMs: 50,
      si: { ...recorded(server), diskLayout: () => new Promise(() => {}) },
    });
    expect(inv.warnings).toEqual([
      expect.stringMatching(/^disk layout .* gave no answer within 50 ms$/),
    ]);
    expect(inv.hardware.disks.map((d) => d.name)).toContain("nvme0n1");
    expect(inv.machineId).toBe("4c4c4544-0058-4b10-8034-b7c04f484d33");
  });

  it("refuses with the reason when no disk can be found at all", async () => {
    await expect(
      collectHardware({
        root,
        os: osFacts,
        si: { ...recorded(container), blockDevices: async () => [] },
      }),
    ).rejects.toThrow(/disks: a node reports at least one disk/);
  });

  it("reads this machine: the facts agree with what the kernel says", async () => {
    const sysDisks = readdirSync("/sys/block").filter((d) => existsSync(`/sys/block/${d}/device`));
    if (sysDisks.length === 0) {
      // A container without a block device: the one honest answer is a refusal that says why.
      await expect(collectHardware()).rejects.toThrow(/at least one disk/);
      return;
    }
    const inv = await collectHardware();
    expect(hardwareSchema.safeParse(inv.hardware).success).toBe(true);
    expect(inv.arch).toBe(normalizeArch(process.arch));
    expect(inv.hostname).toBe(os.hostname());
    const { cpu } = inv.hardware;
    expect(cpu.threads).toBe(os.cpus().length);
    expect(cpu.sockets).toBeLessThanOrEqual(cpu.cores);
    expect(cpu.cores).toBeLessThanOrEqual(cpu.threads);
    expect(Math.abs(inv.hardware.memoryBytes - os.totalmem())).toBeLessThan(os.totalmem() * 0.01);
    for (const disk of inv.hardware.disks) {
      const sectors = Number(readFileSync(`/sys/block/${disk.name}/size`, "utf8"));
      expect(disk.sizeBytes).toBe(sectors * 512);
    }
    for (const nic of inv.hardware.nics)
      expect(readFileSync(`/sys/class/net/${nic.name}/address`, "utf8").trim()).toBe(nic.mac);
    // Every physical NIC with a MAC is reported, addressed or not.
    for (const name of readdirSync("/sys/class/net")) {
      const mac = readFileSync(`/sys/class/net/${name}/address`, "utf8").trim();
      if (existsSync(`/sys/class/net/${name}/device`) && mac !== "00:00:00:00:00:00")
        expect(inv.hardware.nics.map((n) => n.mac)).toContain(mac);
    }
    const ids = [inv.hardware.uuid, inv.hardware.serial, ...inv.hardware.nics.map((n) => n.mac)];
    expect(ids).toContain(inv.machineId);
  });
});
