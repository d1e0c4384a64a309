import { defineConfig } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;

/**
 * End-to-end journeys in Debian's Chromium against `npm start` on a fresh embedded database, so the
 * first-run setup screen is part of the journey. Browsers are never downloaded (none can be here).
 */
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"], ["html", { open: "never" }]] : [["list"]],
  use: {
    baseURL,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
  webServer: {
    command: "rm -rf .cairn/e2e && node scripts/start.mjs",
    url: `${baseURL}/api/health`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    env: {
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      CAIRN_DATA_DIR: ".cairn/e2e/data",
      DATABASE_URL: "",
      // Lab mode, with no node at start: the nodes journey adds lab nodes from the console.
      CAIRN_LAB: "1",
      CAIRN_LAB_NODES: "0",
      CAIRN_LAB_DIR: ".cairn/e2e/lab",
      // Lab nodes are real server profiles for their class, so the wizard journey's hyperconverged
      // roles fit them (the mixed profile's small VMs are below the roles' hardware minimums).
      CAIRN_LAB_PROFILE: "large",
    },
  },
});
