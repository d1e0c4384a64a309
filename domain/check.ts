/**
 * The embeddable checker behind `cairn check`: a cluster described in a file (or an object from
 * another program) in, findings out. Shape problems come back as issues with the path of the bad
 * field; everything about meaning is a finding from the one rule engine.
 */
import { z } from "zod";
import { evaluate } from "./constraints/engine";
import type { Finding } from "./constraints/types";
import {
  CLUSTER_KINDS,
  NETWORK_NAMES,
  NODE_STATUSES,
  cpuSchema,
  diskSchema,
  intentSchema,
  licenseClaimsSchema,
  networkSchema,
  nicSchema,
  settingsSchema,
  type ClusterState,
  type Intent,
  type Node,
} from "./model";
import { BUILTIN_RELEASE_ID, builtinCatalog } from "./roles/builtin";
import type { RoleCatalog } from "./roles/schema";
import { OVERCOMMIT_LIMITS } from "./settings/defaults";

const GiB = 1024 ** 3;
const GB = 1000 ** 3;
const TB = 1000 ** 4;

/** A disk as a person writes it: one of sizeBytes, sizeGB or sizeTB (vendor decimal units). */
const diskInputSchema = diskSchema
  .extend({
    sizeBytes: z.number().int().nonnegative().optional(),
    sizeGB: z.number().positive().optional(),
    sizeTB: z.number().positive().optional(),
    /** Defaults to true for hdd, false for ssd and nvme. */
    rotational: z.boolean().optional(),
  })
  .superRefine((disk, ctx) => {
    const given = [disk.sizeBytes, disk.sizeGB, disk.sizeTB].filter((v) => v !== undefined).length;
    if (given !== 1) {
      ctx.addIssue({
        code: "custom",
        message: "give the size as exactly one of sizeBytes, sizeGB or sizeTB",
        path: ["sizeBytes"],
      });
    }
  })
  .transform(({ sizeGB, sizeTB, sizeBytes, rotational, ...disk }) => ({
    ...disk,
    sizeBytes: sizeBytes ?? Math.round(sizeGB !== undefined ? sizeGB * GB : (sizeTB ?? 0) * TB),
    rotational: rotational ?? disk.type === "hdd",
  }));

const hardwareInputSchema = z
  .object({
    vendor: z.string().optional(),
    model: z.string().optional(),
    serial: z.string().optional(),
    uuid: z.string().optional(),
    cpu: cpuSchema.extend({
      /** Defaults to the number of cores (no SMT). */
      threads: z.number().int().positive().optional(),
    }),
    memoryBytes: z.number().int().positive().optional(),
    memoryGiB: z.number().positive().optional(),
    disks: z.array(diskInputSchema).min(1, "a node has at least one disk"),
    nics: z.array(nicSchema).min(1, "a node has at least one NIC"),
  })
  .superRefine((hw, ctx) => {
    if ((hw.memoryBytes === undefined) === (hw.memoryGiB === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: "give the memory as exactly one of memoryBytes or memoryGiB",
        path: ["memoryGiB"],
      });
    }
  })
  .transform(({ memoryGiB, memoryBytes, cpu, ...hw }) => ({
    ...hw,
    cpu: { ...cpu, threads: cpu.threads ?? cpu.cores },
    memoryBytes: memoryBytes ?? Math.round((memoryGiB ?? 0) * GiB),
  }));

const nodeInputSchema = z.object({
  /** Defaults to the hostname. */
  id: z.string().min(1).optional(),
  hostname: z.string(),
  status: z.enum(NODE_STATUSES).default("assigned"),
  roles: z.array(z.string()).default([]),
  tags: z.array(z.string()).default([]),
  hardware: hardwareInputSchema,
  lastHeartbeatAt: z.number().int().optional(),
  osDisk: z.string().optional(),
  addresses: z.partialRecord(z.enum(NETWORK_NAMES), z.string()).default({}),
  clockOffsetSeconds: z.number().optional(),
});

/** Epoch seconds, or a date/time string such as 2027-01-01 or 2027-01-01T00:00:00Z. */
const epochSeconds = z.union([
  z.number().int(),
  z
    .string()
    .refine((s) => !Number.isNaN(Date.parse(s)), "a date such as 2027-01-01 or epoch seconds")
    .transform((s) => Math.floor(Date.parse(s) / 1000)),
]);

const licenseInputSchema = licenseClaimsSchema.extend({
  issuedAt: epochSeconds,
  notBefore: epochSeconds,
  expiresAt: epochSeconds,
});

const overcommitInputSchema = z.object({
  cpu: z.number().default(OVERCOMMIT_LIMITS.cpu.default),
  ram: z.number().default(OVERCOMMIT_LIMITS.ram.default),
  disk: z.number().default(OVERCOMMIT_LIMITS.disk.default),
  reservedHostMemoryMiB: z.number().int().default(OVERCOMMIT_LIMITS.reservedHostMemoryMiB.default),
  reservedHostCpus: z
    .number()
    .int()
    .nonnegative()
    .default(OVERCOMMIT_LIMITS.reservedHostCpus.default),
});

