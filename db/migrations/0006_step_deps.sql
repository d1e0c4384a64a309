CREATE TABLE "step_dep" (
	"task_id" uuid NOT NULL,
	"from_key" text NOT NULL,
	"to_key" text NOT NULL,
	CONSTRAINT "step_dep_task_id_from_key_to_key_pk" PRIMARY KEY("task_id","from_key","to_key")
);
--> statement-breakpoint
ALTER TABLE "step_dep" ADD CONSTRAINT "step_dep_task_id_task_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."task"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
INSERT INTO "step_dep" ("task_id", "from_key", "to_key") SELECT "task_id", unnest("depends_on"), "key" FROM "step" ON CONFLICT DO NOTHING;
