/**
 * Attempt logs: one row per batch an agent sends (not per line), and one row per attempt that
 * counts what arrived and what retention dropped. Queries are in db/queries/logs.ts.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  customType,
  index,
  integer,
  pgEnum,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { LOG_STREAMS } from "../../domain/logs";

export const logStream = pgEnum("log_stream", LOG_STREAMS);

/** 64-bit transaction id; read back as a decimal string. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => "xid8" });

export const logChunks = pgTable(
  "log_chunk",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    taskId: uuid("task_id").notNull(),
    attemptId: uuid("attempt_id").notNull(),
    nodeId: text("node_id"),
    stepKey: text("step_key"),
    /** The agent's batch number within the attempt; a re-sent batch carries the same one. */
    seq: integer("seq").notNull(),
    stream: logStream("stream").notNull(),
    /** 0-based number, within the attempt, of the chunk's first line; streams share one numbering. */
    firstLine: integer("first_line").notNull(),
    lineCount: integer("line_count").notNull(),
    /** The lines joined with "\n"; no line contains one. */
    body: text("body").notNull(),
    /** UTF-8 size of body, summed for retention without reading bodies. */
    bytes: integer("bytes").notNull(),
    at: timestamp("at", { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /**
     * The writing transaction. Ids are taken before commit, so concurrent writers can make id 10
     * visible before id 9; a live reader that resumed after 10 would never see 9. Readers instead
     * page by (xid, id) and hold back rows of transactions newer than one still running in this
     * database: rows then never appear behind a position already read (db/queries/logs.ts).
     */
    xid: xid8("xid")
      .notNull()
      .default(sql`pg_current_xact_id()`),
  },
  (t) => [
    unique("log_chunk_attempt_seq_key").on(t.attemptId, t.seq),
    unique("log_chunk_attempt_line_key").on(t.attemptId, t.firstLine),
    index("log_chunk_task_xid_idx").on(t.taskId, t.xid, t.id),
  ],
);

/**
 * Per attempt: the running counters an append needs (next line number, bytes stored) so it never
 * scans chunks, and what retention dropped. Dropped chunks are always the oldest after the head,
 * so the lines dropped form one range: [keptHeadLines, keptHeadLines + droppedLines).
 */
export const logRetention = pgTable("log_retention", {
  attemptId: uuid("attempt_id").primaryKey(),
  taskId: uuid("task_id").notNull(),
  /** Lines received so far = the first line number of the next batch. */
  totalLines: integer("total_lines").notNull().default(0),
  totalBytes: bigint("total_bytes", { mode: "number" }).notNull().default(0),
  storedBytes: bigint("stored_bytes", { mode: "number" }).notNull().default(0),
  /** Lines of the head, which is never dropped (it grows until the first headBytes are in). */
  keptHeadLines: integer("kept_head_lines").notNull().default(0),
  droppedLines: integer("dropped_lines").notNull().default(0),
  droppedBytes: bigint("dropped_bytes", { mode: "number" }).notNull().default(0),
  /**
   * Highest batch number dropped. Its row is gone, so the unique key can no longer refuse a
   * re-send of it; batches at or below it are refused by this instead.
   */
  maxDroppedSeq: integer("max_dropped_seq"),
});
