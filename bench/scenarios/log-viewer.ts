/**
 * The task log viewer at a million lines (goal: opens in under a second, scrolls smoothly).
 *
 * Browser: the real viewer component (components/tasks/log-view.tsx, with its store, windowing
 * and ANSI rendering), bundled with esbuild and styled with the console's Tailwind CSS, runs in
 * Debian's Chromium against an in-memory log source (components/tasks/testing/memory-source.ts)
 * that answers like the server, optionally after a delay. Two logs: one attempt of 1,000,000
 * lines, and 1,000 attempts of 1,000 lines (a 1,000-node step). Measured: time from mounting to
 * the first lines on screen, frame times while scrolling steadily and while dragging the
 * scrollbar end to end, time for a jump to show its lines, rows in the DOM, JS heap.
 *
 * Server: the same million-line attempt stored through appendLogBatch in PGlite, and the reads the
 * viewer makes to open it (sections with the tail position, then windows of lines) timed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { build } from "esbuild";
import { openDatabase } from "../../db/client";
import { migrate } from "../../db/migrate";
import { appendLogBatch, readLogWindow } from "../../db/queries/logs";
import { listLogSections, logTailPosition } from "../../db/queries/task-view";
import { claimAttempt, launchTask } from "../../server/engine/executor";
import { newCluster, planFor } from "../../test/engine-fixtures";

const ROOT = path.resolve(import.meta.dirname, "../..");
const LINES = 1_000_000;
const RUNS = 5;

/** The page: the viewer, a source of generated lines, and the measurements it can run. */
const FIXTURE = `
import { createRoot } from "react-dom/client";
import { NextIntlClientProvider } from "next-intl";
import { messagesFor } from "./messages";
import { LogView } from "./components/tasks/log-view";
import { MemorySource, section } from "./components/tasks/testing/memory-source";

const E = "\\u001b";
const HOSTS = 1000;
function line(attempt, n) {
  if (n % 40 === 0) return E + "[1;32mTASK [ceph-osd : prepare disks " + n + "]" + E + "[0m " + "*".repeat(60);
  if (n % 7 === 0) return E + "[33mchanged: [node-" + attempt + "] => (item=/dev/sd" + String.fromCharCode(97 + (n % 26)) + ")" + E + "[0m";
  if (n % 97 === 0) return E + "[31mfatal: [node-" + attempt + "]: FAILED! => {\\"msg\\": \\"retrying\\", \\"n\\": " + n + "}" + E + "[0m";
  return "ok: [node-" + attempt + "] => {\\"changed\\": false, \\"item\\": \\"/dev/sdb\\", \\"checksum\\": \\"" + (n * 2654435761 % 4294967296).toString(16) + "\\", \\"n\\": " + n + "}";
}
const id = (n) => "00000000-0000-4000-8000-" + String(n).padStart(12, "0");
function log(kind) {
  const at = (i) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i));
  const sections = kind === "single"
    ? [section(id(0), { totalLines: ${LINES}, nodeId: "node-0", hostname: "node-0000", stepId: "services", queuedAt: at(0) })]
    : Array.from({ length: HOSTS }, (_, i) => section(id(i), {
        totalLines: ${LINES} / HOSTS, nodeId: "node-" + i, hostname: "node-" + String(i).padStart(4, "0"),
        stepId: "services", queuedAt: at(i), status: "succeeded" }));
  return { sections, line: (attemptId, n) => line(Number(attemptId.slice(-12)), n) };
}

let root = null;
const container = document.getElementById("root");
const frame = () => new Promise((r) => requestAnimationFrame(r));
const viewport = () => document.querySelector('[data-testid="log-viewport"]');

/**
 * Rows on screen: section headers and lines with their text count as drawn, the grey placeholders
 * of lines still being read do not.
 */
function visibleLines() {
  const v = viewport();
  if (!v) return { filled: 0, empty: 1 };
  const box = v.getBoundingClientRect();
  let filled = 0, empty = 0;
  for (const row of document.querySelectorAll('[data-testid="log-line"], [data-testid="log-section"]')) {
    const r = row.getBoundingClientRect();
    if (r.bottom <= box.top || r.top >= box.bottom) continue;
    if (row.dataset.testid === "log-section" || row.querySelector(":scope > span:not([aria-hidden])")) filled++;
    else empty++;
  }
  // No row at all in view is the worst frame: the rows drawn are for a position scrolled away.
  return { filled, empty: filled === 0 ? Math.max(empty, 1) : empty, blank: filled + empty === 0 };
}
async function untilFilled(t0, timeoutMs = 30000) {
  for (;;) {
    await frame();
    const { filled, empty } = visibleLines();
    if (filled > 0 && empty === 0) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) return -1;
  }
}

window.bench = {
  async open(kind, delayMs, live = false) {
    if (root) root.unmount();
    container.innerHTML = "";
    root = createRoot(container);
    const source = new MemorySource(log(kind), delayMs);
    window.source = source;
    const t0 = performance.now();
    root.render(
      <NextIntlClientProvider locale="en" messages={messagesFor("en")} timeZone="UTC">
        <LogView source={source} live={live} filter={{}} onFilterChange={() => {}} nodes={[]} steps={[]} height="720px" />
      </NextIntlClientProvider>,
    );
    return untilFilled(t0);
  },
  /** Streams lines into the last section at a rate while the view follows; frames measured. */
  async live(seconds, linesPerSecond) {
    const source = window.source;
    const s = source.log.sections.at(-1);
    const perFrame = Math.max(1, Math.round(linesPerSecond / 60));
    const times = [];
    let last = performance.now();
    const end = last + seconds * 1000;
    let pushed = 0;
    while (performance.now() < end) {
      const lines = Array.from({ length: perFrame }, (_, i) => line(0, s.totalLines + i));
      source.push(s, lines);
      pushed += perFrame;
      await frame();
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    await frame();
    await frame();
    await new Promise((r) => setTimeout(r, 50));
    await frame();
    const v = viewport();
    const rows = [...v.querySelectorAll('[data-testid="log-line"]')];
    const lastShown = Number(rows.at(-1)?.dataset.line ?? 0);
    return { times, pushed, following: v.scrollTop + v.clientHeight >= v.scrollHeight - 2, lastShown, total: s.totalLines };
  },
  async expandAll() {
    const t0 = performance.now();
    [...document.querySelectorAll("button")].find((b) => b.textContent === "Expand all").click();
    await frame();
    return { ms: await untilFilled(t0), scrollHeight: viewport().scrollHeight };
  },
  /** Scrolls by px every frame (px = "range/N" drags the scrollbar end to end in N frames). */
  async scroll(frames, px) {
    const v = viewport();
    v.scrollTop = 0;
    await frame();
    await frame();
    const step = px === "drag" ? (v.scrollHeight - v.clientHeight) / frames : px;
    const times = [];
    let maxRows = 0, emptyFrames = 0, blankFrames = 0, last = performance.now();
    for (let i = 0; i < frames; i++) {
      v.scrollTop = Math.min(v.scrollHeight, v.scrollTop + step);
      await frame();
      const now = performance.now();
      times.push(now - last);
      last = now;
      maxRows = Math.max(maxRows, v.querySelectorAll('[data-testid="log-line"], [data-testid="log-section"]').length);
      const seen = visibleLines();
      if (seen.blank) blankFrames++;
      else if (seen.empty > 0) emptyFrames++;
    }
    const t0 = performance.now();
    const settleMs = await untilFilled(t0);
    return { times, maxRows, emptyFrames, blankFrames, settleMs, reachedBottom: v.scrollTop + v.clientHeight >= v.scrollHeight - 2 };
  },
  /** Jumps to a fraction of the log and waits for its lines. */
  async jump(fraction) {
    const v = viewport();
    const t0 = performance.now();
    v.scrollTop = Math.round((v.scrollHeight - v.clientHeight) * fraction);
    return untilFilled(t0);
  },
  heapMB() {
    return performance.memory ? Math.round(performance.memory.usedJSHeapSize / 1048576) : -1;
  },
  domNodes() {
    return document.getElementsByTagName("*").length;
  },
};
`;

