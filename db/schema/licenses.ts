/**
 * Licenses loaded into this Cairn. The newest row is the one in force; older rows stay as the
 * record of what was loaded when and by whom. Only licenses that verified are ever stored.
 */
import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { LicenseClaims } from "../../domain/model";

export const licenses = pgTable(
  "license",
  {
    id: uuid("id")
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    /** The compact JWS as loaded, so it can be verified again (e.g. after a key rotation). */
    token: text("token").notNull(),
    claims: jsonb("claims").$type<LicenseClaims>().notNull(),
    loadedBy: text("loaded_by").notNull(),
    loadedAt: timestamp("loaded_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [index("license_loaded_idx").on(t.loadedAt)],
);
