import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Disk } from "../model";
import {
  ALIGNMENT_SECTORS,
  DEFAULT_OSD_MIN_BYTES,
  diskNeedsFrom,
  GB,
  GiB,
  GPT_BACKUP_SECTORS,
  layoutMinimumBytes,
  lvmCommands,
  MiB,
  partitionDevice,
  planDisks,
  ROOT_MIN_GIB,
  SECTOR_BYTES,
  sfdiskScript,
  type DiskNeeds,
  type DiskPlan,
} from "./plan";

function disk(name: string, sizeBytes: number, more: Partial<Disk> = {}): Disk {
  return {
    name,
    sizeBytes,
    type: "ssd",
    rotational: false,
    removable: false,
    ...more,
  };
}

function node(disks: Disk[], osDisk?: string) {
  return {
    id: "n-1",
    hostname: "node-1",
    hardware: { disks },
    ...(osDisk ? { osDisk } : {}),
  };
}

const NEEDS: DiskNeeds = { containersGiB: 50 };

function planOf(result: ReturnType<typeof planDisks>): DiskPlan {
  if (!result.ok) throw new Error(`expected a plan, got ${JSON.stringify(result.problems)}`);
  return result.plan;
}

describe("OS disk layout", () => {
  it("lays out the brief's partitions exactly on a 480 GB SSD", () => {
    const plan = planOf(planDisks(node([disk("sda", 480 * GB)]), NEEDS));
    const parts = plan.os.partitions.map((p) => [
      p.name,
      p.startSector,
      p.sizeSectors,
      p.typeGuid,
      p.device,
    ]);
    expect(parts).toEqual([
      ["bios-boot", 2048, 24 * 2048, "21686148-6449-6E6F-744E-656564454649", "/dev/sda1"],
      ["efi", 25 * 2048, 200 * 2048, "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "/dev/sda2"],
      ["boot", 225 * 2048, 250 * 2048, "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "/dev/sda3"],
      ["cairn", 475 * 2048, 936525824, "E6D6D379-F507-44C2-A23C-238F2A3DF928", "/dev/sda4"],
    ]);
    // 480e9 bytes = 937,500,000 sectors; last usable 937,499,966; the PV ends on the last whole MiB before it.
    const pv = plan.os.partitions[3]!;
    expect(pv.startSector + pv.sizeSectors - 1).toBe(937498623);
    expect(plan.os.lastUsableSector).toBe(937499966);
    expect(plan.os.logicalVolumes.map((lv) => [lv.name, lv.extents, lv.fillsFree])).toEqual([
      ["swap", 1024, false],
      ["containers", 12800, false],
      ["root", 100497, true],
    ]);
  });

  it("keeps the partitions before LVM under 500 MiB", () => {
    const plan = planOf(planDisks(node([disk("sda", 480 * GB)]), NEEDS));
    expect(plan.os.partitions[3]!.startBytes).toBe(475 * MiB);
  });

  it("writes the sfdisk script and LVM commands", () => {
    const plan = planOf(
      planDisks(node([disk("nvme0n1", 480 * GB, { type: "nvme" })]), {
        containersGiB: 100,
      }),
    );
    expect(sfdiskScript(plan)).toBe(
      [
        "label: gpt",
        "unit: sectors",
        "first-lba: 2048",
        "last-lba: 937499966",
        "",
        'start=2048, size=49152, type=21686148-6449-6E6F-744E-656564454649, name="bios-boot"',
        'start=51200, size=409600, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="efi"',
        'start=460800, size=512000, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="boot"',
        'start=972800, size=936525824, type=E6D6D379-F507-44C2-A23C-238F2A3DF928, name="cairn"',
        "",
      ].join("\n"),
    );
    expect(lvmCommands(plan)).toEqual([
      "pvcreate --yes --dataalignment 1m /dev/nvme0n1p4",
      "vgcreate --yes --physicalextentsize 4m cairn /dev/nvme0n1p4",
      "lvcreate --yes --name swap --extents 1024 cairn",
      "lvcreate --yes --name containers --extents 25600 cairn",
      "lvcreate --yes --name root --extents 100%FREE cairn",
    ]);
  });

  it("names partitions the way the kernel does", () => {
    expect(partitionDevice("sda", 4)).toBe("/dev/sda4");
    expect(partitionDevice("nvme0n1", 4)).toBe("/dev/nvme0n1p4");
    expect(partitionDevice("/dev/mmcblk0", 1)).toBe("/dev/mmcblk0p1");
  });

  it("fits root at exactly its minimum on the smallest allowed disk, and refuses one sector less", () => {
    const minimum = layoutMinimumBytes(50);
    const plan = planOf(planDisks(node([disk("sda", minimum)]), NEEDS));
    const root = plan.os.logicalVolumes.find((lv) => lv.name === "root")!;
    expect(root.sizeBytes).toBe(ROOT_MIN_GIB * GiB);
    const refused = planDisks(node([disk("sda", minimum - SECTOR_BYTES)]), NEEDS);
    expect(refused.ok).toBe(false);
  });
});

describe("choosing the OS disk", () => {
  it("takes the smallest fixed SSD that is large enough, leaving data disks for Ceph", () => {
    const plan = planOf(
      planDisks(
        node([
          disk("sdc", 1.92e12),
          disk("sda", 64 * GB),
          disk("sdb", 240 * GB),
          disk("sdd", 120 * GB, { type: "hdd", rotational: true }),
          disk("sde", 32 * GB, { removable: true }),
        ]),
        { containersGiB: 50, osd: { count: 1, minBytes: 100 * GB } },
      ),
    );
    expect(plan.os.disk).toBe("sdb");
    expect(plan.os.choice.code).toBe("smallest-solid-state");
    expect(plan.os.choice.message.en).toContain("sdb (240 GB)");
    expect(plan.osdDisks.map((d) => d.name)).toEqual(["sdc", "sdd"]);
    expect(plan.osd).toEqual({ needed: 1, minBytes: 100 * GB, found: 2 });
    expect(plan.unused.map((d) => [d.name, d.reason.code])).toEqual([
      ["sde", "removable"],
      ["sda", "too-small-for-osd"],
    ]);
  });

  it("falls back to the smallest large-enough HDD when no SSD fits", () => {
    const plan = planOf(
      planDisks(
        node([
          disk("sda", 60 * GB),
          disk("sdb", 2e12, { type: "hdd", rotational: true }),
          disk("sdc", 1e12, { type: "hdd", rotational: true }),
        ]),
        NEEDS,
      ),
    );
    expect(plan.os.disk).toBe("sdc");
    expect(plan.os.choice.code).toBe("smallest");
    expect(plan.unused.map((d) => d.reason.code)).toEqual(["not-needed", "not-needed"]);
  });

  it("honours the operator's choice", () => {
    const plan = planOf(
      planDisks(node([disk("sda", 240 * GB), disk("sdb", 960 * GB)], "sdb"), NEEDS),
    );
    expect(plan.os.disk).toBe("sdb");
    expect(plan.os.choice.code).toBe("explicit");
  });

  it.each([
    [
      "a missing disk",
      [disk("sda", 240 * GB)],
      "sdz",
      "os-disk-missing",
      { disk: "sdz", disks: "sda" },
    ],
    [
      "a removable disk",
      [disk("sda", 240 * GB, { removable: true })],
      "sda",
      "os-disk-removable",
      { disk: "sda" },
    ],
    [
      "a small disk",
      [disk("sda", 64 * GB)],
      "sda",
      "os-disk-too-small",
      { disk: "sda", size: "64 GB", minimum: "79.96 GB" },
    ],
  ])("refuses %s named by the operator", (_label, disks, osDisk, code, params) => {
    const result = planDisks(node(disks, osDisk), NEEDS);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]!.code).toBe(code);
    expect(result.problems[0]!.params).toMatchObject(params);
  });

  it("refuses a node whose disks are all too small, with the sizes", () => {
    const result = planDisks(node([disk("sda", 64 * GB), disk("sdb", 32 * GB)]), {
      containersGiB: 50,
      installDiskBytes: 200 * GB,
    });
    expect(result).toMatchObject({
      ok: false,
      problems: [
        {
          code: "no-install-disk",
          params: {
            node: "node-1",
            disk: "sda",
            size: "64 GB",
            minimum: "200 GB",
          },
        },
      ],
    });
    if (result.ok) return;
    expect(result.problems[0]!.message.en).toBe(
      "node-1: no disk can hold the OS; it needs at least 200 GB and the largest fixed disk, sda, has 64 GB.",
    );
    expect(result.problems[0]!.message["zh-CN"]).toContain("200 GB");
  });

  it("refuses a node with only removable disks", () => {
    const result = planDisks(node([disk("sda", 480 * GB, { removable: true })]), NEEDS);
    expect(!result.ok && result.problems[0]!.code).toBe("only-removable-disks");
  });

  it("derives needs from role requirements", () => {
    const osd = diskNeedsFrom(
      { containersGiB: 80, installDiskGB: 200, dataDisks: 0, dataDiskGB: 0 },
      new Set(["ceph-osd"]),
    );
    expect(osd).toEqual({
      containersGiB: 80,
      installDiskBytes: 200 * GB,
      osd: { count: 1, minBytes: DEFAULT_OSD_MIN_BYTES },
    });
    expect(
      diskNeedsFrom(
        { containersGiB: 0, installDiskGB: 0, dataDisks: 2, dataDiskGB: 100 },
        new Set(),
      ),
    ).toEqual({ containersGiB: 50 });
  });
});

