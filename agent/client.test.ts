import { describe, expect, it } from "vitest";
import { AGENT_PATHS } from "../domain/agent/protocol";
import { labNode } from "../domain/lab/inventory";
import { backoffMs, classifyStatus, GatewayClient, GatewayError, withRetry } from "./client";
import { FakeGateway } from "./testing/fake-gateway";

const ATTEMPT = "00000000-0000-4000-8000-000000000001";

interface Call {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that answers from a table and records what it was asked. */
function stubFetch(answer: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const call: Call = {
      url: String(input),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: JSON.parse(String(init?.body)),
    };
    calls.push(call);
    return answer(call);
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const heartbeatAnswer = { serverTime: 1, heartbeatSeconds: 10, kills: [] };

/** A fetch that never answers and fails when its signal aborts, as undici does. */
const hanging = (async (_input: string | URL | Request, init?: RequestInit) =>
  new Promise<Response>((_, reject) =>
    init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)),
  )) as typeof fetch;

async function failureOf(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("expected a GatewayError");
}

describe("backoffMs", () => {
  it("draws from [0, min(max, base·2^attempt)): full jitter, growing, capped", () => {
    const policy = { baseMs: 100, maxMs: 5000 };
    const top = (attempt: number) => backoffMs(attempt, policy, () => 0.999999);
    expect([0, 1, 2, 3].map(top)).toEqual([99, 199, 399, 799]);
    expect(top(10)).toBe(4999);
    expect(top(1000)).toBe(4999);
    expect(backoffMs(5, policy, () => 0)).toBe(0);
    expect(backoffMs(2, policy, () => 0.5)).toBe(200);
  });
});

describe("withRetry", () => {
  it("resends retryable failures with backoff delays and returns the answer", async () => {
    const delays: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls < 4) throw new GatewayError("retryable", "ECONNREFUSED");
        return "ok";
      },
      {
        backoff: { baseMs: 100, maxMs: 1000 },
        random: () => 0.5,
        sleep: async (ms) => {
          delays.push(ms);
        },
      },
    );
    expect(result).toBe("ok");
    expect(delays).toEqual([50, 100, 200]);
  });

  it("gives up at once on unauthorized and rejected failures", async () => {
    for (const kind of ["unauthorized", "rejected"] as const) {
      let calls = 0;
      const failure = await failureOf(
        withRetry(
          async () => {
            calls++;
            throw new GatewayError(kind, "no");
          },
          { sleep: async () => {} },
        ),
      );
      expect([failure.kind, calls]).toEqual([kind, 1]);
    }
  });
});

