/**
 * A small in-memory gateway speaking domain/agent/protocol.ts over real HTTP, for the agent's tests
 * and for trying the agent without Cairn. It dedupes like the real one (an event by attempt, epoch
 * and type; a log batch by attempt and seq), repeats kill orders until they are confirmed, and has
 * switches a test needs: go down and come back on the same port, refuse every credential, lose the
 * answers to the next requests (the request is applied, the connection is cut).
 *
 * Waiting is by event: `waitFor(predicate)` re-checks on every change, so tests never sleep.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { z } from "zod";
import {
  AGENT_LIMITS,
  AGENT_PATHS,
  eventsRequest,
  heartbeatRequest,
  logsRequest,
  pollRequest,
  registerRequest,
  type AgentErrorResponse,
  type AgentEvent,
  type EventsResponse,
  type HeartbeatResponse,
  type KillOrder,
  type LogBatchMessage,
  type LogsResponse,
  type PollResponse,
  type RegisterResponse,
  type WorkOrder,
} from "../../domain/agent/protocol";
import type { AttemptStatus } from "../../domain/engine/types";
import type { Hardware } from "../../domain/model";

export interface FakeNode {
  nodeId: string;
  machineId: string;
  hostname: string;
  hardware: Hardware;
  lab: boolean;
  credential: string;
  registrations: number;
  lastHeartbeatAt: number | null;
}

export interface ReceivedEvent {
  nodeId: string;
  attemptId: string;
  epoch: number;
  event: AgentEvent;
  accepted: boolean;
  /** Log batches of the attempt stored when this event arrived. */
  batchesStored: number;
}

export interface FakeGatewayOptions {
  bootstrapToken?: string;
  heartbeatSeconds?: number;
  pollSeconds?: number;
  regionId?: string;
}

type Path = (typeof AGENT_PATHS)[keyof typeof AGENT_PATHS];

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: { path: string; message: string }[],
  ) {
    super(message);
  }
}

const STATUS_OF: Record<AgentEvent["type"], (e: AgentEvent) => AttemptStatus> = {
  started: () => "running",
  exited: (e) => (e.type === "exited" && e.exitCode === 0 ? "succeeded" : "failed"),
  "timed-out": () => "timed_out",
  "kill-confirmed": () => "cancelled",
};

export class FakeGateway {
  readonly bootstrapToken: string;
  heartbeatSeconds: number;
  pollSeconds: number;
  readonly regionId: string;

  readonly nodes = new Map<string, FakeNode>();
  readonly events: ReceivedEvent[] = [];
  /** attemptId → seq → batch, each stored once. */
  readonly logs = new Map<string, Map<number, LogBatchMessage>>();
  /** Requests answered per path, including refused and lost ones. */
  readonly requests: Record<Path, number> = {
    [AGENT_PATHS.register]: 0,
    [AGENT_PATHS.heartbeat]: 0,
    [AGENT_PATHS.poll]: 0,
    [AGENT_PATHS.events]: 0,
    [AGENT_PATHS.logs]: 0,
  };
  /** Log batches that arrived again after being stored (resends): proof the dedupe was needed. */
  duplicateBatches = 0;

  private server: Server;
  private port = 0;
  private isUp = false;
  private refusing = false;
  private readonly lose = new Map<Path, number>();
  private readonly work = new Map<string, WorkOrder[]>();
  private readonly kills = new Map<string, KillOrder & { nodeId: string }>();
  private readonly acceptedKeys = new Set<string>();
  private readonly emitter = new EventEmitter();

  private constructor(opts: FakeGatewayOptions) {
    this.bootstrapToken = opts.bootstrapToken ?? `bootstrap-${randomBytes(16).toString("hex")}`;
    this.heartbeatSeconds = opts.heartbeatSeconds ?? 1;
    this.pollSeconds = opts.pollSeconds ?? 1;
    this.regionId = opts.regionId ?? "region-1";
    this.emitter.setMaxListeners(0);
    this.server = this.createServer();
  }

