import "server-only";
/**
 * The agent gateway: what `cairn-agent` talks to (`/api/agent/*`, see domain/agent/protocol.ts).
 * Built as a plain object over a database and a work waiter, so tests drive it with `Request`s
 * and no Next server; the route handler only forwards to it.
 *
 * - register: a region's bootstrap token → a per-node credential (returned once, stored hashed).
 * - every other call: the node's credential. Unknown, revoked (replaced by a newer registration)
 *   or removed nodes get 401; an attempt or log batch of another node gets 403. Nothing changes.
 * - poll: long-poll; woken by the engine's NOTIFY for this node, answered with one work order
 *   (claimed with SKIP LOCKED) and any kills the node owes.
 */
import {
  AGENT_DEFAULTS,
  AGENT_LIMITS,
  AGENT_PROTOCOL_VERSION,
  eventsRequest,
  heartbeatRequest,
  logsRequest,
  pollRequest,
  registerRequest,
  type AgentEvent,
  type EventsResponse,
  type HeartbeatResponse,
  type KillOrder,
  type LogsResponse,
  type PollResponse,
  type RegisterResponse,
  type WorkOrder,
} from "../../domain/agent/protocol";
import type { AttemptEvent } from "../../domain/engine/types";
import type { Hardware, Network, NetworkName } from "../../domain/model";
import { reportedAddresses, reportedNetworks } from "../../domain/release/reported";
import { CairnError } from "../../domain/errors";
import type { Database } from "../../db/client";
import { appendLogBatch } from "../../db/queries/logs";
import {
  authenticatePoll,
  findBootstrapTokenByHash,
  probeNodeWork,
  findNodeByCredential,
  findNodeByMachineId,
  insertNodeEvents,
  recordHeartbeat,
  upsertNode,
  useBootstrapToken,
  type AgentIdentity,
} from "../../db/queries/nodes";
import { attempts, clusters, nodes, steps, tasks } from "../../db/schema";
import { and, eq, inArray, ne } from "drizzle-orm";
import {
  applyAttemptEvent,
  applyAttemptEvents,
  claimAttempt,
  reportAndClaim,
  DEFAULT_ENGINE_OPTIONS,
  pendingKills,
  type Dispatch,
  type EngineOptions,
} from "../engine/executor";
import type { WorkWaiter } from "../engine/wake";
import {
  bearer,
  errorResponse,
  hashSecret,
  newSecret,
  parseBody,
  RateLimiter,
  readJson,
} from "./http";
import { RELEASES_DIR, requireBundle } from "../services/releases";
import { stepScript } from "../services/step-bundles";
import { HeartbeatBatcher } from "./heartbeats";

export const AGENT_ACTIONS = ["register", "heartbeat", "poll", "events", "logs"] as const;
export type AgentAction = (typeof AGENT_ACTIONS)[number];

export interface GatewayOptions {
  engine?: EngineOptions;
  heartbeatSeconds?: number;
  pollSeconds?: number;
  releasesDir?: string;
  /** Requests per second and burst, per node (and per address for register and failed auth). */
  rate?: { perSecond: number; burst: number };
  /** How long a heartbeat waits for others to share its statement (0: next tick). */
  heartbeatBatchMs?: number;
  now?: () => number;
}

export interface Gateway {
  handle(action: string, req: Request): Promise<Response>;
}

const NOT_ACCEPTED = (why: string) => new CairnError("agent.unauthorized", { why });

type RawKill = { id: string; epoch: number; killFor: "timeout" | "cancel" | null };
const killOrderOf = (k: RawKill): KillOrder => ({
  attemptId: k.id,
  epoch: k.epoch,
  reason: k.killFor ?? "cancel",
});

