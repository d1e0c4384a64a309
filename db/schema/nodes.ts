/**
 * Nodes (machines running cairn-agent), their lifecycle history, and the bootstrap tokens agents
 * register with. Secrets are stored only as SHA-256 hashes: a database dump cannot act as an agent.
 * The hardware is kept whole as reported (jsonb) and the figures lists sort and filter on are
 * copied into columns.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import type { Hardware, NetworkName } from "../../domain/model";
import type { LifecycleStatus } from "../../domain/node";
import { clusters } from "./clusters";
import { regions } from "./regions";

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const nodes = pgTable(
  "node",
  {
    id: uuid("id")
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    regionId: uuid("region_id")
      .notNull()
      .references(() => regions.id, { onDelete: "restrict" }),
    clusterId: uuid("cluster_id").references(() => clusters.id, { onDelete: "set null" }),
    /** SMBIOS UUID, serial or first MAC: the same machine registering again is the same node. */
    machineId: text("machine_id").notNull(),
    hostname: text("hostname").notNull(),
    arch: text("arch").notNull(),
    status: text("status").$type<LifecycleStatus>().notNull().default("discovered"),
    roles: text("roles")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    lab: boolean("lab").notNull().default(false),
    /** The disk the operator chose for the OS; null lets the disk planner choose. */
    osDisk: text("os_disk"),
    /** Addresses per network, planned by IPAM when the cluster's networks are saved. */
    addresses: jsonb("addresses")
      .$type<Partial<Record<NetworkName, string>>>()
      .notNull()
      .default({}),
    hardware: jsonb("hardware").$type<Hardware>().notNull(),
    cores: integer("cores").notNull(),
    threads: integer("threads").notNull(),
    memoryBytes: bigint("memory_bytes", { mode: "number" }).notNull(),
    diskCount: integer("disk_count").notNull(),
    agentVersion: text("agent_version").notNull(),
    credentialHash: text("credential_hash").notNull().unique(),
    registeredAt: ts("registered_at").notNull().defaultNow(),
    lastHeartbeatAt: ts("last_heartbeat_at"),
    /** Set by the sweep when heartbeats stop; cleared by the next heartbeat. */
    offlineSince: ts("offline_since"),
    /** Agent clock minus server clock at the last heartbeat, in milliseconds. */
    clockOffsetMs: integer("clock_offset_ms"),
    updatedAt: ts("updated_at").notNull().defaultNow(),
  },
  (t) => [
    unique("node_machine_key").on(t.machineId),
    index("node_region_hostname_idx").on(t.regionId, t.hostname, t.id),
    index("node_cluster_idx").on(t.clusterId),
    index("node_heartbeat_idx")
      .on(t.lastHeartbeatAt)
      .where(sql`offline_since is null`),
  ],
);

/** Append-only: every status change and every connectivity change, with who or what caused it. */
export const nodeEvents = pgTable(
  "node_event",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    nodeId: uuid("node_id")
      .notNull()
      .references(() => nodes.id, { onDelete: "cascade" }),
    at: ts("at").notNull().defaultNow(),
    /** `status` (lifecycle), `offline`, `online`, `registered`, `hardware`. */
    type: text("type").notNull(),
    fromStatus: text("from_status"),
    toStatus: text("to_status"),
    actor: text("actor"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("node_event_node_idx").on(t.nodeId, t.id)],
);

export const bootstrapTokens = pgTable(
  "bootstrap_token",
  {
    id: uuid("id")
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    regionId: uuid("region_id")
      .notNull()
      .references(() => regions.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    /** The first characters of the secret, shown so tokens can be told apart. */
    prefix: text("prefix").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    createdBy: text("created_by"),
    createdAt: ts("created_at").notNull().defaultNow(),
    expiresAt: ts("expires_at"),
    revokedAt: ts("revoked_at"),
    revokedBy: text("revoked_by"),
    lastUsedAt: ts("last_used_at"),
    uses: integer("uses").notNull().default(0),
  },
  (t) => [index("bootstrap_token_region_idx").on(t.regionId)],
);
