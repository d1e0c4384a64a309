/**
 * Default settings and the allowed ranges of the overcommit knobs. The numbers are nova's defaults
 * since 2022 (cpu_allocation_ratio 4.0, ram 1.0, disk 1.0) and the limits Cairn enforces; the UI
 * sliders and the constraint rules both read OVERCOMMIT_LIMITS, so they cannot disagree.
 */
import type { Settings } from "../model";
import { formatIp, parseCidr, usableInterval } from "../network/ipam";

export interface RatioLimit {
  default: number;
  /** Below or above these a rule blocks. */
  min: number;
  max: number;
  /** Above this a rule warns (allowed, but risky). Absent: no warning band. */
  warnAbove?: number;
  /** Slider step. */
  step: number;
}

export const OVERCOMMIT_LIMITS = {
  cpu: { default: 4, min: 1, max: 16, warnAbove: 8, step: 0.5 },
  ram: { default: 1, min: 1, max: 2, warnAbove: 1, step: 0.1 },
  disk: { default: 1, min: 1, max: 3, step: 0.1 },
  /** nova's reserved_host_memory_mb: what the host keeps for itself before VMs get any RAM. */
  reservedHostMemoryMiB: { default: 4096, min: 512, step: 256 },
  /** Logical CPUs held back for the host (nova reserved_host_cpus). */
  reservedHostCpus: { default: 0, min: 0, step: 1 },
} as const satisfies Record<string, RatioLimit | { default: number; min: number; step: number }>;

/** The RAM ratio hyperconverged (compute + Ceph OSD) and hugepage hosts must use: OSDs need their memory guaranteed. */
export const HCI_RAM_RATIO = 1;

export const DEFAULT_DOMAIN = "cloud.internal";

/** Public NTP pool servers, usable only when DNS can resolve them. */
export const POOL_NTP_SERVERS = ["0.pool.ntp.org", "1.pool.ntp.org"] as const;

/**
 * The default DHCP range of a provisioning subnet: its upper half of usable addresses, leaving the
 * lower half for the gateway and static addresses. Empty strings for an invalid or IPv6 subnet
 * (PXE over IPv6 needs a range chosen by the operator) — the dhcp rules then ask for one.
 */
export function defaultDhcpRange(provisioningCidr: string): {
  start: string;
  end: string;
} {
  const parsed = parseCidr(provisioningCidr);
  if (!parsed.ok || parsed.cidr.family !== 4) return { start: "", end: "" };
  const usable = usableInterval(parsed.cidr);
  if (!usable || usable.end - usable.start < 3n) return { start: "", end: "" };
  const middle = usable.start + (usable.end - usable.start + 1n) / 2n;
  return { start: formatIp(middle, 4), end: formatIp(usable.end, 4) };
}

export interface DefaultSettingsInput {
  dnsServers?: readonly string[];
  domain?: string;
  provisioningCidr?: string;
}

/**
 * Settings for a new cluster. DNS servers are site facts, so there is no default; NTP defaults to
 * the public pool only when DNS servers are known, because a pool hostname without DNS can never
 * resolve (rule ntp-hostname-needs-dns would block it).
 */
export function defaultSettings(input: DefaultSettingsInput = {}): Settings {
  const dnsServers = [...(input.dnsServers ?? [])];
  return {
    ntp: {
      servers: dnsServers.length > 0 ? [...POOL_NTP_SERVERS] : [],
      clients: "controllers",
    },
    dns: { servers: dnsServers, domain: input.domain ?? DEFAULT_DOMAIN },
    dhcp: input.provisioningCidr
      ? defaultDhcpRange(input.provisioningCidr)
      : { start: "", end: "" },
    overcommit: {
      cpu: OVERCOMMIT_LIMITS.cpu.default,
      ram: OVERCOMMIT_LIMITS.ram.default,
      disk: OVERCOMMIT_LIMITS.disk.default,
      reservedHostMemoryMiB: OVERCOMMIT_LIMITS.reservedHostMemoryMiB.default,
      reservedHostCpus: OVERCOMMIT_LIMITS.reservedHostCpus.default,
    },
    ha: true,
    ceph: { poolSize: 3, minSize: 2 },
  };
}
