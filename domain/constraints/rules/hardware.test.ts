import { describe, expect, it } from "vitest";
import type { Hardware } from "../../model";
import { GiB, makeHardware, makeNic, makeNode, makeState, pick, runRule } from "../testing";
import { table } from "../rule-table";
import { rules } from "./hardware";

const hw = (
  cpu: Partial<Hardware["cpu"]>,
  memoryGiB = 256,
  rest: Partial<Hardware> = {},
): Hardware => {
  const base = makeHardware();
  return { ...base, cpu: { ...base.cpu, ...cpu }, memoryBytes: memoryGiB * GiB, ...rest };
};

const one = (hardware: Hardware, roles: string[], hostname = "node-1") =>
  makeState({ nodes: [...makeState().nodes, makeNode({ id: "n1", hostname, roles, hardware })] });

/** Supermicro E300 edge box: 8 cores, 64 GiB. */
const edge = hw(
  { model: "Intel(R) Xeon(R) D-2146NT CPU @ 2.30GHz", sockets: 1, cores: 8, threads: 16 },
  64,
);

table(rules, "host-min-hw-for-role", [
  { name: "the default nodes pass", state: makeState() },
  { name: "an edge box is enough for compute (8 cores, 32 GiB)", state: one(edge, ["compute"]) },
  {
    name: "an edge box is too small for a controller (16 cores)",
    state: one(edge, ["controller"]),
    expect: [
      {
        severity: "block",
        params: { count: 1, hosts: "node-1", cores: 8, needCores: 16, roles: "controller" },
        subjects: { nodes: ["n1"] },
      },
    ],
  },
  {
    name: "a 4 GiB VM fails compute on cores and memory",
    state: one(hw({ sockets: 1, cores: 2, threads: 2, virtualization: "vmx" }, 4), ["compute"]),
    expect: [
      { severity: "block", params: { cores: 2, needCores: 8 } },
      {
        severity: "block",
        params: { memoryGiB: 4, needMemoryGiB: 32 },
        subjects: { nodes: ["n1"] },
      },
    ],
  },
  {
    name: "nodes with the same shortfall make one finding",
    state: makeState({
      nodes: [
        ...makeState().nodes,
        ...["vm-1", "vm-2", "vm-3"].map((id) =>
          makeNode({
            id,
            roles: ["compute"],
            hardware: hw({ sockets: 1, cores: 4, threads: 8 }, 64),
          }),
        ),
      ],
    }),
    expect: [
      {
        severity: "block",
        params: { count: 3, hosts: "vm-1, vm-2, vm-3", cores: 4, needCores: 8 },
        subjects: { nodes: ["vm-1", "vm-2", "vm-3"] },
      },
    ],
  },
  {
    name: "a custom role is sized from the sum of its services",
    state: (() => {
      const s = one(hw({ cores: 2, threads: 4 }, 8), ["db"]);
      return {
        ...s,
        cluster: {
          ...s.cluster,
          customRoles: [{ name: "db", services: ["mariadb-galera", "rabbitmq"] }],
        },
      };
    })(),
    expect: [
      { severity: "block", params: { cores: 2, needCores: 3, roles: "db" } },
      { severity: "block", params: { memoryGiB: 8, needMemoryGiB: 12 } },
    ],
  },
]);

table(rules, "compute-virt-extensions", [
  { name: "vmx passes", state: one(hw({ virtualization: "vmx" }), ["compute"]) },
  {
    name: "aarch64 with /dev/kvm passes",
    state: one(hw({ arch: "aarch64", virtualization: "kvm" }), ["hci"]),
  },
  {
    name: "no virtualisation on a storage node passes",
    state: one(hw({ virtualization: "none" }), ["storage"]),
  },
  {
    name: "x86_64 without vmx/svm blocks",
    state: one(hw({ virtualization: "none", model: "QEMU Virtual CPU version 2.5+" }), ["compute"]),
    expect: [
      {
        severity: "block",
        params: {
          count: 1,
          hosts: "node-1",
          model: "QEMU Virtual CPU version 2.5+",
          roles: "compute",
        },
      },
    ],
  },
  {
    name: "aarch64 without kvm blocks with the EL2 text",
    state: one(hw({ arch: "aarch64", virtualization: "none", model: "Kunpeng-920" }), [
      "controller-hci",
    ]),
    expect: [{ severity: "block", params: { model: "Kunpeng-920", roles: "controller-hci" } }],
  },
]);

describe("compute-virt-extensions aarch64 text", () => {
  it("names /dev/kvm, not vmx", () => {
    const [f] = runRule(
      pick(rules, "compute-virt-extensions"),
      one(hw({ arch: "aarch64", virtualization: "none", model: "Kunpeng-920" }), ["compute"]),
    );
    expect(f?.message.en).toContain("/dev/kvm");
    expect(f?.message["zh-CN"]).toContain("/dev/kvm");
  });
});

table(rules, "compute-mixed-arch", [
  { name: "all x86_64 passes", state: makeState() },
  {
    name: "one aarch64 hypervisor among x86_64 is noted",
    state: one(hw({ arch: "aarch64", virtualization: "kvm", model: "Phytium S2500/64" }), [
      "compute",
    ]),
    expect: [{ severity: "info", params: { x86: 3, arm: 1 } }],
  },
]);

const slowNics = [
  makeNic({ name: "eno1", mac: "52:54:00:aa:00:01", speedMbps: 1000 }),
  makeNic({ name: "eno2", mac: "52:54:00:aa:00:02", speedMbps: 1000 }),
];

table(rules, "storage-nic-speed", [
  { name: "25 GbE storage hosts pass", state: makeState() },
  {
    name: "unknown NIC speeds are not judged",
    state: one(
      hw({}, 256, { nics: [makeNic({ name: "ens3", mac: "52:54:00:aa:00:03", speedMbps: null })] }),
      ["storage"],
    ),
  },
  {
    name: "a slow compute is not a storage host",
    state: one(hw({}, 256, { nics: slowNics }), ["compute"]),
  },
  {
    name: "a storage host with only 1 GbE warns",
    state: one(hw({}, 256, { nics: slowNics }), ["storage"], "stor-9"),
    expect: [
      {
        severity: "warn",
        params: { count: 1, fastestGbps: 1, minGbps: 10, hosts: "stor-9" },
        subjects: { nodes: ["n1"] },
      },
    ],
  },
]);
