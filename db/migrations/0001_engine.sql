CREATE TYPE "public"."attempt_status" AS ENUM('queued', 'dispatched', 'running', 'killing', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lost');--> statement-breakpoint
CREATE TYPE "public"."step_status" AS ENUM('blocked', 'ready', 'running', 'retry_wait', 'succeeded', 'failed', 'skipped', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."task_mode" AS ENUM('plan', 'noop', 'apply');--> statement-breakpoint
CREATE TYPE "public"."task_status" AS ENUM('pending', 'running', 'paused', 'cancelling', 'cancelled', 'succeeded', 'failed');--> statement-breakpoint
CREATE TABLE "attempt" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"step_id" uuid NOT NULL,
	"task_id" uuid NOT NULL,
	"node_id" text NOT NULL,
	"number" integer NOT NULL,
	"status" "attempt_status" NOT NULL,
	"epoch" integer NOT NULL,
	"exit_code" integer,
	"reason" jsonb,
	"kill_for" text,
	"queued_at" timestamp (3) with time zone NOT NULL,
	"dispatched_at" timestamp (3) with time zone,
	"started_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"deadline_at" timestamp (3) with time zone,
	"heartbeat_deadline_at" timestamp (3) with time zone,
	CONSTRAINT "attempt_step_number" UNIQUE("step_id","number")
);
--> statement-breakpoint
CREATE TABLE "step_group" (
	"task_id" uuid NOT NULL,
	"group_key" text NOT NULL,
	"limit" integer DEFAULT 0 NOT NULL,
	"in_flight" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"tolerated" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "step_group_task_id_group_key_pk" PRIMARY KEY("task_id","group_key")
);
--> statement-breakpoint
CREATE TABLE "step" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"task_id" uuid NOT NULL,
	"key" text NOT NULL,
	"kind" text NOT NULL,
	"step_id" text NOT NULL,
	"node_id" text,
	"type" text DEFAULT 'shell' NOT NULL,
	"script" text,
	"status" "step_status" NOT NULL,
	"depends_on" text[] DEFAULT '{}'::text[] NOT NULL,
	"join" text DEFAULT 'all' NOT NULL,
	"remaining" integer NOT NULL,
	"failed_deps" integer DEFAULT 0 NOT NULL,
	"group_key" text NOT NULL,
	"retry" jsonb,
	"strategy" jsonb,
	"timeout_seconds" integer DEFAULT 300 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"ready_at" timestamp (3) with time zone,
	"queued_since" timestamp (3) with time zone,
	"reason" jsonb,
	"ordinal" integer NOT NULL,
	CONSTRAINT "step_task_key" UNIQUE("task_id","key")
);
--> statement-breakpoint
CREATE TABLE "task_event" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"task_id" uuid NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"type" text NOT NULL,
	"actor" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"cluster_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"graph" text NOT NULL,
	"mode" "task_mode" NOT NULL,
	"status" "task_status" DEFAULT 'pending' NOT NULL,
	"intent" jsonb NOT NULL,
	"overrides" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"idempotency_key" text,
	"launched_by" text,
	"halted" boolean DEFAULT false NOT NULL,
	"reason" jsonb,
	"max_in_flight" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"deadline_at" timestamp (3) with time zone
);
--> statement-breakpoint
ALTER TABLE "attempt" ADD CONSTRAINT "attempt_step_id_step_id_fk" FOREIGN KEY ("step_id") REFERENCES "public"."step"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step_group" ADD CONSTRAINT "step_group_task_id_task_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."task"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "step" ADD CONSTRAINT "step_task_id_task_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."task"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_event" ADD CONSTRAINT "task_event_task_id_task_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."task"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task" ADD CONSTRAINT "task_cluster_id_cluster_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."cluster"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attempt_task_idx" ON "attempt" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "attempt_open_deadline_idx" ON "attempt" USING btree ("deadline_at") WHERE status in ('dispatched', 'running', 'killing');--> statement-breakpoint
CREATE INDEX "attempt_open_heartbeat_idx" ON "attempt" USING btree ("heartbeat_deadline_at") WHERE status in ('dispatched', 'running', 'killing');--> statement-breakpoint
CREATE INDEX "step_task_status_idx" ON "step" USING btree ("task_id","status");--> statement-breakpoint
CREATE INDEX "step_ready_node_idx" ON "step" USING btree ("node_id") WHERE status = 'ready';--> statement-breakpoint
CREATE INDEX "step_depends_on_idx" ON "step" USING gin ("depends_on");--> statement-breakpoint
CREATE INDEX "task_event_task_idx" ON "task_event" USING btree ("task_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "task_idempotency_key" ON "task" USING btree ("idempotency_key");--> statement-breakpoint
CREATE UNIQUE INDEX "task_one_active_per_cluster" ON "task" USING btree ("cluster_id") WHERE status in ('pending', 'running', 'paused', 'cancelling') and mode <> 'plan';--> statement-breakpoint
CREATE INDEX "task_cluster_created_idx" ON "task" USING btree ("cluster_id","created_at");