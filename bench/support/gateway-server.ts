/**
 * The gateway alone on node:http, as a separate process, for the agents bench: its CPU time is
 * read from /proc by the parent. Usage: tsx --conditions=react-server bench/support/gateway-server.ts URL
 * Prints "listening <url>" once it serves.
 */
import { openDatabase } from "../../db/client";
import { migrate } from "../../db/migrate";
import { startRunner } from "../../server/engine/runner";
import { createWorkWaiter } from "../../server/engine/wake";
import { createGateway } from "../../server/gateway/gateway";
import { serveGateway } from "../../server/gateway/node-http";

const url = process.argv[2];
if (!url) throw new Error("usage: gateway-server.ts DATABASE_URL");
const database = await openDatabase({ kind: "postgres", url, poolSize: 16 });
await migrate(database);
const waiter = await createWorkWaiter(database);
// As in production: the runner sweeps (offline nodes, timers) once a second.
const runner = startRunner(database, { heartbeatSeconds: 60, queueSeconds: 0 });
const gateway = createGateway(database, waiter, {
  heartbeatSeconds: 10,
  rate: { perSecond: 50, burst: 200 },
});
const served = await serveGateway(gateway);
console.log(`listening ${served.url}`);
process.on("SIGTERM", () => {
  void (async () => {
    await served.close();
    await runner.stop();
    await waiter.close();
    await database.close();
    process.exit(0);
  })();
});
