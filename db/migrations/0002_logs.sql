CREATE TYPE "public"."log_stream" AS ENUM('stdout', 'stderr', 'system');--> statement-breakpoint
CREATE TABLE "log_chunk" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"attempt_id" uuid NOT NULL,
	"node_id" text,
	"step_key" text,
	"seq" integer NOT NULL,
	"stream" "log_stream" NOT NULL,
	"first_line" integer NOT NULL,
	"line_count" integer NOT NULL,
	"body" text NOT NULL,
	"bytes" integer NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	CONSTRAINT "log_chunk_attempt_seq_key" UNIQUE("attempt_id","seq"),
	CONSTRAINT "log_chunk_attempt_line_key" UNIQUE("attempt_id","first_line")
);
--> statement-breakpoint
CREATE TABLE "log_retention" (
	"attempt_id" uuid PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"total_lines" integer DEFAULT 0 NOT NULL,
	"total_bytes" bigint DEFAULT 0 NOT NULL,
	"stored_bytes" bigint DEFAULT 0 NOT NULL,
	"kept_head_lines" integer DEFAULT 0 NOT NULL,
	"dropped_lines" integer DEFAULT 0 NOT NULL,
	"dropped_bytes" bigint DEFAULT 0 NOT NULL,
	"max_dropped_seq" integer
);
--> statement-breakpoint
CREATE INDEX "log_chunk_task_xid_idx" ON "log_chunk" USING btree ("task_id","xid","id");