async function bundle(dir: string): Promise<void> {
  const result = await build({
    stdin: {
      contents: FIXTURE,
      resolveDir: ROOT,
      loader: "tsx",
      sourcefile: "log-viewer-bench.tsx",
    },
    bundle: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    minify: true,
    define: { "process.env.NODE_ENV": '"production"' },
    tsconfig: path.join(ROOT, "tsconfig.json"),
    outfile: path.join(dir, "app.js"),
    logLevel: "silent",
  });
  if (result.errors.length) throw new Error(result.errors.map((e) => e.text).join("\n"));
  // The console's own stylesheet: Tailwind over the same sources.
  const [{ default: postcss }, { default: tailwind }] = await Promise.all([
    import("postcss"),
    import("@tailwindcss/postcss"),
  ]);
  const from = path.join(ROOT, "app", "globals.css");
  const plugin = tailwind({ base: ROOT }) as Parameters<typeof postcss>[0];
  const css = await postcss(plugin).process(readFileSync(from, "utf8"), {
    from,
  });
  writeFileSync(path.join(dir, "app.css"), css.css);
  writeFileSync(
    path.join(dir, "index.html"),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="stylesheet" href="/app.css"></head>` +
      `<body class="min-h-screen font-sans p-4"><div id="root"></div><script src="/app.js"></script></body></html>`,
  );
}

function serve(dir: string) {
  const types: Record<string, string> = {
    "/": "text/html",
    "/app.js": "text/javascript",
    "/app.css": "text/css",
  };
  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    const type = types[url];
    if (!type) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": `${type}; charset=utf-8` });
    res.end(readFileSync(path.join(dir, url === "/" ? "index.html" : url.slice(1))));
  });
  return new Promise<{ url: string; close: () => Promise<void> }>((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}
const median = (values: number[]) => pct(values, 0.5);

interface ScrollResult {
  times: number[];
  maxRows: number;
  /** Frames with rows whose lines were still being read (grey placeholders). */
  emptyFrames: number;
  /** Frames with no row at all in view. */
  blankFrames: number;
  settleMs: number;
  reachedBottom: boolean;
}

function frames(prefix: string, r: ScrollResult): Record<string, number | string> {
  return {
    [`${prefix}_frame_p50_ms`]: round(median(r.times)),
    [`${prefix}_frame_p95_ms`]: round(pct(r.times, 0.95)),
    [`${prefix}_frame_max_ms`]: round(Math.max(...r.times)),
    [`${prefix}_frames_over_33ms`]: r.times.filter((t) => t > 33.4).length,
    [`${prefix}_frames_blank`]: r.blankFrames,
    [`${prefix}_frames_with_placeholder_lines`]: r.emptyFrames,
    [`${prefix}_rows_in_dom_max`]: r.maxRows,
    [`${prefix}_settle_ms`]: round(r.settleMs),
    ...(prefix.includes("drag")
      ? { [`${prefix}_reached_end`]: r.reachedBottom ? "yes" : "no" }
      : {}),
  };
}

async function browserFigures(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cairn-bench-log-viewer-"));
  const figures: Record<string, number | string> = {};
  const bundleStart = performance.now();
  await bundle(dir);
  figures.bundle_s = round((performance.now() - bundleStart) / 1000);
  const site = await serve(dir);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--enable-precise-memory-info",
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(site.url);
    await page.waitForFunction(() => "bench" in window);
    type Bench = {
      open(kind: string, delayMs: number): Promise<number>;
      expandAll(): Promise<{ ms: number; scrollHeight: number }>;
      scroll(frames: number, px: number | "drag"): Promise<ScrollResult>;
      jump(fraction: number): Promise<number>;
      heapMB(): number;
      domNodes(): number;
    };
    const call = <T>(fn: (b: Bench) => Promise<T> | T) =>
      page.evaluate(`(${fn.toString()})(window.bench)`) as Promise<T>;

    // Opening: a warm-up, then RUNS measured opens, with answers at once and after 20 ms.
    await call((b) => b.open("single", 0));
    for (const delay of [0, 20]) {
      const opens: number[] = [];
      for (let i = 0; i < RUNS; i++)
        opens.push(await page.evaluate(`window.bench.open("single", ${delay})`));
      figures[`open_1m_lines_${delay}ms_source_median_ms`] = round(median(opens));
      figures[`open_1m_lines_${delay}ms_source_max_ms`] = round(Math.max(...opens));
    }
    await call((b) => b.open("single", 0));
    figures.dom_elements_after_open = await call((b) => b.domNodes());
    Object.assign(figures, frames("scroll_steady_120px", await call((b) => b.scroll(300, 120))));
    Object.assign(
      figures,
      frames("scroll_drag_end_to_end", await call((b) => b.scroll(120, "drag"))),
    );
    // Jumps as a reader makes them (a click on the scrollbar, a search hit), a moment apart.
    const jumps: number[] = [];
    for (const f of [0.5, 0.13, 0.87, 0.42, 0.99, 0.01, 0.71, 0.29, 0.64, 0.05]) {
      await page.waitForTimeout(250);
      jumps.push(await page.evaluate(`window.bench.jump(${f})`));
    }
    figures.jump_to_line_median_ms = round(median(jumps));
    figures.jump_to_line_max_ms = round(Math.max(...jumps));
    figures.heap_mb_after_scrolling = await call((b) => b.heapMB());
    // The same drag when every read takes 20 ms (a server across a network).
    await page.evaluate(`window.bench.open("single", 20)`);
    Object.assign(
      figures,
      frames("scroll_drag_20ms_source", await call((b) => b.scroll(120, "drag"))),
    );

    // Following a running task: lines streamed in at 5,000 a second onto the million.
    await page.evaluate(`window.bench.open("single", 0, true)`);
    const live = (await page.evaluate(`window.bench.live(4, 5000)`)) as {
      times: number[];
      pushed: number;
      following: boolean;
      lastShown: number;
      total: number;
    };
    figures.live_5000_lines_per_s_frame_p50_ms = round(median(live.times));
    figures.live_5000_lines_per_s_frame_p95_ms = round(pct(live.times, 0.95));
    figures.live_5000_lines_per_s_frame_max_ms = round(Math.max(...live.times));
    figures.live_lines_streamed = live.pushed;
    figures.live_view_follows_last_line =
      live.following && live.lastShown === live.total
        ? "yes"
        : `no (${live.lastShown} of ${live.total})`;

    // A thousand sections of a thousand lines: opens collapsed (finished, many), then expanded.
    const manyOpens: number[] = [];
    for (let i = 0; i < RUNS; i++)
      manyOpens.push(await page.evaluate(`window.bench.open("many", 0)`));
    figures.open_1000_sections_collapsed_median_ms = round(median(manyOpens));
    const expanded = await call((b) => b.expandAll());
    figures.expand_1000_sections_to_1m_lines_ms = round(expanded.ms);
    figures.expanded_scroll_height_px = expanded.scrollHeight;
    Object.assign(
      figures,
      frames("sections_scroll_drag", await call((b) => b.scroll(120, "drag"))),
    );
  } finally {
    await browser.close();
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

/** The reads that open a million-line attempt, on PGlite. */
async function serverFigures(): Promise<Record<string, number | string>> {
  const database = await openDatabase({ kind: "pglite-memory" });
  try {
    await migrate(database);
    const db = database.db;
    const clusterId = await newCluster(db, "bench-log-viewer");
    const { task } = await launchTask(db, {
      clusterId,
      kind: "deploy",
      plan: planFor([{ id: "services" }], ["node-0"]),
      mode: "apply",
      intent: {},
      actor: "bench",
      now: new Date(),
    });
    const d = (await claimAttempt(db, { nodeId: "node-0", now: new Date() }))!;
    const started = performance.now();
    const BATCH = 2000;
    // Kept whole (no retention trim) so the million lines are all there to read.
    const limits = { maxBytes: 2 ** 31, headBytes: 2 ** 20, trimToBytes: 2 ** 30 };
    for (let seq = 0; seq * BATCH < LINES; seq++) {
      const lines = Array.from(
        { length: BATCH },
        (_, i) => `ok: [node-0] => {"changed": false, "item": "/dev/sdb", "n": ${seq * BATCH + i}}`,
      );
      await appendLogBatch(db, {
        taskId: task.id,
        attemptId: d.attempt.id,
        nodeId: "node-0",
        stepKey: d.step.key,
        seq,
        stream: "stdout",
        lines,
        limits,
      });
    }
    const loadS = (performance.now() - started) / 1000;
    const time = async (fn: () => Promise<unknown>) => {
      const runs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await fn();
        runs.push(performance.now() - t0);
      }
      return round(median(runs));
    };
    const open = await time(async () => {
      await logTailPosition(db, { taskId: task.id });
      await listLogSections(db, { taskId: task.id, limit: 2000 });
      await readLogWindow(db, { attemptId: d.attempt.id, fromLine: 0, lineCount: 500 });
    });
    const middle = await time(() =>
      readLogWindow(db, { attemptId: d.attempt.id, fromLine: 500_000, lineCount: 500 }),
    );
    const end = await time(() =>
      readLogWindow(db, { attemptId: d.attempt.id, fromLine: LINES - 500, lineCount: 500 }),
    );
    return {
      server_store_1m_lines_s: round(loadS),
      server_open_reads_median_ms: open,
      server_window_middle_median_ms: middle,
      server_window_end_median_ms: end,
    };
  } finally {
    await database.close();
  }
}

export default {
  name: "log-viewer",
  async run() {
    const figures: Record<string, number | string> = { lines: LINES, runs: RUNS };
    Object.assign(figures, await browserFigures());
    Object.assign(figures, await serverFigures());
    return figures;
  },
};
