/**
 * The engine's durable state: tasks → steps (one per node × graph step, plus barriers) → attempts
 * (immutable once final). Status of a step is written in the same transaction that records its
 * attempt's outcome. Logs live in their own store (logs.ts), never in a result column.
 */
import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import {
  ATTEMPT_STATUSES,
  STEP_STATUSES,
  TASK_MODES,
  TASK_STATUSES,
  type Reason,
} from "../../domain/engine/types";
import type { RetryPolicy, Strategy } from "../../domain/taskgraph/schema";
import { clusters } from "./clusters";

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

export const taskStatus = pgEnum("task_status", TASK_STATUSES);
export const taskMode = pgEnum("task_mode", TASK_MODES);
export const stepStatus = pgEnum("step_status", STEP_STATUSES);
export const attemptStatus = pgEnum("attempt_status", ATTEMPT_STATUSES);

export const tasks = pgTable(
  "task",
  {
    id: uuid("id")
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    clusterId: uuid("cluster_id")
      .notNull()
      .references(() => clusters.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    graph: text("graph").notNull(),
    mode: taskMode("mode").notNull(),
    status: taskStatus("status").notNull().default("pending"),
    intent: jsonb("intent").$type<Record<string, unknown>>().notNull(),
    overrides: jsonb("overrides").$type<Record<string, unknown>>().notNull().default({}),
    idempotencyKey: text("idempotency_key"),
    launchedBy: text("launched_by"),
    halted: boolean("halted").notNull().default(false),
    reason: jsonb("reason").$type<Reason>(),
    maxInFlight: integer("max_in_flight").notNull().default(0),
    createdAt: ts("created_at").notNull().defaultNow(),
    startedAt: ts("started_at"),
    endedAt: ts("ended_at"),
    deadlineAt: ts("deadline_at"),
  },
  (t) => [
    uniqueIndex("task_idempotency_key").on(t.idempotencyKey),
    // At most one mutating task per cluster, enforced by the database itself: two launches racing
    // past any check in code still cannot both insert an active task.
    uniqueIndex("task_one_active_per_cluster")
      .on(t.clusterId)
      .where(sql`status in ('pending', 'running', 'paused', 'cancelling') and mode <> 'plan'`),
    index("task_cluster_created_idx").on(t.clusterId, t.createdAt),
  ],
);

export const steps = pgTable(
  "step",
  {
    id: uuid("id")
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    taskId: uuid("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    /** `stepId@nodeId` for a step, `stepId#policy:role` for a barrier. */
    key: text("key").notNull(),
    kind: text("kind", { enum: ["step", "barrier"] }).notNull(),
    stepId: text("step_id").notNull(),
    nodeId: text("node_id"),
    type: text("type").notNull().default("shell"),
    script: text("script"),
    status: stepStatus("status").notNull(),
    /** Keys of the entries that must finish first. */
    dependsOn: text("depends_on")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** "all": every dependency must succeed; "any": one is enough (any-barriers). */
    join: text("join", { enum: ["all", "any"] })
      .notNull()
      .default("all"),
    /** Dependencies still to finish well before this entry may run (any-join: 1 until one does). */
    remaining: integer("remaining").notNull(),
    /** Dependencies that failed; for an any-join the entry fails once every one of them has. */
    failedDeps: integer("failed_deps").notNull().default(0),
    groupKey: text("group_key").notNull(),
    retry: jsonb("retry").$type<RetryPolicy>(),
    strategy: jsonb("strategy").$type<Strategy>(),
    timeoutSeconds: integer("timeout_seconds").notNull().default(300),
    attempts: integer("attempts").notNull().default(0),
    /** Attempts made before the last reset: the retry budget counts only those after it. */
    attemptsAtReset: integer("attempts_at_reset").notNull().default(0),
    readyAt: ts("ready_at"),
    queuedSince: ts("queued_since"),
    reason: jsonb("reason").$type<Reason>(),
    /** Position in the plan's topological order, for stable listing. */
    ordinal: integer("ordinal").notNull(),
  },
  (t) => [
    unique("step_task_key").on(t.taskId, t.key),
    index("step_task_status_idx").on(t.taskId, t.status),
    index("step_ready_node_idx")
      .on(t.nodeId)
      .where(sql`status = 'ready'`),
    index("step_depends_on_idx").using("gin", t.dependsOn),
  ],
);

/**
 * The plan's edges, from a dependency to its dependent, by key: "which entries wait for X?" is an
 * index lookup on every ending. (Filtering `depends_on` instead scanned every blocked step of the
 * task — 19,000 rows per ending in a 1,000-node × 20-step task.)
 */
export const stepDeps = pgTable(
  "step_dep",
  {
    taskId: uuid("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    fromKey: text("from_key").notNull(),
    toKey: text("to_key").notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.fromKey, t.toKey] })],
);

export const stepGroups = pgTable(
  "step_group",
  {
    taskId: uuid("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    groupKey: text("group_key").notNull(),
    /** Attempts allowed in flight at once (one_by_one = 1; parallel without amount = 0 = no limit). */
    limit: integer("limit").notNull().default(0),
    inFlight: integer("in_flight").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    tolerated: integer("tolerated").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.groupKey] })],
);

export const attempts = pgTable(
  "attempt",
  {
    id: uuid("id")
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    stepId: uuid("step_id")
      .notNull()
      .references(() => steps.id, { onDelete: "cascade" }),
    taskId: uuid("task_id").notNull(),
    nodeId: text("node_id").notNull(),
    number: integer("number").notNull(),
    status: attemptStatus("status").notNull(),
    epoch: integer("epoch").notNull(),
    exitCode: integer("exit_code"),
    reason: jsonb("reason").$type<Reason>(),
    killFor: text("kill_for", { enum: ["timeout", "cancel"] }),
    queuedAt: ts("queued_at").notNull(),
    dispatchedAt: ts("dispatched_at"),
    startedAt: ts("started_at"),
    endedAt: ts("ended_at"),
    deadlineAt: ts("deadline_at"),
    heartbeatDeadlineAt: ts("heartbeat_deadline_at"),
  },
  (t) => [
    unique("attempt_step_number").on(t.stepId, t.number),
    index("attempt_task_idx").on(t.taskId),
    // One open attempt per node, enforced by the database (two replicas answering two polls of one
    // node cannot both hand it work). "Is this node busy?" runs on every poll: only open attempts
    // are indexed, so it stays tiny.
    uniqueIndex("attempt_one_open_per_node")
      .on(t.nodeId)
      .where(sql`status in ('dispatched', 'running', 'killing')`),
    index("attempt_open_deadline_idx")
      .on(t.deadlineAt)
      .where(sql`status in ('dispatched', 'running', 'killing')`),
    index("attempt_open_heartbeat_idx")
      .on(t.heartbeatDeadlineAt)
      .where(sql`status in ('dispatched', 'running', 'killing')`),
  ],
);

/** Append-only history of a task: launches, cancels, retries, with who did them. */
export const taskEvents = pgTable(
  "task_event",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    taskId: uuid("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    at: ts("at").notNull().defaultNow(),
    type: text("type").notNull(),
    actor: text("actor"),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("task_event_task_idx").on(t.taskId, t.id)],
);