export function createGateway(
  database: Database,
  waiter: WorkWaiter | null,
  options: GatewayOptions = {},
): Gateway {
  const db = database.db;
  const engine = options.engine ?? DEFAULT_ENGINE_OPTIONS;
  const heartbeatSeconds = options.heartbeatSeconds ?? AGENT_DEFAULTS.heartbeatSeconds;
  const pollSeconds = options.pollSeconds ?? AGENT_DEFAULTS.pollSeconds;
  const releasesDir = options.releasesDir ?? RELEASES_DIR;
  const now = options.now ?? Date.now;
  const rate = options.rate ?? { perSecond: 20, burst: 100 };
  const limiter = new RateLimiter(rate.perSecond, rate.burst, now);
  // Per client address: registrations (a lab of 1,000 nodes registers from one address) and failed
  // authentications (secrets are 256-bit, so this protects the database from floods, not the
  // secrets from guessing; generous, because a lab whose database was reset fails all at once).
  const registrations = new RateLimiter(100, 500, now);
  const failures = new RateLimiter(10, 300, now);
  const heartbeats = new HeartbeatBatcher(db, {
    windowMs: options.heartbeatBatchMs ?? 15,
    maxBatch: 500,
  });

  function clientKey(req: Request) {
    return (
      req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() ||
      req.headers.get("x-real-ip") ||
      "local"
    );
  }

  function limited(key: string) {
    const wait = limiter.take(key);
    if (wait > 0) throw Object.assign(new CairnError("rate.limited"), { retryAfter: wait });
  }

  async function authenticate(req: Request): Promise<AgentIdentity> {
    const secret = bearer(req);
    if (!secret) throw NOT_ACCEPTED("no credential was sent");
    const node = await findNodeByCredential(db, { credentialHash: hashSecret(secret) });
    if (!node) {
      failures.take(clientKey(req));
      throw NOT_ACCEPTED("unknown or replaced credential");
    }
    if (node.status === "removed") throw NOT_ACCEPTED("the node was removed");
    limited(node.id);
    return node;
  }

  // ---------- register ----------

  async function register(req: Request): Promise<RegisterResponse> {
    const wait = registrations.take(clientKey(req));
    if (wait > 0) throw Object.assign(new CairnError("rate.limited"), { retryAfter: wait });
    const token = bearer(req);
    if (!token) throw NOT_ACCEPTED("no bootstrap token was sent");
    const body = parseBody(
      registerRequest,
      await readJson(req, AGENT_LIMITS.maxInventoryBodyBytes),
    );
    const at = new Date(now());
    const tokenHash = hashSecret(token);
    const credential = newSecret("cnc");
    const result = await db.transaction(async (tx) => {
      const used = await useBootstrapToken(tx, { tokenHash, now: at });
      if (!used) {
        const known = await findBootstrapTokenByHash(tx, { tokenHash });
        throw NOT_ACCEPTED(
          !known
            ? "unknown bootstrap token"
            : known.revokedAt
              ? "the bootstrap token was revoked"
              : "the bootstrap token has expired",
        );
      }
      const existing = await findNodeByMachineId(tx, { machineId: body.machineId });
      if (existing && existing.regionId !== used.regionId)
        throw new CairnError("agent.region-mismatch", {
          machineId: body.machineId,
          region: used.regionId,
        });
      const { node, created, previousStatus } = await upsertNode(tx, {
        regionId: used.regionId,
        machineId: body.machineId,
        hostname: body.hostname,
        arch: body.arch,
        lab: body.lab,
        hardware: body.hardware,
        agentVersion: body.agentVersion,
        credentialHash: hashSecret(credential),
        now: at,
      });
      await insertNodeEvents(tx, [
        {
          nodeId: node.id,
          type: "registered",
          fromStatus: previousStatus,
          toStatus: node.status,
          data: { created, agentVersion: body.agentVersion, hostname: body.hostname },
          at,
        },
      ]);
      return node;
    });
    return {
      nodeId: result.id,
      regionId: result.regionId,
      credential,
      heartbeatSeconds,
      pollSeconds,
    };
  }

  // ---------- heartbeat ----------

  async function heartbeat(req: Request): Promise<HeartbeatResponse> {
    const secret = bearer(req);
    if (!secret) throw NOT_ACCEPTED("no credential was sent");
    const body = parseBody(
      heartbeatRequest,
      await readJson(req, AGENT_LIMITS.maxInventoryBodyBytes),
    );
    const at = now();
    // Authenticate and record in one statement, shared with the heartbeats that arrive within the
    // same few milliseconds: this is the call every agent makes every 10 s. A changed inventory
    // is rare and goes alone.
    const credentialHash = hashSecret(secret);
    const node = body.hardware
      ? await recordHeartbeat(db, {
          credentialHash,
          now: new Date(at),
          clockOffsetMs: body.sentAt - at,
          hardware: body.hardware,
        })
      : await heartbeats.submit({
          credentialHash,
          at: new Date(at),
          clockOffsetMs: body.sentAt - at,
        });
    if (!node) {
      failures.take(clientKey(req));
      throw NOT_ACCEPTED("unknown or replaced credential");
    }
    limited(node.id);
    const events = [];
    if (node.wasOffline) events.push({ nodeId: node.id, type: "online", at: new Date(at) });
    if (body.hardware) events.push({ nodeId: node.id, type: "hardware", at: new Date(at) });
    if (events.length) await insertNodeEvents(db, events);
    // Running attempts stay alive in the engine's eyes; only then can there be kills to send.
    let kills: KillOrder[] = [];
    if (body.running.length) {
      for (const r of body.running)
        await applyAttemptEvent(
          db,
          {
            attemptId: r.attemptId,
            event: { type: "heartbeat", epoch: r.epoch },
            now: new Date(at),
            nodeId: node.id,
          },
          engine,
        );
      kills = await killsFor(node.id);
    }
    return { serverTime: at, heartbeatSeconds, kills };
  }

  async function killsFor(nodeId: string): Promise<KillOrder[]> {
    return (await pendingKills(db, { nodeId })).map(killOrderOf);
  }

  // ---------- poll ----------

  async function poll(req: Request): Promise<PollResponse> {
    const secret = bearer(req);
    if (!secret) throw NOT_ACCEPTED("no credential was sent");
    const body = parseBody(pollRequest, await readJson(req, 4096));
    // Authenticate and look for kills and ready steps in one statement: most polls of a big
    // fleet find nothing and should cost one query, not a claim transaction.
    const first = await authenticatePoll(db, { credentialHash: hashSecret(secret) });
    if (!first) {
      failures.take(clientKey(req));
      throw NOT_ACCEPTED("unknown or replaced credential");
    }
    if (first.status === "removed") throw NOT_ACCEPTED("the node was removed");
    limited(first.id);
    const node: AgentIdentity = first;
    const until = now() + Math.min(body.waitSeconds, pollSeconds) * 1000;
    let look: { kills: RawKill[]; ready: boolean } = first;
    for (;;) {
      if (look.kills.length) return { work: null, kills: look.kills.map(killOrderOf) };
      if (look.ready) {
        const dispatch = await claimAttempt(db, { nodeId: node.id, now: new Date(now()) }, engine);
        if (dispatch) return { work: await workOrder(dispatch, node), kills: [] };
      }
      const left = until - now();
      if (left <= 0 || !waiter || req.signal.aborted) return { work: null, kills: [] };
      await waiter.wait(node.id, left, req.signal);
      look = await probeNodeWork(db, { nodeId: node.id });
      if (now() >= until && !look.kills.length && !look.ready) return { work: null, kills: [] };
    }
  }

  /**
   * The script a node runs for a step, as text: a shell step as it is, a TypeScript step bundled
   * with the step SDK into one ES module (`.mjs`). Null when the release has no such file.
   */
  /**
   * A step's script as the agent runs it: release steps from the release folder, pack steps from
   * the stored pack (or the copy in the task's intent, for a pack removed since), TypeScript
   * bundled into one module.
   */
  function scriptOf(releaseId: string, script: string, intent: unknown) {
    return stepScript(db, { releaseId, script, intent, releasesDir });
  }

  interface StepCluster {
    id: string;
    name: string;
    kind: string;
    releaseId: string;
    settings: unknown;
    networks: Network[];
  }

  interface StepPeer {
    id: string;
    hostname: string;
    roles: string[];
    hardware?: Hardware;
    addresses: Partial<Record<NetworkName, string>>;
  }

  async function workOrder(d: Dispatch, node: AgentIdentity): Promise<WorkOrder> {
    const [cluster] = await db
      .select({
        id: clusters.id,
        name: clusters.name,
        kind: clusters.kind,
        releaseId: clusters.releaseId,
        settings: clusters.settings,
        networks: clusters.networks,
      })
      .from(clusters)
      .where(eq(clusters.id, d.task.clusterId));
    const [launched] = await db
      .select({ intent: tasks.intent })
      .from(tasks)
      .where(eq(tasks.id, d.task.id));
    // The cluster's nodes, as other nodes' steps need them (hosts files, NTP clients, DHCP).
    const members = cluster
      ? await db
          .select({
            id: nodes.id,
            hostname: nodes.hostname,
            roles: nodes.roles,
            hardware: nodes.hardware,
            addresses: nodes.addresses,
          })
          .from(nodes)
          .where(and(eq(nodes.clusterId, cluster.id), ne(nodes.status, "removed")))
      : [];
    const [facts] = await db
      .select({ roles: nodes.roles, hardware: nodes.hardware, addresses: nodes.addresses })
      .from(nodes)
      .where(eq(nodes.id, node.id));
    const releaseId = cluster?.releaseId ?? "unknown";
    const scriptPath = d.step.script ?? "";
    let script: { path: string; content: string } | null = null;
    let problem = `script '${scriptPath}' is not in release ${releaseId} on the server`;
    try {
      script = scriptPath ? await scriptOf(releaseId, scriptPath, launched?.intent) : null;
    } catch (e) {
      problem = `script '${scriptPath}' of release ${releaseId} cannot be built: ${(e as Error).message.split("\n")[0]}`;
    }
    // Said in the step's own log, where the operator looks, rather than failing the poll.
    script ??= {
      path: `${d.step.stepId}.sh`,
      content: `#!/bin/sh\necho ${JSON.stringify(`cairn: step ${d.step.stepId}: ${problem}`)} >&2\nexit 127\n`,
    };
    return {
      attemptId: d.attempt.id,
      epoch: d.attempt.epoch,
      taskId: d.task.id,
      stepKey: d.step.key,
      stepId: d.step.stepId,
      mode: d.task.mode === "noop" ? "noop" : "apply",
      timeoutSeconds: d.step.timeoutSeconds,
      script,
      env: {
        CAIRN_TASK_ID: d.task.id,
        CAIRN_TASK_KIND: d.task.kind,
        CAIRN_STEP_ID: d.step.stepId,
        CAIRN_NODE_ID: node.id,
        CAIRN_HOSTNAME: node.hostname,
        CAIRN_ATTEMPT: String(d.attempt.number),
      },
      input: stepInput(d, node, cluster, facts, members, launched?.intent),
    };
  }

  /**
   * The step contract's input (domain/release/contract.ts). The cluster's own settings and networks
   * (saved by the wizard) and each node's planned addresses; a cluster that has none yet (created
   * through the API, never through the wizard's networks step) gets the release's default settings
   * and what the nodes reported about their boot NICs instead.
   */
  function stepInput(
    d: Dispatch,
    node: AgentIdentity,
    cluster: StepCluster | undefined,
    facts: Omit<StepPeer, "id" | "hostname"> | undefined,
    members: StepPeer[],
    intent: Record<string, unknown> | undefined,
  ): Record<string, unknown> {
    // The settings the task applies (kept in its intent at launch), else the cluster's, else the
    // release's defaults.
    let settings: unknown = intent?.settings ?? cluster?.settings ?? null;
    if (settings === null && cluster)
      try {
        settings = requireBundle(cluster.releaseId, releasesDir).manifest.settings.defaults;
      } catch {
        // an unknown or broken release: the step's own input check will say so
      }
    const changedSettings = Array.isArray(intent?.changedSettings) ? intent.changedSettings : [];
    const planned = (cluster?.networks.length ?? 0) > 0;
    const peer = (m: Partial<StepPeer> & { id: string; hostname: string }) => ({
      id: m.id,
      hostname: m.hostname,
      roles: m.roles ?? [],
      addresses:
        planned && m.addresses && Object.keys(m.addresses).length > 0
          ? m.addresses
          : reportedAddresses(m.hardware),
      provisioningMac: m.hardware?.nics.find((n) => n.pxe)?.mac ?? m.hardware?.nics[0]?.mac,
    });
    const self = {
      id: node.id,
      hostname: node.hostname,
      roles: facts?.roles ?? [],
      hardware: facts?.hardware,
      addresses: facts?.addresses ?? {},
    };
    return {
      task: { id: d.task.id, kind: d.task.kind, mode: d.task.mode === "noop" ? "noop" : "apply" },
      step: { id: d.step.stepId, key: d.step.key, attempt: d.attempt.number },
      cluster: cluster
        ? {
            id: cluster.id,
            name: cluster.name,
            kind: cluster.kind,
            releaseId: cluster.releaseId,
            settings,
            networks: planned
              ? cluster.networks
              : reportedNetworks(members.flatMap((m) => (m.hardware ? [m.hardware] : []))),
          }
        : null,
      node: { ...peer(self), hardware: facts?.hardware ?? null },
      nodes: (members.some((m) => m.id === node.id) ? members : [...members, self]).map(peer),
      changes: { addedNodes: [], removedNodes: [], changedSettings },
    };
  }

  // ---------- attempt events ----------

  function engineEvent(e: AgentEvent, epoch: number): AttemptEvent {
    switch (e.type) {
      case "started":
        return { type: "started", epoch };
      case "exited":
        return { type: "exited", epoch, exitCode: e.exitCode };
      case "timed-out":
        return { type: "agent-timeout", epoch };
      case "kill-confirmed":
        return { type: "kill-confirmed", epoch };
    }
  }

  async function ownedAttempts(nodeId: string, ids: string[]) {
    const rows = await db
      .select({
        id: attempts.id,
        nodeId: attempts.nodeId,
        taskId: attempts.taskId,
        stepKey: steps.key,
      })
      .from(attempts)
      .innerJoin(steps, eq(steps.id, attempts.stepId))
      .where(inArray(attempts.id, [...new Set(ids)]));
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const id of ids) {
      const row = byId.get(id);
      // Unknown attempts are refused like other nodes' ones: nothing to learn by probing ids.
      if (!row || row.nodeId !== nodeId)
        throw new CairnError("auth.forbidden", {
          role: "agent",
          allowed: `the node that runs attempt ${id}`,
        });
    }
    return byId;
  }

  async function events(req: Request): Promise<EventsResponse> {
    const node = await authenticate(req);
    const body = parseBody(eventsRequest, await readJson(req, 64 * 1024));
    await ownedAttempts(
      node.id,
      body.events.map((e) => e.attemptId),
    );
    // Consecutive events of one attempt are applied together, in one transaction.
    const groups: (typeof body.events)[] = [];
    for (const e of body.events) {
      const last = groups.at(-1);
      if (last && last[0]!.attemptId === e.attemptId) last.push(e);
      else groups.push([e]);
    }
    const results: EventsResponse["results"] = [];
    let work: WorkOrder | null = null;
    for (const [i, group] of groups.entries()) {
      const params = {
        attemptId: group[0]!.attemptId,
        events: group.map((e) => engineEvent(e.event, e.epoch)),
        now: new Date(now()),
        nodeId: node.id,
      };
      const isLast = i === groups.length - 1;
      const applied =
        body.poll && isLast
          ? await reportAndClaim(db, params, engine)
          : { results: await applyAttemptEvents(db, params, engine), next: null };
      if (applied.next) work = await workOrder(applied.next, node);
      for (const r of applied.results)
        results.push({
          attemptId: params.attemptId,
          accepted: r.accepted,
          status: r.attempt?.status ?? null,
          ...(r.accepted ? {} : { reason: r.reason }),
        });
    }
    return body.poll ? { results, work } : { results };
  }

  // ---------- logs ----------

  async function logs(req: Request): Promise<LogsResponse> {
    const node = await authenticate(req);
    const body = parseBody(logsRequest, await readJson(req, AGENT_LIMITS.maxBodyBytes));
    const owned = await ownedAttempts(
      node.id,
      body.batches.map((b) => b.attemptId),
    );
    const results: LogsResponse["results"] = [];
    for (const b of body.batches) {
      const a = owned.get(b.attemptId)!;
      const r = await appendLogBatch(db, {
        taskId: a.taskId,
        attemptId: b.attemptId,
        nodeId: node.id,
        stepKey: a.stepKey,
        seq: b.seq,
        stream: b.stream,
        lines: b.lines,
        at: new Date(b.at),
      });
      results.push({ attemptId: b.attemptId, seq: b.seq, stored: r.accepted });
    }
    return { results };
  }

  const handlers: Record<AgentAction, (req: Request) => Promise<unknown>> = {
    register,
    heartbeat,
    poll,
    events,
    logs,
  };

  return {
    async handle(action, req) {
      const handler = (handlers as Record<string, (req: Request) => Promise<unknown>>)[action];
      if (!handler || !Object.hasOwn(handlers, action))
        return Response.json(
          { error: { code: "not-found", message: `No agent call named ${action}.` } },
          { status: 404 },
        );
      if (req.method !== "POST")
        return Response.json(
          { error: { code: "method", message: "Agent calls are POST requests with a JSON body." } },
          { status: 405, headers: { allow: "POST" } },
        );
      const blocked = failures.peek(clientKey(req));
      if (blocked > 0)
        return errorResponse(new CairnError("rate.limited"), { "retry-after": String(blocked) });
      try {
        const result = await handler(req);
        return Response.json(result, {
          headers: { "x-cairn-agent-protocol": String(AGENT_PROTOCOL_VERSION) },
        });
      } catch (e) {
        const retryAfter = (e as { retryAfter?: number }).retryAfter;
        return errorResponse(e, retryAfter ? { "retry-after": String(retryAfter) } : undefined);
      }
    },
  };
}
