import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/** Installation-wide values kept in the database so every replica sees the same (e.g. the session secret). */
export const meta = pgTable("cairn_meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
