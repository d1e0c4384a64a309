import "server-only";
import path from "node:path";
import { z } from "zod";
import type { DbConfig } from "../db/client";
import { LAB_PROFILES } from "../domain/lab/inventory";

const envSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must start with postgres:// or postgresql://")
    .optional(),
  CAIRN_DATA_DIR: z.string().min(1).default(".cairn/data"),
  CAIRN_URL: z.url().optional(),
  CAIRN_ADMIN_EMAIL: z.email().default("admin@cairn.local"),
  CAIRN_ADMIN_PASSWORD: z.string().min(12).max(128).optional(),
  CAIRN_AUTH_SECRET: z.string().min(32).optional(),
  /** An attempt whose agent is silent this long is lost (and retried per its policy). */
  CAIRN_ATTEMPT_HEARTBEAT_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  /** Lab mode: administrators can start lab nodes from the console (`npm start -- --lab N`). */
  CAIRN_LAB: z
    .enum(["0", "1", "true", "false"])
    .default("0")
    .transform((v) => v === "1" || v === "true"),
  /** Lab nodes to start with the server in lab mode. */
  CAIRN_LAB_NODES: z.coerce.number().int().min(0).max(5000).default(0),
  /** Where lab nodes keep their roots and state; default: beside the data directory. */
  CAIRN_LAB_DIR: z.string().min(1).optional(),
  /** The machines lab nodes pretend to be (`cairn lab --profile`): mixed, small or large. */
  CAIRN_LAB_PROFILE: z.enum(LAB_PROFILES).default("mixed"),
  /** Share of lab steps that fail on purpose (tests), and seconds each waits. */
  CAIRN_LAB_FAIL_RATE: z.coerce.number().min(0).max(1).default(0),
  CAIRN_LAB_SLOW_SECONDS: z.coerce.number().min(0).max(3600).default(0),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
});

export type Config = z.infer<typeof envSchema>;

let cached: Config | undefined;

export function config(): Config {
  if (cached) return cached;
  // An exported-but-empty variable means "not set" (e.g. DATABASE_URL= to force the embedded database).
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ""));
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`invalid environment: ${first?.path.join(".")}: ${first?.message}`);
  }
  cached = parsed.data;
  return cached;
}

export function dbConfig(c: Config = config()): DbConfig {
  return c.DATABASE_URL
    ? { kind: "postgres", url: c.DATABASE_URL }
    : { kind: "pglite", dataDir: path.resolve(c.CAIRN_DATA_DIR) };
}

export const APP_VERSION: string = process.env.npm_package_version ?? "0.1.0";
