/**
 * Content packs installed on a release: roles, settings and steps a pack adds (see
 * domain/release/pack.ts). The pack is stored whole as validated at install — manifest and step
 * sources — so every replica runs the same pack, whatever its own disk holds.
 */
import { jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

export const contentPacks = pgTable(
  "content_pack",
  {
    releaseId: text("release_id").notNull(),
    id: text("id").notNull(),
    version: text("version").notNull(),
    /** The parsed pack manifest (pack.yaml after validation). */
    manifest: jsonb("manifest").$type<Record<string, unknown>>().notNull(),
    /** Files of the pack by relative path (step scripts and their graphs), as installed. */
    files: jsonb("files").$type<Record<string, string>>().notNull(),
    installedBy: text("installed_by").notNull(),
    installedAt: timestamp("installed_at", { withTimezone: true, precision: 3 })
      .notNull()
      .defaultNow(),
  },
  (t) => [primaryKey({ name: "content_pack_pkey", columns: [t.releaseId, t.id] })],
);