  static async start(opts: FakeGatewayOptions = {}): Promise<FakeGateway> {
    const gateway = new FakeGateway(opts);
    await gateway.up();
    return gateway;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  // ---------- switches ----------

  /** Stops answering: open connections (held polls too) are cut, new ones refused. */
  async down(): Promise<void> {
    if (!this.isUp) return;
    this.isUp = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
    this.changed();
  }

  /** Answers again, on the same port. */
  async up(): Promise<void> {
    if (this.isUp) return;
    this.server = this.createServer();
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.port, "127.0.0.1", () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.isUp = true;
    this.changed();
  }

  /** Every node credential is refused with 401 while on (a revoked or rotated credential). */
  refuseCredentials(on: boolean): void {
    this.refusing = on;
  }

  /** The next `count` requests on `path` are applied but their answers never arrive. */
  loseAnswers(path: Path, count: number): void {
    this.lose.set(path, (this.lose.get(path) ?? 0) + count);
  }

  async close(): Promise<void> {
    await this.down();
    this.emitter.removeAllListeners();
  }

  // ---------- the engine's side ----------

  /** Queues an attempt for a node; its poll answers with it. */
  enqueue(nodeId: string, order: Partial<WorkOrder> & Pick<WorkOrder, "script">): WorkOrder {
    const full: WorkOrder = {
      attemptId: randomUUID(),
      epoch: 1,
      taskId: randomUUID(),
      stepKey: `step@${nodeId}`,
      stepId: "step",
      mode: "apply",
      timeoutSeconds: 30,
      env: {},
      input: {},
      ...order,
    };
    const queue = this.work.get(nodeId) ?? [];
    queue.push(full);
    this.work.set(nodeId, queue);
    this.changed();
    return full;
  }

  /** Asks the node to kill an attempt; repeated in every answer until the agent confirms. */
  kill(
    nodeId: string,
    attemptId: string,
    epoch: number,
    reason: KillOrder["reason"] = "cancel",
  ): void {
    this.kills.set(attemptId, { nodeId, attemptId, epoch, reason });
    this.changed();
  }

  // ---------- what arrived ----------

  nodeByHostname(hostname: string): FakeNode | undefined {
    return [...this.nodes.values()].find((n) => n.hostname === hostname);
  }

  eventsOf(attemptId: string, acceptedOnly = true): ReceivedEvent[] {
    return this.events.filter((e) => e.attemptId === attemptId && (!acceptedOnly || e.accepted));
  }

  /** The attempt's stored lines in seq order, with their streams. */
  batchesOf(attemptId: string): LogBatchMessage[] {
    return [...(this.logs.get(attemptId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }

  linesOf(attemptId: string, stream?: LogBatchMessage["stream"]): string[] {
    return this.batchesOf(attemptId)
      .filter((b) => stream === undefined || b.stream === stream)
      .flatMap((b) => b.lines);
  }

  /** Resolves once `predicate` holds, checking after every change; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake gateway: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.emitter.off("change", check);
      };
      this.emitter.on("change", check);
    });
  }

  private changed(): void {
    this.emitter.emit("change");
  }

  // ---------- HTTP ----------

  private createServer(): Server {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent)
          this.send(res, 500, { error: { code: "internal", message: String(error) } });
      });
    });
    server.keepAliveTimeout = 60_000;
    return server;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "").split("?")[0] as Path;
    if (!(path in this.requests) || req.method !== "POST") {
      return this.send(res, 404, {
        error: { code: "not-found", message: `no route ${req.method} ${req.url}` },
      });
    }
    this.requests[path]++;
    try {
      const limit =
        path === AGENT_PATHS.register
          ? AGENT_LIMITS.maxInventoryBodyBytes
          : AGENT_LIMITS.maxBodyBytes;
      const body = await readBody(req, limit);
      const secret = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      let answer: unknown;
      if (path === AGENT_PATHS.register)
        answer = this.register(secret, parse(registerRequest, body));
      else {
        const node = this.authenticate(secret);
        if (path === AGENT_PATHS.heartbeat)
          answer = this.heartbeat(node, parse(heartbeatRequest, body));
        else if (path === AGENT_PATHS.poll)
          answer = await this.poll(node, parse(pollRequest, body), res);
        else if (path === AGENT_PATHS.events)
          answer = this.receiveEvents(node, parse(eventsRequest, body));
        else answer = this.receiveLogs(parse(logsRequest, body));
      }
      const lost = this.lose.get(path) ?? 0;
      if (lost > 0) {
        this.lose.set(path, lost - 1);
        req.socket.destroy();
        return;
      }
      this.send(res, 200, answer);
    } catch (error) {
      if (error instanceof HttpError)
        return this.send(res, error.status, {
          error: {
            code: error.code,
            message: error.message,
            ...(error.fields ? { fields: error.fields } : {}),
          },
        } satisfies AgentErrorResponse);
      throw error;
    } finally {
      this.changed();
    }
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed || !this.isUp) {
      res.socket?.destroy();
      return;
    }
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  private register(
    secret: string | undefined,
    body: z.infer<typeof registerRequest>,
  ): RegisterResponse {
    if (secret !== this.bootstrapToken)
      throw new HttpError(401, "token.invalid", "the bootstrap token is not valid for this region");
    let node = [...this.nodes.values()].find((n) => n.machineId === body.machineId);
    const credential = randomBytes(32).toString("hex");
    if (!node) {
      node = {
        nodeId: `node-${this.nodes.size + 1}`,
        machineId: body.machineId,
        hostname: body.hostname,
        hardware: body.hardware,
        lab: body.lab,
        credential,
        registrations: 0,
        lastHeartbeatAt: null,
      };
      this.nodes.set(node.nodeId, node);
    }
    node.credential = credential;
    node.registrations++;
    node.hardware = body.hardware;
    return {
      nodeId: node.nodeId,
      regionId: this.regionId,
      credential,
      heartbeatSeconds: this.heartbeatSeconds,
      pollSeconds: this.pollSeconds,
    };
  }

  private authenticate(secret: string | undefined): FakeNode {
    const node = secret ? [...this.nodes.values()].find((n) => n.credential === secret) : undefined;
    if (!node || this.refusing)
      throw new HttpError(
        401,
        "credential.invalid",
        "this node's credential is not accepted: register again",
      );
    return node;
  }

  private heartbeat(node: FakeNode, _body: z.infer<typeof heartbeatRequest>): HeartbeatResponse {
    node.lastHeartbeatAt = Date.now();
    return {
      serverTime: Date.now(),
      heartbeatSeconds: this.heartbeatSeconds,
      kills: this.killsFor(node.nodeId),
    };
  }

  private killsFor(nodeId: string): KillOrder[] {
    return [...this.kills.values()]
      .filter((k) => k.nodeId === nodeId)
      .map(({ attemptId, epoch, reason }) => ({ attemptId, epoch, reason }));
  }

  private async poll(
    node: FakeNode,
    body: z.infer<typeof pollRequest>,
    res: ServerResponse,
  ): Promise<PollResponse> {
    const ready = () =>
      (this.work.get(node.nodeId)?.length ?? 0) > 0 || this.killsFor(node.nodeId).length > 0;
    if (!ready() && body.waitSeconds > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.emitter.off("change", check);
          res.off("close", done);
          resolve();
        };
        const check = () => {
          if (ready() || !this.isUp) done();
        };
        const timer = setTimeout(done, body.waitSeconds * 1000);
        this.emitter.on("change", check);
        res.on("close", done);
      });
    }
    if (res.destroyed || !this.isUp) return { work: null, kills: [] };
    const work = this.work.get(node.nodeId)?.shift() ?? null;
    return { work, kills: this.killsFor(node.nodeId) };
  }

  private receiveEvents(node: FakeNode, body: z.infer<typeof eventsRequest>): EventsResponse {
    return {
      results: body.events.map(({ attemptId, epoch, event }) => {
        const key = `${attemptId}#${epoch}#${event.type}`;
        const accepted = !this.acceptedKeys.has(key);
        if (accepted) {
          this.acceptedKeys.add(key);
          if (event.type === "kill-confirmed" || event.type === "timed-out")
            this.kills.delete(attemptId);
        }
        this.events.push({
          nodeId: node.nodeId,
          attemptId,
          epoch,
          event,
          accepted,
          batchesStored: this.logs.get(attemptId)?.size ?? 0,
        });
        return {
          attemptId,
          accepted,
          status: STATUS_OF[event.type](event),
          ...(accepted ? {} : { reason: "duplicate" }),
        };
      }),
    };
  }

  private receiveLogs(body: z.infer<typeof logsRequest>): LogsResponse {
    return {
      results: body.batches.map((batch) => {
        const stored = this.logs.get(batch.attemptId) ?? new Map<number, LogBatchMessage>();
        this.logs.set(batch.attemptId, stored);
        const fresh = !stored.has(batch.seq);
        if (fresh) stored.set(batch.seq, batch);
        else this.duplicateBatches++;
        return { attemptId: batch.attemptId, seq: batch.seq, stored: fresh };
      }),
    };
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, "body.too-large", `the request body exceeds ${limit} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        reject(new HttpError(400, "body.invalid-json", "the request body is not JSON"));
      }
    });
    req.on("error", reject);
  });
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const fields = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw new HttpError(
      400,
      "body.invalid",
      `the request does not match the protocol: ${fields.map((f) => `${f.path}: ${f.message}`).join("; ")}`,
      fields,
    );
  }
  return result.data;
}
