/**
 * One Cairn engine replica for the multi-process test: it sweeps timers when it holds the lock and
 * runs fake agents for the given nodes (claim → started → heartbeats while "working" → exit 0),
 * printing what it does so the test can kill it mid-attempt.
 * Usage: node --conditions=react-server --import tsx test/engine-replica.ts URL NODE...
 */
import { openDatabase } from "../db/client";
import { applyAttemptEvent, claimAttempt, pendingKills } from "../server/engine/executor";
import { startRunner } from "../server/engine/runner";

const [url, ...nodes] = process.argv.slice(2);
if (!url || nodes.length === 0) throw new Error("usage: engine-replica URL NODE...");
const opts = { heartbeatSeconds: 2, queueSeconds: 0 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const database = await openDatabase({ kind: "postgres", url, poolSize: 8 });
const runner = startRunner(database, { ...opts, intervalMs: 200 });
let stopping = false;
process.on("SIGTERM", () => {
  stopping = true;
});

async function agent(nodeId: string) {
  while (!stopping) {
    for (const k of await pendingKills(database.db, { nodeId }))
      await applyAttemptEvent(
        database.db,
        { attemptId: k.id, event: { type: "kill-confirmed", epoch: k.epoch }, now: new Date() },
        opts,
      );
    const d = await claimAttempt(database.db, { nodeId, now: new Date() }, opts);
    if (!d) {
      await sleep(100);
      continue;
    }
    const report = (event: Parameters<typeof applyAttemptEvent>[1]["event"]) =>
      applyAttemptEvent(database.db, { attemptId: d.attempt.id, event, now: new Date() }, opts);
    await report({ type: "started", epoch: d.attempt.epoch });
    console.log(`working ${d.attempt.id} ${d.step.key}`);
    for (let i = 0; i < 5; i++) {
      await sleep(100);
      await report({ type: "heartbeat", epoch: d.attempt.epoch });
    }
    const r = await report({ type: "exited", epoch: d.attempt.epoch, exitCode: 0 });
    console.log(`done ${d.attempt.id} ${r.accepted ? "accepted" : "refused"}`);
  }
}

await Promise.all(nodes.map(agent));
await runner.stop();
await database.close();
