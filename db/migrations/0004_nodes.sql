CREATE TABLE "bootstrap_token" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"region_id" uuid NOT NULL,
	"label" text NOT NULL,
	"prefix" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_by" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	"revoked_by" text,
	"last_used_at" timestamp (3) with time zone,
	"uses" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "bootstrap_token_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "node_event" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"node_id" uuid NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"type" text NOT NULL,
	"from_status" text,
	"to_status" text,
	"actor" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "node" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"region_id" uuid NOT NULL,
	"cluster_id" uuid,
	"machine_id" text NOT NULL,
	"hostname" text NOT NULL,
	"arch" text NOT NULL,
	"status" text DEFAULT 'discovered' NOT NULL,
	"roles" text[] DEFAULT '{}'::text[] NOT NULL,
	"lab" boolean DEFAULT false NOT NULL,
	"hardware" jsonb NOT NULL,
	"cores" integer NOT NULL,
	"threads" integer NOT NULL,
	"memory_bytes" bigint NOT NULL,
	"disk_count" integer NOT NULL,
	"agent_version" text NOT NULL,
	"credential_hash" text NOT NULL,
	"registered_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_heartbeat_at" timestamp (3) with time zone,
	"offline_since" timestamp (3) with time zone,
	"clock_offset_ms" integer,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "node_credential_hash_unique" UNIQUE("credential_hash"),
	CONSTRAINT "node_machine_key" UNIQUE("machine_id")
);
--> statement-breakpoint
ALTER TABLE "bootstrap_token" ADD CONSTRAINT "bootstrap_token_region_id_region_id_fk" FOREIGN KEY ("region_id") REFERENCES "public"."region"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node_event" ADD CONSTRAINT "node_event_node_id_node_id_fk" FOREIGN KEY ("node_id") REFERENCES "public"."node"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node" ADD CONSTRAINT "node_region_id_region_id_fk" FOREIGN KEY ("region_id") REFERENCES "public"."region"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "node" ADD CONSTRAINT "node_cluster_id_cluster_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."cluster"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "bootstrap_token_region_idx" ON "bootstrap_token" USING btree ("region_id");--> statement-breakpoint
CREATE INDEX "node_event_node_idx" ON "node_event" USING btree ("node_id","id");--> statement-breakpoint
CREATE INDEX "node_region_hostname_idx" ON "node" USING btree ("region_id","hostname","id");--> statement-breakpoint
CREATE INDEX "node_cluster_idx" ON "node" USING btree ("cluster_id");--> statement-breakpoint
CREATE INDEX "node_heartbeat_idx" ON "node" USING btree ("last_heartbeat_at") WHERE offline_since is null;