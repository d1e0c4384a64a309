import { sql } from "drizzle-orm";
import { index, jsonb, pgEnum, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { CLUSTER_KINDS, type Network, type Settings, type WizardStep } from "../../domain/model";
import { CLUSTER_STATUSES } from "../../domain/cluster";
import { regions } from "./regions";

export const clusterKind = pgEnum("cluster_kind", CLUSTER_KINDS);
export const clusterStatus = pgEnum("cluster_status", CLUSTER_STATUSES);

export const clusters = pgTable(
  "cluster",
  {
    id: uuid("id")
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    regionId: uuid("region_id")
      .notNull()
      .references(() => regions.id, { onDelete: "restrict" }),
    name: text("name").notNull(),
    displayName: text("display_name").notNull(),
    kind: clusterKind("kind").notNull(),
    releaseId: text("release_id").notNull(),
    /** The cluster's settings; null until set: steps then get the release's defaults. */
    settings: jsonb("settings").$type<Settings>(),
    /** The cluster's networks (CIDRs, VLANs, gateways, ranges, VIPs) as the wizard saved them. */
    networks: jsonb("networks").$type<Network[]>().notNull().default([]),
    /** Roles the operator defined on this cluster as sets of catalog services. */
    customRoles: jsonb("custom_roles")
      .$type<{ name: string; services: string[] }[]>()
      .notNull()
      .default([]),
    /** Wizard steps the operator confirmed (Next), so the step list can say which are complete. */
    wizardDone: jsonb("wizard_done").$type<WizardStep[]>().notNull().default([]),
    status: clusterStatus("status").notNull().default("new"),
    createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    unique("cluster_region_name_key").on(t.regionId, t.name),
    index("cluster_region_idx").on(t.regionId),
  ],
);