export const clusterDescriptionSchema = z
  .object({
    region: z.object({
      name: z.string(),
      deployed: z.boolean().default(false),
      /** Regions this Cairn manages in total (for the license's region limit). */
      regionCount: z.number().int().positive().default(1),
    }),
    cluster: z.object({
      id: z.string().min(1).optional(),
      name: z.string().min(1),
      kind: z.enum(CLUSTER_KINDS),
      release: z.string().min(1).default(BUILTIN_RELEASE_ID),
      deployed: z.boolean().default(false),
      customRoles: z
        .array(z.object({ name: z.string(), services: z.array(z.string()) }))
        .default([]),
    }),
    nodes: z.array(nodeInputSchema),
    networks: z.array(networkSchema).default([]),
    settings: settingsSchema.extend({
      overcommit: overcommitInputSchema.default(overcommitInputSchema.parse({})),
    }),
    license: licenseInputSchema.nullable().optional(),
    /** Bytes stored in Ceph, for the capacity rules. */
    cephUsedBytes: z.number().nonnegative().default(0),
    runningTask: z.object({ id: z.string(), kind: z.string() }).nullable().optional(),
    /** What to check: the wizard's live check when absent. */
    intent: intentSchema.optional(),
  })
  .meta({
    title: "Cairn cluster description",
    description:
      "A cluster as `cairn check` reads it: region, cluster, nodes with hardware and roles, networks, settings, optional license claims and intent.",
  });

export type ClusterDescriptionInput = z.input<typeof clusterDescriptionSchema>;
export type ClusterDescription = z.output<typeof clusterDescriptionSchema>;

export interface CheckIssue {
  /** Path of the bad field, e.g. "nodes[2].hardware.disks[0].sizeBytes". */
  path: string;
  message: string;
}

export type CheckResult =
  | { ok: true; findings: Finding[]; state: ClusterState; intent: Intent }
  | { ok: false; issues: CheckIssue[] };

export interface CheckOptions {
  /** Epoch milliseconds: the checker never reads the clock. */
  now: number;
  /** Catalogs by release id, beyond the built-in release. */
  catalogs?: Record<string, RoleCatalog>;
}

export function issuePath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out || "(root)";
}

/** Turns a parsed description into the state the rules read. */
export function stateFromDescription(d: ClusterDescription, now: number): ClusterState {
  // Ids default to hostnames; a repeated hostname gets a distinct id so that hostname-valid-unique,
  // not a parse error, reports it.
  const taken = new Set(d.nodes.flatMap((n) => (n.id === undefined ? [] : [n.id])));
  const nodes: Node[] = d.nodes.map((n, i) => {
    let id = n.id;
    if (id === undefined) {
      id = taken.has(n.hostname) ? `${n.hostname}#${i}` : n.hostname;
      taken.add(id);
    }
    return { ...n, id };
  });
  return {
    region: d.region,
    cluster: {
      id: d.cluster.id ?? d.cluster.name,
      name: d.cluster.name,
      kind: d.cluster.kind,
      releaseId: d.cluster.release,
      deployed: d.cluster.deployed,
      customRoles: d.cluster.customRoles,
    },
    nodes,
    networks: d.networks,
    settings: d.settings,
    license: d.license ?? null,
    runningTask: d.runningTask ?? null,
    cephUsedBytes: d.cephUsedBytes,
    now,
  };
}

/** Checks a cluster description: every finding, or the shape issues that kept it from being read. */
export function checkClusterDescription(input: unknown, opts: CheckOptions): CheckResult {
  const parsed = clusterDescriptionSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({ path: issuePath(i.path), message: i.message })),
    };
  }
  const description = parsed.data;
  const catalogs: Record<string, RoleCatalog> = {
    [BUILTIN_RELEASE_ID]: builtinCatalog,
    ...opts.catalogs,
  };
  const catalog = catalogs[description.cluster.release];
  if (!catalog) {
    return {
      ok: false,
      issues: [
        {
          path: "cluster.release",
          message: `unknown release "${description.cluster.release}"; known: ${Object.keys(catalogs).join(", ")}`,
        },
      ],
    };
  }
  const ids = new Map<string, number>();
  const issues: CheckIssue[] = [];
  description.nodes.forEach((n, i) => {
    if (n.id === undefined) return;
    if (ids.has(n.id))
      issues.push({
        path: `nodes[${i}].id`,
        message: `node id "${n.id}" is also used by nodes[${ids.get(n.id)}]`,
      });
    else ids.set(n.id, i);
  });
  if (issues.length > 0) return { ok: false, issues };
  const state = stateFromDescription(description, opts.now);
  const intent: Intent = description.intent ?? { kind: "validate" };
  return { ok: true, findings: evaluate(state, intent, { catalog }), state, intent };
}

/** The JSON Schema of what `cairn check` reads (`cairn check --schema`). */
export function clusterDescriptionJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(clusterDescriptionSchema, {
    io: "input",
    unrepresentable: "any",
  }) as Record<string, unknown>;
}
