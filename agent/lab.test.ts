import { statSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { labNodes } from "../domain/lab/inventory";
import {
  LAB_DISK_DIR,
  labNodeDirs,
  limiter,
  seededRandom,
  startLabFleet,
  type LabFleet,
} from "./lab";
import { FakeGateway } from "./testing/fake-gateway";
import { FAST, tempDir } from "./testing/harness";

let gateway: FakeGateway;
let dir: string;
let cleanup: () => void;
let fleet: LabFleet | null = null;

beforeEach(async () => {
  gateway = await FakeGateway.start({ heartbeatSeconds: 1, pollSeconds: 1 });
  ({ dir, cleanup } = tempDir("lab"));
});

afterEach(async () => {
  await fleet?.stop();
  fleet = null;
  await gateway.close();
  cleanup();
});

describe("startLabFleet", () => {
  it("grows a lab: nodes started from a first index are the next machines, not repeats", async () => {
    fleet = await startLabFleet({
      server: gateway.url,
      token: gateway.bootstrapToken,
      nodes: 2,
      firstIndex: 3,
      dir,
      agent: FAST,
    });
    expect(await fleet.registered).toBe(2);
    const expected = labNodes(5).slice(3);
    expect([...gateway.nodes.values()].map((n) => n.machineId).sort()).toEqual(
      expected.map((n) => n.hardware.uuid).sort(),
    );
  });

  it("registers every node as a lab node with its synthetic hardware and unique MACs", async () => {
    fleet = await startLabFleet({
      server: gateway.url,
      token: gateway.bootstrapToken,
      nodes: 5,
      dir,
      agent: FAST,
    });
    expect(await fleet.registered).toBe(5);

    const nodes = [...gateway.nodes.values()];
    expect(nodes.map((n) => n.hostname).sort()).toEqual([
      "lab-0001",
      "lab-0002",
      "lab-0003",
      "lab-0004",
      "lab-0005",
    ]);
    expect(nodes.every((n) => n.lab)).toBe(true);
    const expected = labNodes(5);
    for (const node of nodes) {
      const lab = expected.find((e) => e.hostname === node.hostname)!;
      expect(node.hardware).toEqual(lab.hardware);
      expect(node.machineId).toBe(lab.hardware.uuid);
    }
    const macs = nodes.flatMap((n) => n.hardware.nics.map((nic) => nic.mac));
    expect(new Set(macs).size).toBe(macs.length);
  });

  it("gives each node a root with one sparse image per disk, sized like the disk", async () => {
    fleet = await startLabFleet({
      server: gateway.url,
      token: gateway.bootstrapToken,
      nodes: 5,
      dir,
      agent: FAST,
    });
    for (const node of fleet.nodes) {
      const { root } = labNodeDirs(dir, node.hostname);
      for (const disk of node.hardware.disks) {
        const image = statSync(path.join(root, LAB_DISK_DIR, `${disk.name}.img`));
        expect(image.size).toBe(disk.sizeBytes);
        // Sparse: terabytes announced, (almost) nothing allocated.
        expect(image.blocks * 512).toBeLessThan(1024 * 1024);
      }
    }
  });

  it("runs steps against the node's own root, and injects failures at the asked rate", async () => {
    fleet = await startLabFleet({
      server: gateway.url,
      token: gateway.bootstrapToken,
      nodes: 2,
      dir,
      failRate: 1,
      agent: FAST,
    });
    await fleet.registered;
    const node = gateway.nodeByHostname("lab-0002")!;
    const order = gateway.enqueue(node.nodeId, {
      script: { path: "s.sh", content: "#!/bin/sh\necho never runs\n" },
    });
    await gateway.waitFor(
      () => gateway.eventsOf(order.attemptId).length === 2,
      5000,
      "the injected failure",
    );
    expect(gateway.eventsOf(order.attemptId)[1]!.event).toEqual({ type: "exited", exitCode: 1 });
    expect(gateway.linesOf(order.attemptId, "stderr")).toEqual(["lab: injected failure"]);
    expect(gateway.linesOf(order.attemptId, "stdout")).toEqual([]);
  });

  it("fails the first attempt of a fail-once step in each task, with a line saying so, and runs the retry", async () => {
    const options = {
      server: gateway.url,
      token: gateway.bootstrapToken,
      nodes: 1,
      dir,
      failOnce: ["ntp"],
      agent: FAST,
    };
    fleet = await startLabFleet(options);
    await fleet.registered;
    const script = { path: "steps/ntp.sh", content: "#!/bin/sh\necho ntp configured\n" };
    const taskId = "00000000-0000-4000-8000-000000000001";
    const run = async (order: Parameters<FakeGateway["enqueue"]>[1]) => {
      const o = gateway.enqueue("node-1", order);
      await gateway.waitFor(() => gateway.eventsOf(o.attemptId).length === 2, 5000, "exited");
      return {
        exit: gateway.eventsOf(o.attemptId)[1]!.event,
        stdout: gateway.linesOf(o.attemptId, "stdout"),
        stderr: gateway.linesOf(o.attemptId, "stderr"),
      };
    };
    const ntp = { taskId, stepId: "ntp", stepKey: "ntp@node-1", script };
    const first = await run(ntp);
    expect(first.exit).toEqual({ type: "exited", exitCode: 1 });
    expect(first.stderr).toEqual([
      "lab: step ntp fails on its first attempt on this node, on purpose (lab option fail-once); a retry runs the step for real",
    ]);
    expect(first.stdout).toEqual([]);
    // The retry (a new attempt of the same step in the same task) runs for real.
    expect(await run(ntp)).toMatchObject({ exit: { exitCode: 0 }, stdout: ["ntp configured"] });
    // Other steps are untouched; a new task fails its first ntp attempt again.
    const dns = { taskId, stepId: "dns", stepKey: "dns@node-1", script };
    expect((await run(dns)).exit).toEqual({ type: "exited", exitCode: 0 });
    const next = { ...ntp, taskId: "00000000-0000-4000-8000-000000000002" };
    expect((await run(next)).exit).toEqual({ type: "exited", exitCode: 1 });

    // A restarted lab remembers: the task's ntp is not failed a second time.
    await fleet.stop();
    fleet = await startLabFleet(options);
    await fleet.registered;
    expect((await run(next)).exit).toEqual({ type: "exited", exitCode: 0 });
  });

  it("slows steps down by the asked seconds and gives them the node's root", async () => {
    const durations: number[] = [];
    fleet = await startLabFleet({
      server: gateway.url,
      token: gateway.bootstrapToken,
      nodes: 1,
      dir,
      slowSeconds: 0.3,
      agent: FAST,
      logger: (_, notice) => {
        if (notice.type === "attempt-ended") durations.push(notice.durationMs);
      },
    });
    await fleet.registered;
    const order = gateway.enqueue("node-1", {
      script: {
        path: "s.sh",
        content: '#!/bin/sh\necho "root=$CAIRN_ROOT"\nls "$CAIRN_ROOT/var/lib/cairn-lab/disks"\n',
      },
    });
    await gateway.waitFor(() => gateway.eventsOf(order.attemptId).length === 2, 5000, "exited");
    const { root } = labNodeDirs(dir, "lab-0001");
    expect(gateway.linesOf(order.attemptId, "stdout")).toEqual([
      `root=${root}`,
      ...fleet.nodes[0]!.hardware.disks.map((d) => `${d.name}.img`).sort(),
    ]);
    expect(gateway.eventsOf(order.attemptId)[1]!.event).toEqual({ type: "exited", exitCode: 0 });
    expect(durations).toHaveLength(1);
    expect(durations[0]).toBeGreaterThanOrEqual(300);
  });

  it("refuses impossible options with a message that names them", async () => {
    await expect(startLabFleet({ server: gateway.url, token: "t", nodes: 0, dir })).rejects.toThrow(
      /nodes must be/,
    );
    await expect(
      startLabFleet({ server: gateway.url, token: "t", nodes: 1, dir, failRate: 2 }),
    ).rejects.toThrow(/failRate/);
    await expect(
      startLabFleet({ server: gateway.url, token: "t", nodes: 1, dir, failOnce: ["NTP step"] }),
    ).rejects.toThrow(/failOnce takes graph step ids/);
  });
});

describe("lab helpers", () => {
  it("limiter runs at most N at once, in arrival order", async () => {
    const gate = limiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const releases: (() => void)[] = [];
    const jobs = [0, 1, 2, 3, 4].map((i) =>
      gate(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise<void>((r) => releases.push(r));
        active--;
      }),
    );
    while (order.length < 5) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    releases.forEach((r) => r());
    await Promise.all(jobs);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("seeded randomness repeats per node and differs between nodes", () => {
    const draw = (r: () => number) => Array.from({ length: 5 }, r);
    expect(draw(seededRandom(1, 0, 7))).toEqual(draw(seededRandom(1, 0, 7)));
    expect(draw(seededRandom(1, 0, 7))).not.toEqual(draw(seededRandom(1, 0, 8)));
    const spread = Array.from({ length: 1000 }, seededRandom(3, 0, 1));
    expect(spread.filter((x) => x < 0.3).length).toBeGreaterThan(220);
    expect(spread.filter((x) => x < 0.3).length).toBeLessThan(380);
  });
});
