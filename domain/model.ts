/**
 * The shapes Cairn reasons about. Zod schemas check *shape* at the edges (agent reports, API input,
 * `cairn check` files); *meaning* (is this a valid IP, is the range inside the subnet) is judged by
 * constraint rules, so that every problem reaches the operator as a bilingual finding with a hint.
 */
import { z } from "zod";

export const ARCHES = ["x86_64", "aarch64"] as const;
export type Arch = (typeof ARCHES)[number];

export const CLUSTER_KINDS = ["hyperconverged", "split"] as const;
export type ClusterKind = (typeof CLUSTER_KINDS)[number];

/** RFC 1123 label: lowercase letters, digits and inner hyphens, 1–63 characters. */
export const RFC1123_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const diskSchema = z.object({
  name: z.string().min(1),
  model: z.string().optional(),
  serial: z.string().optional(),
  sizeBytes: z.number().int().nonnegative(),
  type: z.enum(["ssd", "hdd", "nvme"]),
  rotational: z.boolean(),
  byPath: z.string().optional(),
  byId: z.string().optional(),
  removable: z.boolean().default(false),
});
export type Disk = z.infer<typeof diskSchema>;

export const MAC_PATTERN = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export const nicSchema = z.object({
  name: z.string().min(1),
  mac: z.string().toLowerCase().regex(MAC_PATTERN, "a MAC address like 52:54:00:12:34:56"),
  driver: z.string().optional(),
  /** Optional facts are tolerated when absent or unreadable (a NIC speed of 0 once broke discovery). */
  speedMbps: z.number().int().nonnegative().nullable().optional(),
  link: z.boolean().optional(),
  pxe: z.boolean().optional(),
  addresses: z.array(z.string()).default([]),
});
export type Nic = z.infer<typeof nicSchema>;

export const VIRTUALIZATION = ["vmx", "svm", "kvm", "none"] as const;

export const cpuSchema = z.object({
  model: z.string(),
  arch: z.enum(ARCHES),
  sockets: z.number().int().positive(),
  /** Physical cores in the whole machine (all sockets). */
  cores: z.number().int().positive(),
  /** Logical CPUs in the whole machine. */
  threads: z.number().int().positive(),
  flags: z.array(z.string()).default([]),
  /** vmx/svm on x86_64; on aarch64 hardware virtualisation shows as /dev/kvm present ("kvm"). */
  virtualization: z.enum(VIRTUALIZATION),
});
export type Cpu = z.infer<typeof cpuSchema>;

export const hardwareSchema = z.object({
  vendor: z.string().optional(),
  model: z.string().optional(),
  serial: z.string().optional(),
  uuid: z.string().optional(),
  cpu: cpuSchema,
  memoryBytes: z.number().int().positive(),
  disks: z.array(diskSchema).min(1, "a node reports at least one disk"),
  nics: z.array(nicSchema).min(1, "a node reports at least one NIC"),
});
export type Hardware = z.infer<typeof hardwareSchema>;

export const NODE_STATUSES = [
  "discovered",
  "assigned",
  "provisioning",
  "provisioned",
  "deploying",
  "ready",
  "error",
  "maintenance",
  "offline",
  "removing",
  "removed",
] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export const NETWORK_NAMES = [
  "provisioning",
  "management",
  "storage",
  "public",
  "tenant",
  "pod",
  "service",
] as const;
export type NetworkName = (typeof NETWORK_NAMES)[number];

export const nodeSchema = z.object({
  id: z.string().min(1),
  hostname: z.string(),
  status: z.enum(NODE_STATUSES).default("discovered"),
  /** Role names from the release's role catalog (or custom roles defined on the cluster). */
  roles: z.array(z.string()).default([]),
  tags: z.array(z.string()).default([]),
  hardware: hardwareSchema,
  /** Epoch milliseconds of the last heartbeat; absent for a node described in a file. */
  lastHeartbeatAt: z.number().int().optional(),
  /** Name of the disk chosen for the OS; absent means "let the disk planner choose". */
  osDisk: z.string().optional(),
  /** Addresses assigned per network (filled by IPAM or given by the operator). */
  addresses: z.partialRecord(z.enum(NETWORK_NAMES), z.string()).default({}),
  /** Seconds of clock offset reported by the agent relative to the server (positive = ahead). */
  clockOffsetSeconds: z.number().optional(),
});
export type Node = z.infer<typeof nodeSchema>;

export const addressRangeSchema = z.object({
  start: z.string(),
  end: z.string(),
  purpose: z.enum(["dhcp", "static", "floating"]).default("static"),
});
export type AddressRange = z.infer<typeof addressRangeSchema>;

