import { describe, expect, it } from "vitest";
import { defaultSettings } from "../../settings/defaults";
import { novaOvercommitConf } from "./nova";

const GiB = 1024 ** 3;
const overcommit = defaultSettings().overcommit;
const hardware = {
  cpu: {
    model: "Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz",
    arch: "x86_64" as const,
    sockets: 2,
    cores: 32,
    threads: 64,
    flags: [],
    virtualization: "vmx" as const,
  },
  memoryBytes: 256 * GiB,
};

describe("novaOvercommitConf", () => {
  it("writes the ratios and reservations, and what the host then offers", () => {
    expect(
      novaOvercommitConf({
        hostname: "lab-0004",
        roles: ["hci"],
        overcommit: { ...overcommit, cpu: 8, reservedHostCpus: 4 },
        hardware,
      }),
    ).toBe(`# Managed by Cairn: local changes are overwritten on the next deploy.
# Overcommit of nova-compute on lab-0004 (settings.overcommit).
# Read after nova.conf from /etc/nova/nova.conf.d; takes effect when nova-compute restarts.

# What this host offers to the scheduler:
#   vCPUs = (64 logical CPUs - 4 reserved) x 8.0 = 480
#   RAM   = (262144 MiB - 4096 MiB reserved) x 1.0 = 258048 MiB

[DEFAULT]
cpu_allocation_ratio = 8.0
ram_allocation_ratio = 1.0
disk_allocation_ratio = 1.0
# Memory the host keeps for itself, its services and the QEMU overhead of the instances.
reserved_host_memory_mb = 4096
# Logical CPUs kept back from the scheduler. Nova refuses a non-zero value when [compute]
# cpu_shared_set or cpu_dedicated_set is set: CPU-pinning hosts reserve CPUs that way instead.
reserved_host_cpus = 4
`);
  });

  it("writes fractional ratios as given", () => {
    const text = novaOvercommitConf({
      hostname: "lab-0005",
      roles: ["compute"],
      overcommit: { ...overcommit, cpu: 4.5, ram: 1.5, disk: 2.25 },
    });
    expect(text).toContain(
      "cpu_allocation_ratio = 4.5\nram_allocation_ratio = 1.5\ndisk_allocation_ratio = 2.25\n",
    );
    expect(text).not.toContain("What this host offers");
  });

  it("is absent on nodes without nova-compute", () => {
    for (const roles of [["controller"], ["storage"], ["network"], ["storage-lvm"], []])
      expect(novaOvercommitConf({ hostname: "n", roles, overcommit })).toBeNull();
    expect(
      novaOvercommitConf({ hostname: "n", roles: ["controller-hci"], overcommit }),
    ).not.toBeNull();
  });

  it("refuses ratios and reservations nova cannot use, naming the setting", () => {
    const build = (o: Partial<typeof overcommit>) =>
      novaOvercommitConf({
        hostname: "n",
        roles: ["compute"],
        overcommit: { ...overcommit, ...o },
      });
    expect(() => build({ cpu: 0 })).toThrow(
      /^settings\.overcommit\.cpu: 0 is not a usable allocation ratio/,
    );
    expect(() => build({ disk: Number.NaN })).toThrow(/^settings\.overcommit\.disk: /);
    expect(() => build({ reservedHostMemoryMiB: -1 })).toThrow(
      /^settings\.overcommit\.reservedHostMemoryMiB: -1 is not a whole number of MiB/,
    );
  });
});
