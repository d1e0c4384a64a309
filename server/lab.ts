import "server-only";
/**
 * Lab mode: Cairn starts lab nodes itself, so a new user can try it without servers and the e2e
 * tests can deploy. Each batch of nodes is a `cairn lab` child process (agent/lab.ts) pointed at
 * this server with a bootstrap token of the `lab` region, created for this start; the children
 * stop with the server. Node i of a lab is always the same machine, so a restarted lab comes back
 * as the same nodes (their credentials are in their state folders).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { getRegionByName, insertRegion } from "../db/queries/regions";
import { bootstrapTokens } from "../db/schema";
import { CairnError } from "../domain/errors";
import { config } from "./config";
import { hashSecret, newSecret } from "./gateway/http";
import { TOKEN_PREFIX_LENGTH } from "../domain/node";

export const LAB_REGION = "lab";
const LAB_TOKEN_LABEL = "lab fleet";
/** Most lab nodes one Cairn process starts (they all run in lab child processes on this host). */
export const LAB_MAX_NODES = 2000;

interface Batch {
  child: ChildProcess;
  firstIndex: number;
  nodes: number;
  startedAt: Date;
  exitCode: number | null;
  /** Graph steps whose first attempt in each task fails on these nodes. */
  failOnce: string[];
  slowSeconds: number;
}

const KEY = Symbol.for("cairn.lab");
type LabState = { batches: Batch[]; token?: { secret: string; regionId: string } };
const state: LabState = ((globalThis as Record<symbol, unknown>)[KEY] as LabState | undefined) ?? {
  batches: [],
};
(globalThis as Record<symbol, unknown>)[KEY] = state;

export function labEnabled(): boolean {
  return config().CAIRN_LAB;
}

export interface LabStatus {
  enabled: boolean;
  regionId: string | null;
  nodes: number;
  batches: {
    firstIndex: number;
    nodes: number;
    running: boolean;
    startedAt: Date;
    failOnce: string[];
    slowSeconds: number;
  }[];
}

export function labStatus(): LabStatus {
  return {
    enabled: labEnabled(),
    regionId: state.token?.regionId ?? null,
    nodes: state.batches.reduce((n, b) => n + b.nodes, 0),
    batches: state.batches.map((b) => ({
      firstIndex: b.firstIndex,
      nodes: b.nodes,
      running: b.exitCode === null,
      startedAt: b.startedAt,
      failOnce: b.failOnce,
      slowSeconds: b.slowSeconds,
    })),
  };
}

/** The `lab` region (created on first use) and a fresh token for this start; older ones revoked. */
/** The region lab nodes register in, created when first needed (at boot in lab mode). */
export async function ensureLabRegion(db: Db) {
  return (
    (await getRegionByName(db, { name: LAB_REGION })) ??
    (await insertRegion(db, {
      name: LAB_REGION,
      displayName: "Lab",
      description: "Lab nodes started by Cairn in lab mode: synthetic machines on this host.",
    }))
  );
}

async function labToken(db: Db, actor: string | null) {
  if (state.token) return state.token;
  const token = await db.transaction(async (tx) => {
    const region = await ensureLabRegion(tx);
    await tx
      .update(bootstrapTokens)
      .set({ revokedAt: new Date(), revokedBy: "lab mode" })
      .where(
        and(
          eq(bootstrapTokens.regionId, region.id),
          eq(bootstrapTokens.label, LAB_TOKEN_LABEL),
          isNull(bootstrapTokens.revokedAt),
        ),
      );
    const secret = newSecret("cbt");
    await tx.insert(bootstrapTokens).values({
      regionId: region.id,
      label: LAB_TOKEN_LABEL,
      prefix: secret.slice(0, 4 + TOKEN_PREFIX_LENGTH),
      tokenHash: hashSecret(secret),
      createdBy: actor ?? "lab mode",
    });
    return { secret, regionId: region.id };
  });
  state.token = token;
  return token;
}

/**
 * Starts `count` more lab nodes after the ones already started. `failOnce` makes the first attempt
 * of those graph steps fail in every task on these nodes (for trying failures and retries);
 * `slowSeconds` overrides CAIRN_LAB_SLOW_SECONDS for them.
 */
export async function addLabNodes(
  db: Db,
  params: { count: number; actor: string | null; failOnce?: string[]; slowSeconds?: number },
): Promise<LabStatus> {
  if (!labEnabled()) throw new CairnError("lab.disabled");
  const running = state.batches.reduce((n, b) => n + b.nodes, 0);
  if (running + params.count > LAB_MAX_NODES)
    throw new CairnError("lab.too-many", { max: LAB_MAX_NODES, running, count: params.count });
  const c = config();
  const failOnce = [...new Set(params.failOnce ?? [])];
  const slowSeconds = params.slowSeconds ?? c.CAIRN_LAB_SLOW_SECONDS;
  const { secret } = await labToken(db, params.actor);
  const dir = c.CAIRN_LAB_DIR ?? path.join(path.dirname(path.resolve(c.CAIRN_DATA_DIR)), "lab");
  const server = `http://127.0.0.1:${c.PORT}`;
  const args = [
    path.join(process.cwd(), "bin", "cairn.mjs"),
    "lab",
    "--nodes",
    String(params.count),
    "--first-index",
    String(running),
    "--server",
    server,
    "--dir",
    dir,
    "--profile",
    c.CAIRN_LAB_PROFILE,
    "--fail-rate",
    String(c.CAIRN_LAB_FAIL_RATE),
    "--slow",
    String(slowSeconds),
    ...(failOnce.length ? ["--fail-once", failOnce.join(",")] : []),
  ];
  // The token goes by environment, not argv: process listings show argv to every user.
  const child = spawn(process.execPath, args, {
    cwd: process.cwd(),
    env: { ...process.env, CAIRN_LAB_TOKEN: secret },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const batch: Batch = {
    child,
    firstIndex: running,
    nodes: params.count,
    startedAt: new Date(),
    exitCode: null,
    failOnce,
    slowSeconds,
  };
  child.on("exit", (code, signal) => {
    batch.exitCode = code ?? (signal ? 0 : 1);
  });
  state.batches.push(batch);
  console.log(
    `[cairn] lab: starting ${params.count} node(s) from #${running + 1} (${dir})` +
      (failOnce.length ? `; first attempt of ${failOnce.join(", ")} fails in each task` : ""),
  );
  return labStatus();
}

/** Stops every lab batch (the server is shutting down); their agents stop their steps. */
export async function stopLab(): Promise<void> {
  const alive = state.batches.filter((b) => b.exitCode === null);
  await Promise.all(
    alive.map(
      (b) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            b.child.kill("SIGKILL");
            resolve();
          }, 5000);
          b.child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          b.child.kill("SIGTERM");
        }),
    ),
  );
}
