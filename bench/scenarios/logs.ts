/**
 * Sustained log ingest (goal ≥ 50,000 lines/s): several agents' worth of concurrent writers, each
 * appending 100-line batches of ~110-byte lines through `appendLogBatch` — the same statement the
 * server runs — for a fixed time after a warm-up. Each attempt runs long enough (10 MB) to cross
 * the 8 MiB retention limit, so the figure includes trimming. Measured on PGlite in memory, PGlite
 * on a folder, and PostgreSQL when BENCH_DATABASE_URL names a server (a fresh database is created
 * and dropped). Afterwards: a 500-line window read and a search on the largest attempt.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { openDatabase, type Database, type DbConfig } from "../../db/client";
import { migrate } from "../../db/migrate";
import { appendLogBatch, readLogWindow, searchLog } from "../../db/queries/logs";

const WRITERS = 8;
const BATCH_LINES = 100;
/** 1,000 batches ≈ 11 MB per attempt: past the 8 MiB limit, so retention trims run. */
const BATCHES_PER_ATTEMPT = 1000;
const WARMUP_MS = 1_000;
const MEASURE_MS = 8_000;

function lineText(n: number, node: number): string {
  return `2026-11-28T10:${String(Math.floor(n / 6000) % 60).padStart(2, "0")}:00.000Z TASK [ceph-osd : prepare] ok: [node-${String(node).padStart(4, "0")}] => {"changed": false, "item": "/dev/sd${String.fromCharCode(97 + (n % 26))}", "n": ${n}}`;
}

interface Figures {
  linesPerSecond: number;
  megabytesPerSecond: number;
  batchP50Ms: number;
  batchP99Ms: number;
  trims: number;
  windowMs: number;
  searchMs: number;
  searchHits: number;
}

async function ingest(database: Database): Promise<Figures> {
  const taskId = randomUUID();
  let lines = 0;
  let bytes = 0;
  let trims = 0;
  const latencies: number[] = [];
  let biggest = { attemptId: "", lines: 0 };
  // Writers read the clock themselves: PGlite settles its queries in microtasks, so a timer set
  // to end the run would never fire while the writers keep it busy.
  const begin = performance.now();
  const measureFrom = begin + WARMUP_MS;
  const measureTo = measureFrom + MEASURE_MS;

  async function writer(w: number) {
    let attemptId = randomUUID();
    let seq = 0;
    let line = 0;
    let dropped = 0;
    for (;;) {
      if (seq === BATCHES_PER_ATTEMPT) {
        attemptId = randomUUID();
        seq = 0;
        line = 0;
        dropped = 0;
      }
      const batch = Array.from({ length: BATCH_LINES }, (_, i) => lineText(line + i, w));
      const started = performance.now();
      if (started >= measureTo) return;
      const result = await appendLogBatch(database.db, {
        taskId,
        attemptId,
        nodeId: `node-${w}`,
        stepKey: "ceph-osd",
        seq: seq++,
        stream: "stdout",
        lines: batch,
      });
      const ended = performance.now();
      line += BATCH_LINES;
      if (line > biggest.lines) biggest = { attemptId, lines: line };
      const trimmed = result.droppedLines > dropped;
      dropped = result.droppedLines;
      // Only batches that both started and ended inside the window count, so the rate is not
      // flattered by work done before it or cut off at its end.
      if (started < measureFrom || ended > measureTo) continue;
      latencies.push(ended - started);
      lines += BATCH_LINES;
      for (const l of batch) bytes += l.length + 1;
      if (trimmed) trims++;
    }
  }

  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  const seconds = MEASURE_MS / 1000;

  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;

  const windowStart = performance.now();
  await readLogWindow(database.db, {
    attemptId: biggest.attemptId,
    fromLine: Math.max(0, biggest.lines - 600),
    lineCount: 500,
  });
  const windowMs = performance.now() - windowStart;
  const searchStart = performance.now();
  const found = await searchLog(database.db, { taskId, query: `"n": 4242}`, limit: 100 });
  const searchMs = performance.now() - searchStart;

  return {
    linesPerSecond: Math.round(lines / seconds),
    megabytesPerSecond: Math.round((bytes / seconds / 1e6) * 10) / 10,
    batchP50Ms: Math.round(pct(0.5) * 10) / 10,
    batchP99Ms: Math.round(pct(0.99) * 10) / 10,
    trims,
    windowMs: Math.round(windowMs * 10) / 10,
    searchMs: Math.round(searchMs),
    searchHits: found.hits.length,
  };
}

async function onTarget(config: DbConfig): Promise<Figures> {
  const database = await openDatabase(config);
  try {
    await migrate(database);
    return await ingest(database);
  } finally {
    await database.close();
  }
}

function prefixed(prefix: string, f: Figures): Record<string, number> {
  return {
    [`${prefix}_ingest_lines_per_s`]: f.linesPerSecond,
    [`${prefix}_ingest_mb_per_s`]: f.megabytesPerSecond,
    [`${prefix}_batch_p50_ms`]: f.batchP50Ms,
    [`${prefix}_batch_p99_ms`]: f.batchP99Ms,
    [`${prefix}_retention_trims`]: f.trims,
    [`${prefix}_window_500_lines_ms`]: f.windowMs,
    [`${prefix}_search_task_ms`]: f.searchMs,
    [`${prefix}_search_hits`]: f.searchHits,
  };
}

export default {
  name: "logs",
  async run() {
    const figures: Record<string, number | string> = {
      writers: WRITERS,
      batch_lines: BATCH_LINES,
      measured_seconds: MEASURE_MS / 1000,
    };
    Object.assign(figures, prefixed("pglite_memory", await onTarget({ kind: "pglite-memory" })));

    const dir = mkdtempSync(path.join(os.tmpdir(), "cairn-bench-logs-"));
    try {
      Object.assign(
        figures,
        prefixed(
          "pglite_folder",
          await onTarget({ kind: "pglite", dataDir: path.join(dir, "data") }),
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const base = process.env.BENCH_DATABASE_URL;
    if (base) {
      const name = `cairn_bench_${randomBytes(6).toString("hex")}`;
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`create database ${name}`);
      try {
        const url = new URL(base);
        url.pathname = `/${name}`;
        Object.assign(
          figures,
          prefixed(
            "postgres",
            await onTarget({ kind: "postgres", url: url.toString(), poolSize: WRITERS }),
          ),
        );
      } finally {
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      }
    } else {
      figures.postgres = "skipped: set BENCH_DATABASE_URL";
    }
    return figures;
  },
};
