DROP INDEX "attempt_open_node_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "attempt_one_open_per_node" ON "attempt" USING btree ("node_id") WHERE status in ('dispatched', 'running', 'killing');