describe("GatewayClient", () => {
  it("registers with the bootstrap token and calls the rest with the node credential", async () => {
    const { fetch, calls } = stubFetch((call) =>
      call.url.endsWith(AGENT_PATHS.register)
        ? json(200, {
            nodeId: "n1",
            regionId: "r1",
            credential: "c".repeat(64),
            heartbeatSeconds: 10,
            pollSeconds: 25,
          })
        : json(200, heartbeatAnswer),
    );
    const client = new GatewayClient({ server: "http://cairn.test:3000/", fetch });
    const node = labNode(0);
    const registered = await client.register("bootstrap-token", {
      protocol: 1,
      machineId: "m1",
      hostname: "lab-0001",
      agentVersion: "0.1.0",
      arch: "x86_64",
      hardware: node.hardware,
    });
    client.setCredential(registered.credential);
    await client.heartbeat({ sentAt: 5 });

    expect(calls.map((c) => c.url)).toEqual([
      "http://cairn.test:3000/api/agent/register",
      "http://cairn.test:3000/api/agent/heartbeat",
    ]);
    expect(calls.map((c) => c.headers.authorization)).toEqual([
      "Bearer bootstrap-token",
      `Bearer ${"c".repeat(64)}`,
    ]);
    // Defaults are applied before sending: the gateway sees a complete request.
    expect(calls[0]!.body).toMatchObject({ lab: false });
    expect(calls[1]!.body).toEqual({ sentAt: 5, running: [] });
  });

  it("classifies refusals: 401 unauthorized, other 4xx (403 included) rejected with the gateway's message, 429/5xx retryable", async () => {
    // 403 is the gateway's answer for another node's attempt: the report is wrong, not the credential.
    expect([401, 403, 400, 404, 413, 429, 500, 503].map(classifyStatus)).toEqual([
      "unauthorized",
      "rejected",
      "rejected",
      "rejected",
      "rejected",
      "retryable",
      "retryable",
      "retryable",
    ]);
    const refusal = {
      error: {
        code: "body.invalid",
        message: "running.0.attemptId: expected a UUID; send the attempt's id",
        fields: [{ path: "running.0.attemptId", message: "expected a UUID" }],
      },
    };
    for (const [status, kind] of [
      [401, "unauthorized"],
      [400, "rejected"],
      [503, "retryable"],
    ] as const) {
      const { fetch } = stubFetch(() => json(status, refusal));
      const client = new GatewayClient({
        server: "http://cairn.test",
        credential: "x".repeat(40),
        fetch,
      });
      const failure = await failureOf(client.heartbeat({ sentAt: 1 }));
      expect(failure.kind).toBe(kind);
      expect(failure.status).toBe(status);
      expect(failure.details.code).toBe("body.invalid");
      expect(failure.details.fields).toEqual(refusal.error.fields);
      expect(failure.message).toContain("expected a UUID");
    }
    const { fetch } = stubFetch(() => new Response("<html>Bad gateway</html>", { status: 502 }));
    const failure = await failureOf(
      new GatewayClient({ server: "http://cairn.test", credential: "x", fetch }).heartbeat({
        sentAt: 1,
      }),
    );
    expect([failure.kind, failure.status]).toEqual(["retryable", 502]);
  });

  it("waits at least as long as a 429's Retry-After says", async () => {
    const { fetch } = stubFetch(
      () =>
        new Response(JSON.stringify({ error: { code: "rate.limited", message: "slow down" } }), {
          status: 429,
          headers: { "retry-after": "7" },
        }),
    );
    const client = new GatewayClient({ server: "http://cairn.test", credential: "x", fetch });
    const delays: number[] = [];
    let calls = 0;
    await failureOf(
      withRetry(
        async () => {
          if (++calls > 2) throw new GatewayError("rejected", "enough");
          return client.heartbeat({ sentAt: 1 });
        },
        {
          backoff: { baseMs: 10, maxMs: 100 },
          random: () => 0.5,
          sleep: async (ms) => void delays.push(ms),
        },
      ),
    );
    expect(delays).toEqual([7000, 7000]);
  });

  it("treats an answer that does not match the protocol as retryable, naming the field", async () => {
    const { fetch } = stubFetch(() =>
      json(200, { serverTime: 1, heartbeatSeconds: -5, kills: [] }),
    );
    const failure = await failureOf(
      new GatewayClient({ server: "http://cairn.test", credential: "x", fetch }).heartbeat({
        sentAt: 1,
      }),
    );
    expect(failure.kind).toBe("retryable");
    expect(failure.details.code).toBe("bad-answer");
    expect(failure.message).toContain("heartbeatSeconds");
  });

  it("refuses to send a request that breaks the protocol, without calling the server", async () => {
    const { fetch, calls } = stubFetch(() => json(200, { results: [] }));
    const client = new GatewayClient({ server: "http://cairn.test", credential: "x", fetch });
    const failure = await failureOf(
      client.sendLogs({
        batches: [{ attemptId: "not-a-uuid", seq: 0, stream: "stdout", lines: ["x"], at: 1 }],
      }),
    );
    expect(failure.kind).toBe("rejected");
    expect(failure.message).toContain("batches.0.attemptId");
    expect(calls).toHaveLength(0);
  });

  it("times a request out as retryable, but gives a poll its whole wait", async () => {
    const client = new GatewayClient({
      server: "http://cairn.test",
      credential: "x",
      fetch: hanging,
      requestTimeoutMs: 30,
    });
    const failure = await failureOf(client.heartbeat({ sentAt: 1 }));
    expect(failure.kind).toBe("retryable");
    expect(failure.message).toMatch(/no answer within/);

    // A poll that waits 1 s answers after 150 ms, well past requestTimeoutMs: it must not be cut.
    const slow = (async () => {
      await new Promise((r) => setTimeout(r, 150));
      return json(200, { work: null, kills: [] });
    }) as typeof fetch;
    const poller = new GatewayClient({
      server: "http://cairn.test",
      credential: "x",
      fetch: slow,
      requestTimeoutMs: 30,
    });
    await expect(poller.poll({ waitSeconds: 1 })).resolves.toEqual({ work: null, kills: [] });
  });

  it("reports a server that is not there as retryable, and a stop as aborted", async () => {
    const gateway = await FakeGateway.start();
    const url = gateway.url;
    await gateway.close();
    const client = new GatewayClient({ server: url, credential: "x" });
    const failure = await failureOf(client.heartbeat({ sentAt: 1 }));
    expect(failure.kind).toBe("retryable");
    expect(failure.message).toMatch(/ECONNREFUSED/);

    const stop = new AbortController();
    const polling = new GatewayClient({ server: url, credential: "x", fetch: hanging }).poll(
      { waitSeconds: 25 },
      stop.signal,
    );
    stop.abort();
    expect((await failureOf(polling)).details.aborted).toBe(true);
  });

  it("parses real answers of the fake gateway with the protocol's schemas", async () => {
    const gateway = await FakeGateway.start({ heartbeatSeconds: 7 });
    try {
      const client = new GatewayClient({ server: gateway.url });
      const node = labNode(1);
      const reg = await client.register(gateway.bootstrapToken, {
        protocol: 1,
        machineId: node.hardware.uuid!,
        hostname: node.hostname,
        agentVersion: "test",
        arch: node.hardware.cpu.arch,
        hardware: node.hardware,
        lab: true,
      });
      client.setCredential(reg.credential);
      expect((await client.heartbeat({ sentAt: Date.now() })).heartbeatSeconds).toBe(7);
      const events = await client.sendEvents({
        events: [{ attemptId: ATTEMPT, epoch: 1, at: 1, event: { type: "started" } }],
      });
      expect(events.results).toEqual([{ attemptId: ATTEMPT, accepted: true, status: "running" }]);
      const again = await client.sendEvents({
        events: [{ attemptId: ATTEMPT, epoch: 1, at: 1, event: { type: "started" } }],
      });
      expect(again.results[0]!.accepted).toBe(false);
    } finally {
      await gateway.close();
    }
  });
});
