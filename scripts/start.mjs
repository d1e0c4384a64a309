#!/usr/bin/env node
/**
 * `npm start`: build when the sources are newer than the last build, then serve on $PORT (3000).
 * The server runs as a child in its own process group so that stopping this script stops it, and
 * NEXT_MANUAL_SIG_HANDLE lets Cairn close the embedded database cleanly on SIGTERM.
 * `--lab [N]` turns on lab mode and starts N lab nodes (default 6) with the server.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const port = process.env.PORT ?? "3000";
const host = process.env.HOSTNAME ?? "0.0.0.0";
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");
const SOURCES = [
  "app",
  "components",
  "server",
  "db",
  "domain",
  "lib",
  "i18n",
  "messages",
  "releases",
];
const FILES = ["next.config.ts", "package.json", "instrumentation.ts", "postcss.config.mjs"];

function newestMtime(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return 0;
  const st = statSync(full);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const child of readdirSync(full))
    newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

function needsBuild() {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  return [...SOURCES, ...FILES].some((e) => newestMtime(e) > built);
}

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", PORT: port };

// `npm start -- --lab N`: lab mode, with N lab nodes started with the server.
const labAt = process.argv.indexOf("--lab");
if (labAt !== -1) {
  const value = process.argv[labAt + 1];
  const count = value === undefined || value.startsWith("--") ? 6 : Number(value);
  if (!Number.isInteger(count) || count < 0 || count > 2000) {
    console.error(`cairn: --lab takes a number of lab nodes from 0 to 2000 (got "${value}")`);
    process.exit(2);
  }
  env.CAIRN_LAB = "1";
  env.CAIRN_LAB_NODES = String(count);
}

if (process.argv.includes("--rebuild") || needsBuild()) {
  console.log("[cairn] building the console (first start or sources changed)…");
  const build = spawnSync(process.execPath, [nextBin, "build"], {
    cwd: root,
    env,
    stdio: "inherit",
  });
  if (build.status !== 0) {
    console.error("cairn: the build failed; see the messages above");
    process.exit(build.status ?? 1);
  }
}

const server = spawn(process.execPath, [nextBin, "start", "-p", port, "-H", host], {
  cwd: root,
  env: { ...env, NEXT_MANUAL_SIG_HANDLE: "true" },
  stdio: ["ignore", "pipe", "inherit"],
});

// Next says "Ready" before Cairn has opened its database; announce only once Cairn answers, so a
// server that is about to exit (database unreachable) never claims to be running.
const shown = host === "0.0.0.0" ? "localhost" : host;
let waiting = false;
server.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (!waiting && /Ready|started server/i.test(String(chunk))) {
    waiting = true;
    void announceWhenReady();
  }
});

async function announceWhenReady() {
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}/api/ready`;
  for (let i = 0; i < 600 && server.exitCode === null; i++) {
    try {
      const res = await fetch(url);
      if (res.ok) {
        console.log(`\n  Cairn is running at http://${shown}:${port}\n`);
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
