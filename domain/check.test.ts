import { describe, expect, it } from "vitest";
import {
  checkClusterDescription,
  clusterDescriptionJsonSchema,
  type ClusterDescriptionInput,
} from "./check";

const NOW = Date.UTC(2026, 10, 28);

const node = (hostname: string, roles: string[], i: number) => ({
  hostname,
  roles,
  addresses: { management: `10.0.0.${10 + i}` },
  hardware: {
    cpu: {
      model: "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
      arch: "x86_64" as const,
      sockets: 2,
      cores: 64,
      threads: 128,
      virtualization: "vmx" as const,
    },
    memoryGiB: 512,
    disks: [
      { name: "sda", sizeGB: 480, type: "ssd" as const },
      { name: "nvme0n1", sizeTB: 3.2, type: "nvme" as const },
    ],
    nics: [
      {
        name: "eno1",
        mac: `52:54:00:00:00:${(10 + i).toString(16).padStart(2, "0")}`,
        speedMbps: 25000,
      },
    ],
  },
});

function description(): ClusterDescriptionInput {
  return {
    region: { name: "beijing-1" },
    cluster: { name: "lab", kind: "split" },
    nodes: [
      ...[1, 2, 3].map((i) => node(`ctrl-${i}`, ["controller"], i)),
      ...[4, 5, 6].map((i) => node(`cmp-${i}`, ["compute"], i)),
      ...[7, 8, 9, 10].map((i) => node(`stor-${i}`, ["storage"], i)),
    ],
    networks: [
      { name: "provisioning", cidr: "10.20.0.0/24", gateway: "10.20.0.1" },
      {
        name: "management",
        cidr: "10.0.0.0/24",
        gateway: "10.0.0.1",
        vips: [{ name: "internal", address: "10.0.0.5" }],
      },
      {
        name: "public",
        cidr: "203.0.113.0/24",
        gateway: "203.0.113.1",
        vips: [{ name: "public", address: "203.0.113.10" }],
        ranges: [{ start: "203.0.113.100", end: "203.0.113.250", purpose: "floating" }],
      },
    ],
    settings: {
      ntp: { servers: ["10.0.0.2"] },
      dns: { servers: ["10.0.0.3"], domain: "lab.example.com" },
      dhcp: { start: "10.20.0.100", end: "10.20.0.199" },
    },
    license: {
      customer: "Lab",
      licenseId: "LIC-1",
      issuedAt: "2026-01-01",
      notBefore: "2026-01-01",
      expiresAt: "2030-01-01",
      maxNodes: 20,
      maxCpuSockets: 40,
      maxRegions: 1,
    },
  };
}

describe("checkClusterDescription", () => {
  it("turns friendly units into the model and checks the cluster", () => {
    const result = checkClusterDescription(description(), { now: NOW });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.findings.filter((f) => f.severity === "block")).toEqual([]);
    const ctrl = result.state.nodes[0]!;
    expect(ctrl.id).toBe("ctrl-1");
    expect(ctrl.hardware.memoryBytes).toBe(512 * 1024 ** 3);
    expect(ctrl.hardware.disks[1]).toMatchObject({ sizeBytes: 3.2e12, rotational: false });
    expect(result.state.settings.overcommit).toEqual({
      cpu: 4,
      ram: 1,
      disk: 1,
      reservedHostMemoryMiB: 4096,
      reservedHostCpus: 0,
    });
    expect(result.state.license?.expiresAt).toBe(Date.UTC(2030, 0, 1) / 1000);
    expect(result.intent).toEqual({ kind: "validate" });
  });

  it("evaluates the intent the file names", () => {
    const input = {
      ...description(),
      intent: { kind: "remove-nodes", nodeIds: ["ctrl-2", "ctrl-3"] },
    };
    const result = checkClusterDescription(input, { now: NOW });
    expect(result.ok && result.findings.map((f) => f.id)).toContain("controller-quorum-after-op");
  });

  it("reports shape problems with paths", () => {
    const input = description() as {
      nodes: { hardware: { memoryGiB?: number; cpu: { arch: string } } }[];
    };
    delete input.nodes[2]!.hardware.memoryGiB;
    input.nodes[4]!.hardware.cpu.arch = "sparc";
    const result = checkClusterDescription(input, { now: NOW });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toEqual([
      "nodes[2].hardware.memoryGiB",
      "nodes[4].hardware.cpu.arch",
    ]);
  });

  it("refuses an unknown release and repeated explicit ids, but lets the rules judge repeated hostnames", () => {
    const unknown = checkClusterDescription(
      { ...description(), cluster: { name: "lab", kind: "split", release: "cairn-1999.1" } },
      { now: NOW },
    );
    expect(unknown).toEqual({
      ok: false,
      issues: [
        { path: "cluster.release", message: 'unknown release "cairn-1999.1"; known: cairn-2026.1' },
      ],
    });

    const twice = description();
    twice.nodes = [
      { ...twice.nodes[0]!, id: "n1" },
      { ...twice.nodes[1]!, id: "n1" },
      ...twice.nodes.slice(2),
    ];
    const ids = checkClusterDescription(twice, { now: NOW });
    expect(ids.ok ? [] : ids.issues).toEqual([
      { path: "nodes[1].id", message: 'node id "n1" is also used by nodes[0]' },
    ]);

    const sameName = description();
    sameName.nodes[1] = { ...sameName.nodes[1]!, hostname: "ctrl-1" };
    const named = checkClusterDescription(sameName, { now: NOW });
    expect(
      named.ok && named.findings.find((f) => f.id === "hostname-valid-unique")?.params,
    ).toMatchObject({
      hostname: "ctrl-1",
      count: 2,
    });
  });

  it("publishes a JSON Schema of the input", () => {
    const schema = clusterDescriptionJsonSchema() as {
      title: string;
      properties: { nodes: { items: { properties: object } } };
    };
    expect(schema.title).toBe("Cairn cluster description");
    expect(Object.keys(schema.properties.nodes.items.properties)).toEqual(
      expect.arrayContaining(["hostname", "roles", "hardware"]),
    );
  });
});