export const vipSchema = z.object({ name: z.string().min(1), address: z.string() });
export type Vip = z.infer<typeof vipSchema>;

export const networkSchema = z.object({
  name: z.enum(NETWORK_NAMES),
  cidr: z.string(),
  vlan: z.number().int().min(1).max(4094).nullable().default(null),
  gateway: z.string().optional(),
  mtu: z.number().int().min(576).max(9216).default(1500),
  ranges: z.array(addressRangeSchema).default([]),
  vips: z.array(vipSchema).default([]),
});
export type Network = z.infer<typeof networkSchema>;

export const settingsSchema = z.object({
  ntp: z.object({
    servers: z.array(z.string()),
    /** Who non-controller nodes sync from: the controllers (default) or the external servers. */
    clients: z.enum(["controllers", "external"]).default("controllers"),
  }),
  dns: z.object({ servers: z.array(z.string()), domain: z.string() }),
  /** DHCP range handed out on the provisioning network during PXE discovery. */
  dhcp: z.object({ start: z.string(), end: z.string() }),
  overcommit: z.object({
    cpu: z.number(),
    ram: z.number(),
    disk: z.number(),
    reservedHostMemoryMiB: z.number().int(),
    reservedHostCpus: z.number().int().nonnegative().default(0),
  }),
  ha: z.boolean().default(true),
  ceph: z
    .object({ poolSize: z.number().int().default(3), minSize: z.number().int().default(2) })
    .default({ poolSize: 3, minSize: 2 }),
});
export type Settings = z.infer<typeof settingsSchema>;

export const licenseClaimsSchema = z.object({
  customer: z.string(),
  licenseId: z.string(),
  issuedAt: z.number().int(),
  notBefore: z.number().int(),
  expiresAt: z.number().int(),
  maxNodes: z.number().int().positive(),
  maxCpuSockets: z.number().int().positive(),
  maxRegions: z.number().int().positive(),
  features: z.array(z.string()).default([]),
});
/** Times are epoch seconds, as in the JWS. */
export type LicenseClaims = z.infer<typeof licenseClaimsSchema>;

export const INTENT_KINDS = [
  "validate",
  "deploy",
  "add-nodes",
  "remove-nodes",
  "enter-maintenance",
  "exit-maintenance",
  "change-settings",
  "change-roles",
  "upgrade",
] as const;
export type IntentKind = (typeof INTENT_KINDS)[number];

const nodeIds = z.array(z.string().min(1)).min(1, "name at least one node");

/** What the operator asks for. `validate` is the wizard's live check of the state as it stands. */
export const intentSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("validate") }),
  z.object({ kind: z.literal("deploy") }),
  /** The added nodes are in the state already (with their roles); the intent names them. */
  z.object({ kind: z.literal("add-nodes"), nodeIds }),
  z.object({ kind: z.literal("remove-nodes"), nodeIds }),
  z.object({ kind: z.literal("enter-maintenance"), nodeIds }),
  z.object({ kind: z.literal("exit-maintenance"), nodeIds }),
  z.object({ kind: z.literal("change-settings"), settings: settingsSchema.partial() }),
  z.object({
    kind: z.literal("change-roles"),
    assignments: z
      .array(z.object({ nodeId: z.string().min(1), roles: z.array(z.string()) }))
      .min(1),
  }),
  z.object({ kind: z.literal("upgrade"), toReleaseId: z.string().min(1) }),
]);
export type Intent = z.infer<typeof intentSchema>;

export const WIZARD_STEPS = [
  "region",
  "cluster",
  "discover",
  "roles",
  "networks",
  "disks",
  "settings",
  "license",
  "review",
] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

/** Everything a rule may look at. Pure data: the server builds it fresh before every mutation. */
export interface ClusterState {
  region: { name: string; deployed: boolean; regionCount: number };
  cluster: {
    id: string;
    name: string;
    kind: ClusterKind;
    releaseId: string;
    /** True once a deploy succeeded: day-2 rules apply from then on. */
    deployed: boolean;
    /** Custom roles defined by the operator as sets of catalog services. */
    customRoles: { name: string; services: string[] }[];
  };
  nodes: Node[];
  networks: Network[];
  settings: Settings;
  license: LicenseClaims | null;
  /** Another mutating task on this cluster, if any. */
  runningTask: { id: string; kind: string } | null;
  /** Bytes stored in Ceph, for capacity-after-removal. */
  cephUsedBytes: number;
  /** Epoch milliseconds; rules never read the clock themselves. */
  now: number;
}
