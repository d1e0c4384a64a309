import { describe, expect, it } from "vitest";
import { GB, PARTITION_TYPES } from "../../disk/plan";
import { labNodes } from "../../lab/inventory";
import type { StepContract } from "../contract";
import {
  LAB_DISK_DIR,
  compareTable,
  describePlan,
  diskNeedsOf,
  labDiskImage,
  osDiskPlanOf,
  parseSfdiskJson,
  parseWipefsJson,
  refusalMessage,
  sfdiskApplyArgs,
  type PartitionTable,
} from "./apply";

const [controller] = labNodes(1);

function node(roles: string[], over: Partial<StepContract["node"]> = {}): StepContract["node"] {
  return {
    id: controller!.id,
    hostname: controller!.hostname,
    roles,
    addresses: {},
    provisioningNode: false,
    hardware: controller!.hardware,
    ...over,
  };
}

const plan = osDiskPlanOf(node(["controller"]));

/** The table sfdisk --json prints for a disk partitioned exactly as planned. */
function planned(): PartitionTable {
  return {
    label: "gpt",
    device: "/dev/sda",
    unit: "sectors",
    firstlba: 2048,
    lastlba: plan.lastUsableSector,
    sectorsize: 512,
    partitions: plan.partitions.map((p) => ({
      node: p.device,
      start: p.startSector,
      size: p.sizeSectors,
      type: p.typeGuid,
      name: p.name,
    })),
  };
}

describe("the OS disk plan of a step's node", () => {
  it("finds a lab node's disk images in its folder", () => {
    expect(LAB_DISK_DIR).toBe("var/lib/cairn-lab/disks");
    expect(labDiskImage("sda")).toBe("var/lib/cairn-lab/disks/sda.img");
    expect(labDiskImage("/dev/nvme0n1")).toBe("var/lib/cairn-lab/disks/nvme0n1.img");
  });

  it("sizes the layout from the node's roles in the release catalog", () => {
    expect(diskNeedsOf(["controller"])).toEqual({
      containersGiB: 100,
      installDiskBytes: 200 * GB,
    });
    expect(diskNeedsOf(["storage"])).toEqual({
      containersGiB: 30,
      installDiskBytes: 100 * GB,
      osd: { count: 1, minBytes: 100 * GB },
    });
    expect(diskNeedsOf(["operator-made"]).containersGiB).toBe(50);
  });

  it("plans the smallest SSD of a controller and says why", () => {
    expect(plan.disk).toBe("sda");
    expect(plan.partitions.map((p) => [p.name, p.sizeBytes])).toEqual([
      ["bios-boot", 24 * 1024 ** 2],
      ["efi", 200 * 1024 ** 2],
      ["boot", 250 * 1024 ** 2],
      ["cairn", plan.partitions[3]!.sizeBytes],
    ]);
    expect(plan.choice.code).toBe("smallest-solid-state");
    expect(describePlan(plan)[0]).toBe(
      "gpt table on sda (480 GB, 937500000 sectors of 512 bytes):",
    );
  });

  it("names the field when the chosen OS disk does not exist", () => {
    expect(() => osDiskPlanOf(node(["controller"], { osDisk: "sdz" }))).toThrow(
      /^node\.osDisk: lab-0001: the chosen OS disk sdz does not exist; the node has sda, sdb, sdc\.$/,
    );
  });
});

describe("compareTable", () => {
  it("calls a disk without a table or signatures blank", () => {
    expect(compareTable(plan, null, [])).toEqual({ status: "blank" });
  });

  it("calls an empty GPT (only its own signatures) blank", () => {
    const empty = { ...planned(), partitions: [] };
    const own = parseWipefsJson(
      JSON.stringify({
        signatures: [
          { device: "d", offset: "0x200", type: "gpt", uuid: null, label: null },
          { device: "d", offset: "0x1fe", type: "PMBR", uuid: null, label: null },
        ],
      }),
    );
    expect(compareTable(plan, empty, own)).toEqual({ status: "blank" });
  });

  it("refuses a disk without a table that carries a file system", () => {
    expect(compareTable(plan, null, [{ device: "d", offset: "0x438", type: "ext4" }])).toEqual({
      status: "differs",
      differences: ["the disk has no partitions but carries a ext4 signature at offset 0x438"],
    });
  });

  it("matches the planned table, whatever the case of the type GUIDs", () => {
    const table = planned();
    table.partitions = table.partitions.map((p) => ({ ...p, type: p.type.toLowerCase() }));
    expect(compareTable(plan, table)).toEqual({ status: "matches" });
  });

  it("says what differs, partition by partition", () => {
    const table = planned();
    table.partitions[1] = { ...table.partitions[1]!, start: 53248, name: "ESP" };
    table.partitions[2] = { ...table.partitions[2]!, type: PARTITION_TYPES.linuxLvm };
    table.partitions.pop();
    expect(compareTable(plan, table)).toEqual({
      status: "differs",
      differences: [
        "the disk has 3 partition(s); the plan has 4",
        'partition 2 covers sectors 53248–462847 (200 MiB) instead of sectors 51200–460799 (200 MiB), is named "ESP" instead of "efi"',
        `partition 3 has type ${PARTITION_TYPES.linuxLvm} instead of ${PARTITION_TYPES.linuxFilesystem} (boot)`,
      ],
    });
  });

  it("refuses an MBR table and a disk of another size", () => {
    const mbr = parseSfdiskJson(
      JSON.stringify({
        partitiontable: {
          label: "dos",
          id: "0x7acdb22d",
          device: "a.img",
          unit: "sectors",
          sectorsize: 512,
          partitions: [{ node: "a.img1", start: 2048, size: 2097152, type: "83" }],
        },
      }),
    );
    const result = compareTable(plan, mbr);
    expect(result.status === "differs" && result.differences.slice(0, 2)).toEqual([
      "the partition table is dos; the plan is gpt",
      "the disk has 1 partition(s); the plan has 4",
    ]);
    const other = { ...planned(), lastlba: plan.lastUsableSector - 2048 };
    expect(compareTable(plan, other)).toEqual({
      status: "differs",
      differences: [
        `the last usable sector is ${plan.lastUsableSector - 2048}; the plan expects ${plan.lastUsableSector} (a disk of another size)`,
      ],
    });
  });
});

describe("sfdisk invocation and refusal", () => {
  it("keeps the kernel out of it for image files only", () => {
    expect(sfdiskApplyArgs("/x/sda.img", true)).toEqual([
      "--no-reread",
      "--no-tell-kernel",
      "/x/sda.img",
    ]);
    expect(sfdiskApplyArgs("/dev/sda", false)).toEqual(["/dev/sda"]);
  });

  it("says what differs and how to go on", () => {
    expect(
      refusalMessage("lab-0001", plan, "/dev/sda", false, [
        "the partition table is dos; the plan is gpt",
      ]),
    ).toBe(
      [
        "lab-0001: /dev/sda already holds something other than the planned gpt table, and Cairn does not overwrite a disk that may hold data:",
        "  - the partition table is dos; the plan is gpt",
        "To reuse the disk, wipe it on the node first (wipefs --all /dev/sda), then retry this step; or choose another OS disk for lab-0001 in its disk settings.",
      ].join("\n"),
    );
  });
});
