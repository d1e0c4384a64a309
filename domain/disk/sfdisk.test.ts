/**
 * Applies `sfdiskScript` with the real sfdisk to sparse image files and reads the table back: the
 * disk a node gets is the disk the plan describes. Sparse files cost no space whatever their size.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GB, layoutMinimumBytes, planDisks, sfdiskScript, type DiskNeeds } from "./plan";

const SFDISK = ["/usr/sbin/sfdisk", "/sbin/sfdisk", "/usr/bin/sfdisk"].find((p) => existsSync(p));

interface SfdiskJson {
  partitiontable: {
    label: string;
    unit: string;
    sectorsize?: number;
    lastlba?: number;
    partitions: { start: number; size: number; type: string; name?: string }[];
  };
}

let dir = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cairn-sfdisk-"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function sparseImage(name: string, sizeBytes: number): Promise<string> {
  const path = join(dir, name);
  const handle = await open(path, "w");
  await handle.truncate(sizeBytes);
  await handle.close();
  return path;
}

function run(args: string[], input?: string): string {
  const result = spawnSync(SFDISK as string, args, { input, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(
      `sfdisk ${args.join(" ")} exited ${result.status}: ${result.stderr || result.stdout}`,
    );
  }
  return result.stdout;
}

describe("sfdisk reproduces the plan", () => {
  it("has sfdisk installed", () => {
    expect(
      SFDISK,
      "sfdisk was not found in /usr/sbin, /sbin or /usr/bin: install it with `apt-get install fdisk` (CI does)",
    ).toBeDefined();
  });

  const cases: [string, number, DiskNeeds][] = [
    ["the smallest disk the layout accepts", layoutMinimumBytes(50), { containersGiB: 50 }],
    ["a 240 GB boot SSD", 240 * GB, { containersGiB: 100 }],
    ["a 480 GB SSD", 480 * GB, { containersGiB: 50 }],
    ["a 960 GB disk of odd size", 960 * GB + 12345, { containersGiB: 80 }],
    ["a 16 TB disk", 16e12, { containersGiB: 150 }],
  ];

  it.each(cases)("on %s", async (_label, sizeBytes, needs) => {
    if (!SFDISK) throw new Error("sfdisk is missing: install it with `apt-get install fdisk`");
    const result = planDisks(
      {
        id: "n",
        hostname: "n",
        hardware: {
          disks: [
            {
              name: "sda",
              sizeBytes,
              type: "ssd",
              rotational: false,
              removable: false,
            },
          ],
        },
      },
      needs,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    const plan = result.plan;
    const image = await sparseImage(`disk-${sizeBytes}.img`, sizeBytes);
    run(["--no-reread", "--no-tell-kernel", image], sfdiskScript(plan));
    const table = (JSON.parse(run(["--json", image])) as SfdiskJson).partitiontable;
    expect(table.label).toBe("gpt");
    expect(table.lastlba).toBe(plan.os.lastUsableSector);
    expect(
      table.partitions.map((p) => ({
        start: p.start,
        size: p.size,
        type: p.type.toUpperCase(),
        name: p.name,
      })),
    ).toEqual(
      plan.os.partitions.map((p) => ({
        start: p.startSector,
        size: p.sizeSectors,
        type: p.typeGuid,
        name: p.name,
      })),
    );
  });
});
