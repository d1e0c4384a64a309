import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Settings } from "../../model";
import { chronyConf, chronyPlan, type ChronyInput } from "./chrony";

const HC = ["controller", "controller", "controller", "hci", "hci", "hci"];
const SPLIT = ["controller", "controller", "controller", "compute", "compute", "storage"];

function cluster(
  roles: readonly string[],
  self: number,
  options: {
    ntp?: Partial<Settings["ntp"]>;
    family?: 4 | 6;
    networks?: boolean;
    addressless?: number[];
  } = {},
): ChronyInput {
  const family = options.family ?? 4;
  const nodes = roles.map((role, i) => ({
    hostname: `lab-000${i + 1}`,
    roles: [role],
    addresses: options.addressless?.includes(i)
      ? {}
      : { management: family === 4 ? `10.20.0.${11 + i}` : `fd00:20::${11 + i}` },
  }));
  return {
    ntp: { servers: ["10.0.0.123", "ntp1.example.com"], clients: "controllers", ...options.ntp },
    node: nodes[self]!,
    nodes,
    networks:
      options.networks === false
        ? []
        : [
            { name: "provisioning", cidr: "10.10.0.0/24" },
            { name: "management", cidr: family === 4 ? "10.20.0.0/24" : "fd00:20::/64" },
          ],
  };
}

const TAIL = `driftfile /var/lib/chrony/chrony.drift
# Step the clock during the first three updates if it is off by more than a second (a node that
# booted with a wrong hardware clock); slew it afterwards, so services never see time go back.
makestep 1 3
# Copy the system time to the hardware clock (every 11 minutes, by the kernel).
rtcsync
`;

const head = (
  host: string,
  what: string,
) => `# Managed by Cairn: local changes are overwritten on the next deploy.
# chrony on ${host}: ${what}.
# Debian/Ubuntu layout: this file is /etc/chrony/chrony.conf; chrony keeps its state in /var/lib/chrony.
`;

describe("chronyConf, hyperconverged (3 controllers + 3 HCI)", () => {
  it("a controller uses the external servers and the other controllers, and serves the management network", () => {
    expect(chronyConf(cluster(HC, 0)))
      .toBe(`${head("lab-0001", "time server for the cluster (it carries the control plane)")}
# External time sources (settings.ntp.servers).
server 10.0.0.123 iburst
server ntp1.example.com iburst

# The other controllers. When the external sources are unreachable the controllers keep one
# time among themselves (orphan mode: the one with the lowest reference id leads), so Ceph
# monitors, Galera and etcd keep agreeing, and the other nodes follow.
server 10.20.0.12 iburst
server 10.20.0.13 iburst
local stratum 10 orphan

# Serve time to the cluster over the management network.
allow 10.20.0.0/24

${TAIL}`);
  });

  it("an HCI node syncs from the three controllers and serves nobody", () => {
    expect(chronyConf(cluster(HC, 3)))
      .toBe(`${head("lab-0004", "client of the controllers (settings.ntp.clients = controllers)")}
# The controllers, which serve time to the cluster.
server 10.20.0.11 iburst
server 10.20.0.12 iburst
server 10.20.0.13 iburst

${TAIL}`);
  });
});

describe("chronyConf, split (3 controllers + 2 compute + 1 storage)", () => {
  it("a storage node with clients = external uses the external servers directly", () => {
    expect(chronyConf(cluster(SPLIT, 5, { ntp: { clients: "external" } })))
      .toBe(`${head("lab-0006", "client of the external NTP servers (settings.ntp.clients = external)")}
# External time sources (settings.ntp.servers).
server 10.0.0.123 iburst
server ntp1.example.com iburst

${TAIL}`);
  });

  it("controllers still use the external servers when clients = external", () => {
    const plan = chronyPlan(cluster(SPLIT, 1, { ntp: { clients: "external" } }));
    expect(plan).toMatchObject({
      serves: true,
      external: ["10.0.0.123", "ntp1.example.com"],
      controllers: ["10.20.0.11", "10.20.0.13"],
      allow: ["10.20.0.0/24"],
    });
  });

  it("controller-hci carries the NTP-server duty like controller", () => {
    const roles = ["controller-hci", "controller-hci", "controller-hci", "compute"];
    expect(chronyPlan(cluster(roles, 2)).serves).toBe(true);
    expect(chronyPlan(cluster(roles, 3)).controllers).toEqual([
      "10.20.0.11",
      "10.20.0.12",
      "10.20.0.13",
    ]);
  });
});