describe("layout properties", () => {
  it("never overlaps, aligns to 1 MiB, fits before the backup GPT and leaves under 1 MiB unused", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }).chain((containersGiB) =>
          fc.record({
            containersGiB: fc.constant(Math.max(1, containersGiB)),
            sizeBytes: fc.integer({
              min: layoutMinimumBytes(Math.max(1, containersGiB)),
              max: 30e12,
            }),
          }),
        ),
        ({ containersGiB, sizeBytes }) => {
          const plan = planOf(planDisks(node([disk("sda", sizeBytes)]), { containersGiB }));
          const parts = plan.os.partitions;
          const totalSectors = Math.floor(sizeBytes / SECTOR_BYTES);
          expect(parts[0]!.startSector).toBe(ALIGNMENT_SECTORS);
          for (let i = 0; i < parts.length; i++) {
            const p = parts[i]!;
            expect(p.startSector % ALIGNMENT_SECTORS).toBe(0);
            expect(p.sizeSectors % ALIGNMENT_SECTORS).toBe(0);
            expect(p.sizeSectors).toBeGreaterThan(0);
            if (i > 0)
              expect(p.startSector).toBe(parts[i - 1]!.startSector + parts[i - 1]!.sizeSectors);
          }
          const end = parts[parts.length - 1]!.startSector + parts[parts.length - 1]!.sizeSectors;
          expect(end).toBeLessThanOrEqual(totalSectors - GPT_BACKUP_SECTORS);
          expect(totalSectors - GPT_BACKUP_SECTORS - end).toBeLessThan(ALIGNMENT_SECTORS);
          const lvs = plan.os.logicalVolumes;
          const used = lvs.reduce((sum, lv) => sum + lv.extents, 0);
          expect(used).toBe(plan.os.volumeGroup.extents);
          expect(lvs.find((lv) => lv.name === "root")!.sizeBytes).toBeGreaterThanOrEqual(
            ROOT_MIN_GIB * GiB,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses every disk below the minimum", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: layoutMinimumBytes(50) - 1 }), (sizeBytes) => {
        const result = planDisks(node([disk("sda", sizeBytes)]), NEEDS);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
