CREATE TABLE "license" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"token" text NOT NULL,
	"claims" jsonb NOT NULL,
	"loaded_by" text NOT NULL,
	"loaded_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "content_pack" (
	"release_id" text NOT NULL,
	"id" text NOT NULL,
	"version" text NOT NULL,
	"manifest" jsonb NOT NULL,
	"files" jsonb NOT NULL,
	"installed_by" text NOT NULL,
	"installed_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "content_pack_pkey" PRIMARY KEY("release_id","id")
);
--> statement-breakpoint
ALTER TABLE "cluster" ADD COLUMN "networks" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "cluster" ADD COLUMN "custom_roles" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "cluster" ADD COLUMN "wizard_done" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "node" ADD COLUMN "os_disk" text;--> statement-breakpoint
ALTER TABLE "node" ADD COLUMN "addresses" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
CREATE INDEX "license_loaded_idx" ON "license" USING btree ("loaded_at");