/**
 * The overcommit snippet for nodes that run nova-compute:
 * `/etc/nova/nova.conf.d/50-cairn-overcommit.conf`.
 *
 * oslo.config reads `/etc/nova/nova.conf.d/*.conf` after `nova.conf` whenever the directory
 * exists, so a packaged nova-compute picks the snippet up on restart, and kolla's nova_compute
 * container does once the directory is mounted into it (`nova_compute_extra_volumes:
 * ["/etc/nova/nova.conf.d:/etc/nova/nova.conf.d:ro"]` in kolla's globals). The ratios are set per
 * host, as nova reports them to placement for each compute node: changing them in the settings
 * changes every compute node's snippet and nothing else.
 */
import type { Hardware, Settings } from "../../model";
import { dutiesOf } from "./duties";
import { comment, HostConfigError, joinLines, managedHeader } from "./managed";

export const NOVA_OVERCOMMIT_PATH = "etc/nova/nova.conf.d/50-cairn-overcommit.conf";

const MiB = 1024 ** 2;

export interface NovaOvercommitInput {
  hostname: string;
  roles: readonly string[];
  overcommit: Settings["overcommit"];
  /** When given, the snippet says what the host offers to the scheduler. */
  hardware?: Pick<Hardware, "cpu" | "memoryBytes">;
}

/** oslo.config reads floats either way; "4.0" reads as a ratio to the operator. */
function ratio(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

function check(overcommit: Settings["overcommit"]): void {
  for (const key of ["cpu", "ram", "disk"] as const) {
    const value = overcommit[key];
    if (!Number.isFinite(value) || value <= 0)
      throw new HostConfigError(
        `settings.overcommit.${key}`,
        `${value} is not a usable allocation ratio: use a positive number (nova's defaults: cpu 4.0, ram 1.0, disk 1.0)`,
      );
  }
  for (const key of ["reservedHostMemoryMiB", "reservedHostCpus"] as const) {
    const value = overcommit[key];
    if (!Number.isInteger(value) || value < 0)
      throw new HostConfigError(
        `settings.overcommit.${key}`,
        `${value} is not a whole number of ${key === "reservedHostCpus" ? "CPUs" : "MiB"} of zero or more`,
      );
  }
}

/** The snippet for a node with nova-compute; null for a node without it. */
export function novaOvercommitConf(input: NovaOvercommitInput): string | null {
  if (!dutiesOf(input.roles).novaCompute) return null;
  const o = input.overcommit;
  check(o);
  const lines = [
    managedHeader([
      `Overcommit of nova-compute on ${input.hostname} (settings.overcommit).`,
      "Read after nova.conf from /etc/nova/nova.conf.d; takes effect when nova-compute restarts.",
    ]),
    "",
  ];
  if (input.hardware) {
    const threads = input.hardware.cpu.threads;
    const memoryMiB = Math.floor(input.hardware.memoryBytes / MiB);
    const vcpus = Math.max(0, threads - o.reservedHostCpus) * o.cpu;
    const ramMiB = Math.max(0, memoryMiB - o.reservedHostMemoryMiB) * o.ram;
    lines.push(
      ...comment([
        "What this host offers to the scheduler:",
        `  vCPUs = (${threads} logical CPUs - ${o.reservedHostCpus} reserved) x ${ratio(o.cpu)} = ${Math.floor(vcpus)}`,
        `  RAM   = (${memoryMiB} MiB - ${o.reservedHostMemoryMiB} MiB reserved) x ${ratio(o.ram)} = ${Math.floor(ramMiB)} MiB`,
      ]),
      "",
    );
  }
  lines.push(
    "[DEFAULT]",
    `cpu_allocation_ratio = ${ratio(o.cpu)}`,
    `ram_allocation_ratio = ${ratio(o.ram)}`,
    `disk_allocation_ratio = ${ratio(o.disk)}`,
    "# Memory the host keeps for itself, its services and the QEMU overhead of the instances.",
    `reserved_host_memory_mb = ${o.reservedHostMemoryMiB}`,
    ...comment([
      "Logical CPUs kept back from the scheduler. Nova refuses a non-zero value when [compute]",
      "cpu_shared_set or cpu_dedicated_set is set: CPU-pinning hosts reserve CPUs that way instead.",
    ]),
    `reserved_host_cpus = ${o.reservedHostCpus}`,
  );
  return joinLines(lines);
}
