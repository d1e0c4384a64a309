/**
 * disk-layout on a lab node: its disks are the sparse image files the lab creates, so the real
 * sfdisk partitions them and `sfdisk --dump` reads back exactly the planned table.
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, truncateSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LAB_DISK_DIR, labDiskImage, osDiskPlanOf } from "../../../domain/release/disk/apply";
import diskLayout from "./disk";
import { provisioningInput, provisioningNodes, stepRun, withMode } from "./provisioning-testing";

const SFDISK = ["/usr/sbin/sfdisk", "/sbin/sfdisk", "/usr/bin/sfdisk"].find((p) => existsSync(p));

/** A test that needs the real sfdisk; skipped, and saying why, where it is not installed. */
function needsSfdisk(name: string, fn: () => unknown) {
  if (SFDISK) it(name, fn);
  else it.skip(`${name} (skipped: sfdisk is not installed; apt-get install fdisk)`, fn);
}

const HOST = "lab-0008";
const input = provisioningInput({ node: HOST, added: [HOST] });
const plan = osDiskPlanOf(input.node);
const machine = provisioningNodes().find((n) => n.hostname === HOST)!;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A lab root with the node's disks as sparse image files sized like the disks, as `cairn lab` makes them. */
async function labRoot(mode: "apply" | "noop" = "apply") {
  const r = stepRun(withMode(input, mode));
  cleanups.push(r.cleanup);
  mkdirSync(path.join(r.root, LAB_DISK_DIR), { recursive: true });
  for (const disk of machine.hardware.disks) {
    const file = path.join(r.root, labDiskImage(disk.name));
    closeSync(openSync(file, "w"));
    truncateSync(file, disk.sizeBytes);
  }
  return { ...r, image: path.join(r.root, labDiskImage(plan.disk)) };
}

function sfdisk(args: string[], stdin?: string) {
  return spawnSync(SFDISK as string, args, { input: stdin, encoding: "utf8" });
}

/** The partition lines of `sfdisk --dump`, as start/size/type/name. */
function dumped(image: string) {
  const r = sfdisk(["--dump", image]);
  expect(r.status, r.stderr).toBe(0);
  const head = Object.fromEntries(
    r.stdout
      .split("\n")
      .filter((l) => /^[a-z-]+: /.test(l))
      .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
  );
  const partitions = r.stdout
    .split("\n")
    .filter((l) => l.includes(" : start="))
    .map((l) => {
      const field = (k: string) => new RegExp(`${k}=\\s*"?([^,"]+)"?`).exec(l)?.[1];
      return {
        start: Number(field("start")),
        size: Number(field("size")),
        type: field("type"),
        name: field("name"),
      };
    });
  return { head, partitions, text: r.stdout };
}

describe("disk-layout step", () => {
  it("looks for disk images where the lab writes them", () => {
    // releases/ may import only domain/, so the agent's constant is compared as text.
    const agent = readFileSync(path.resolve(import.meta.dirname, "../../../agent/lab.ts"), "utf8");
    expect(agent).toContain(`export const LAB_DISK_DIR = "${LAB_DISK_DIR}";`);
    expect(plan.disk).toBe("sda");
    expect(plan.sizeBytes).toBe(480e9);
  });

  needsSfdisk(
    "partitions the OS disk image exactly as planned, checked with sfdisk --dump",
    async () => {
      const { ctx, image, out } = await labRoot();
      await diskLayout(ctx);
      const { head, partitions } = dumped(image);
      expect(head.label).toBe("gpt");
      expect(Number(head["last-lba"])).toBe(plan.lastUsableSector);
      expect(partitions).toEqual(
        plan.partitions.map((p) => ({
          start: p.startSector,
          size: p.sizeSectors,
          type: p.typeGuid,
          name: p.name,
        })),
      );
      expect(ctx.changes).toEqual([{ path: `/${labDiskImage("sda")}`, change: "created" }]);
      expect(out).toContain(`created the planned 4-partition gpt table on /${labDiskImage("sda")}`);
      // The other disks of the storage node are left whole for Ceph.
      const sdc = sfdisk(["--json", path.join(path.dirname(image), "sdc.img")]);
      expect(sdc.status).toBe(1);
    },
  );

  needsSfdisk("changes nothing when the table already matches", async () => {
    const first = await labRoot();
    await diskLayout(first.ctx);
    const before = dumped(first.image).text;
    const again = stepRun(input, first.root);
    await diskLayout(again.ctx);
    expect(again.ctx.changes).toEqual([{ path: `/${labDiskImage("sda")}`, change: "unchanged" }]);
    expect(again.out).toContain(
      `/${labDiskImage("sda")} already has the planned partition table: nothing to do`,
    );
    // A rewrite would give the table a new label-id and partition uuids.
    expect(dumped(first.image).text).toBe(before);
  });

  needsSfdisk("in noop prints the planned table and leaves the disk blank", async () => {
    const { ctx, image, out } = await labRoot("noop");
    await diskLayout(ctx);
    expect(out).toContain(
      `/${labDiskImage("sda")} is blank: would write this partition table with sfdisk --no-reread --no-tell-kernel /${labDiskImage("sda")}:`,
    );
    expect(out).toContain(
      `+ start=972800, size=${plan.partitions[3]!.sizeSectors}, type=E6D6D379-F507-44C2-A23C-238F2A3DF928, name="cairn"`,
    );
    expect(out[0]).toBe("gpt table on sda (480 GB, 937500000 sectors of 512 bytes):");
    const r = sfdisk(["--json", image]);
    expect(r.stderr).toMatch(/does not contain a recognized partition table/);
  });

  needsSfdisk("refuses a disk with another partition table and leaves it untouched", async () => {
    const { ctx, image } = await labRoot();
    const made = sfdisk(["--no-reread", "--no-tell-kernel", image], "label: dos\n,10GiB,83\n");
    expect(made.status, made.stderr).toBe(0);
    const before = dumped(image).text;
    await expect(diskLayout(ctx)).rejects.toThrow(
      [
        `lab-0008: /${labDiskImage("sda")} already holds something other than the planned gpt table, and Cairn does not overwrite a disk that may hold data:`,
        "  - the partition table is dos; the plan is gpt",
        "  - the disk has 1 partition(s); the plan has 4",
        '  - partition 1 covers sectors 2048–20973567 (10.74 GB) instead of sectors 2048–51199 (24 MiB), has type 83 instead of 21686148-6449-6E6F-744E-656564454649 (bios-boot), is named "" instead of "bios-boot"',
        `To start this lab disk over, wipe it (wipefs --all /${labDiskImage("sda")}) or delete the image and restart the lab node; or choose another OS disk for lab-0008 in its disk settings.`,
      ].join("\n"),
    );
    expect(dumped(image).text).toBe(before);
    expect(ctx.changes).toEqual([]);
  });

  needsSfdisk("refuses an image whose size is not the reported disk's", async () => {
    const { ctx, image } = await labRoot();
    truncateSync(image, 240e9);
    await expect(diskLayout(ctx)).rejects.toThrow(
      `lab-0008: /${labDiskImage("sda")} has 240000000000 bytes, but the plan was made for 480000000000 bytes (the disk the agent reported): rediscover the node's hardware before partitioning`,
    );
  });

  it("never reaches for a device of the host from a lab root", async () => {
    const r = stepRun(input);
    cleanups.push(r.cleanup);
    await expect(diskLayout(r.ctx)).rejects.toThrow(
      /the lab disk image \/var\/lib\/cairn-lab\/disks\/sda\.img does not exist under .*Refusing to touch \/dev\/sda of this machine from a lab node\./,
    );
  });
});
