import "server-only";
/**
 * Serves a gateway on a plain node:http server: how tests and the bench run the real gateway (and
 * the engine behind it) without building Next. The console serves the same gateway through its
 * route handler.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import type { Gateway } from "./gateway";

export interface GatewayServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

function toRequest(req: IncomingMessage, base: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers))
    if (typeof v === "string") headers.set(k, v);
    else if (Array.isArray(v)) for (const x of v) headers.append(k, x);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(new URL(req.url ?? "/", base), {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    signal,
    // @ts-expect-error -- Node's fetch needs this for a streamed request body.
    duplex: "half",
  });
}

async function send(res: ServerResponse, response: Response) {
  res.statusCode = response.status;
  response.headers.forEach((v, k) => res.setHeader(k, v));
  res.end(Buffer.from(await response.arrayBuffer()));
}

export async function serveGateway(
  gateway: Gateway,
  options: { port?: number; host?: string } = {},
): Promise<GatewayServer> {
  const host = options.host ?? "127.0.0.1";
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const aborter = new AbortController();
    res.on("close", () => aborter.abort());
    const m = /^\/api\/agent\/([a-z]+)$/.exec(new URL(req.url ?? "/", "http://x").pathname);
    if (!m) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const request = toRequest(req, `http://${host}`, aborter.signal);
    gateway
      .handle(m[1]!, request)
      .then((response) => send(res, response))
      .catch((e) => {
        res.statusCode = 500;
        res.end(String(e));
      });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
