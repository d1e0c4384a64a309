// Millisecond precision: keyset cursors carry JavaScript dates, which hold no microseconds.
import { sql } from "drizzle-orm";
import { pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const regions = pgTable("region", {
  id: uuid("id").primaryKey().default(sql`gen_random_uuid()`),
  /** RFC 1123 label; immutable: agents, DNS and certificates are named after it. */
  name: text("name").notNull().unique(),
  displayName: text("display_name").notNull(),
  description: text("description").notNull().default(""),
  createdAt: timestamp("created_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});