describe("chronyConf edge cases", () => {
  it("with no NTP server the controllers keep time among themselves and say so", () => {
    const text = chronyConf(cluster(HC, 0, { ntp: { servers: [] } }));
    expect(text).toContain(
      "# No external NTP server is set (settings.ntp.servers): the controllers keep one time among\n# themselves, and the whole cluster drifts away from real time together.\n",
    );
    expect(text).not.toContain("# External time sources");
    expect(text).toContain(
      "server 10.20.0.12 iburst\nserver 10.20.0.13 iburst\nlocal stratum 10 orphan\n",
    );
    // The clients are unaffected: they follow the controllers.
    expect(chronyPlan(cluster(HC, 4, { ntp: { servers: [] } })).controllers).toHaveLength(3);
  });

  it("a single controller without NTP servers serves its own clock", () => {
    const text = chronyConf(cluster(["controller", "compute"], 0, { ntp: { servers: [] } }));
    expect(text).toContain("# The only controller: when the external sources are unreachable");
    expect(text).not.toMatch(/^server /m);
    expect(text).toContain("local stratum 10 orphan\n");
  });

  it("falls back, with a note, when the chosen kind of source is missing", () => {
    const external = cluster(HC, 4, { ntp: { clients: "external", servers: [] } });
    expect(chronyPlan(external)).toMatchObject({
      external: [],
      controllers: ["10.20.0.11", "10.20.0.12", "10.20.0.13"],
      notes: [
        "No external NTP server is set (settings.ntp.servers): syncing from the controllers.",
      ],
    });
    const noControllers = cluster(HC, 4, { addressless: [0, 1, 2] });
    expect(chronyPlan(noControllers)).toMatchObject({
      external: ["10.0.0.123", "ntp1.example.com"],
      controllers: [],
    });
    expect(chronyConf(noControllers)).toContain(
      "# Controller lab-0001 has no management address yet.\n",
    );
  });

  it("refuses to leave a node without any time source", () => {
    expect(() =>
      chronyConf(cluster(HC, 4, { ntp: { servers: [] }, addressless: [0, 1, 2] })),
    ).toThrow(/^settings\.ntp\.servers: lab-0005 would have no time source/);
  });

  it("refuses a server that is neither an address nor a host name, naming its index", () => {
    expect(() =>
      chronyConf(cluster(HC, 0, { ntp: { servers: ["10.0.0.123", "ntp one.example.com"] } })),
    ).toThrow(
      /^settings\.ntp\.servers\[1\]: "ntp one\.example\.com" is neither an IP address nor a host name/,
    );
  });

  it("writes IPv6 servers and networks, canonical and deduplicated", () => {
    const input = cluster(HC, 0, {
      family: 6,
      ntp: { servers: ["2001:DB8::123", "2001:db8:0::123", "NTP1.example.com"] },
    });
    const text = chronyConf(input);
    expect(text).toContain("server 2001:db8::123 iburst\nserver ntp1.example.com iburst\n\n");
    expect(text).toContain("server fd00:20::12 iburst\nserver fd00:20::13 iburst\n");
    expect(text).toContain("allow fd00:20::/64\n");
  });

  it("without a management network allows each node's address on its own", () => {
    const plan = chronyPlan(cluster(SPLIT, 0, { networks: false }));
    expect(plan.allow).toEqual([
      "10.20.0.12",
      "10.20.0.13",
      "10.20.0.14",
      "10.20.0.15",
      "10.20.0.16",
    ]);
  });

  it("refuses a management network that is not a CIDR", () => {
    const input = cluster(HC, 0);
    expect(() =>
      chronyConf({ ...input, networks: [{ name: "management", cidr: "10.20.0.1/24" }] }),
    ).toThrow(/^networks\[0\]\.cidr: /);
  });
});

const hasChronyd = spawnSync("sh", ["-c", "command -v chronyd"]).status === 0;

describe.skipIf(!hasChronyd)("chronyd -p accepts every generated file", () => {
  it("for every node of both topologies, IPv4 and IPv6, and the fallbacks", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cairn-chrony-test-"));
    try {
      const inputs: ChronyInput[] = [];
      for (const roles of [HC, SPLIT])
        for (let i = 0; i < roles.length; i++)
          for (const family of [4, 6] as const) inputs.push(cluster(roles, i, { family }));
      inputs.push(cluster(HC, 0, { ntp: { servers: [] } }));
      inputs.push(cluster(SPLIT, 5, { ntp: { clients: "external" }, networks: false }));
      inputs.forEach((input, i) => {
        const file = path.join(dir, `chrony-${i}.conf`);
        writeFileSync(file, chronyConf(input));
        const r = spawnSync("chronyd", ["-p", "-f", file], { encoding: "utf8" });
        expect(r.stderr, `${input.node.hostname}: ${r.stderr}`).toBe("");
        expect(r.status).toBe(0);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
if (!hasChronyd)
  console.warn("chrony.test.ts: chronyd is not installed; the chronyd -p check is skipped");
