import { execFileSync } from "node:child_process";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import {
  AGENT_PATHS,
  AGENT_PROTOCOL_VERSION,
  type RegisterRequest,
} from "../domain/agent/protocol";
import type { Node } from "../domain/model";
import { ADMIN, adminSession, signIn } from "./helpers";

test.describe.configure({ mode: "serial" });

/**
 * `labNodes` from domain/lab/inventory.ts, run through tsx: Playwright's ESM loader refuses the JSON
 * file that module imports without an import attribute, which tsx (like Next) accepts.
 */
function labNodes(count: number, options: { profile: "mixed"; regionIndex: number }): Node[] {
  const tsx = path.join(process.cwd(), "node_modules", ".bin", "tsx");
  const script = `import { labNodes } from "./domain/lab/inventory.ts";
process.stdout.write(JSON.stringify(labNodes(${count}, ${JSON.stringify(options)})));`;
  return JSON.parse(execFileSync(tsx, ["-e", script], { encoding: "utf8" })) as Node[];
}

const REGION = { name: "dc-nodes-e2e", displayName: "Nodes lab" };
const VIEWER = { email: "nodes-viewer@example.com", password: "viewer-password-123" };
const TOKEN_LABEL = "rack 3 PXE image";

/**
 * Three machines that differ where the list is tested: two architectures and three core counts, in
 * an order by cores unlike the order by hostname. The first three of the mixed profile are identical
 * controllers (same arch, same cores), which could not show a filter or a sort working, so these are
 * nodes 4, 6 and 8 of the same deterministic fleet. regionIndex 42 gives them MACs, serials and
 * machine ids no other journey's lab nodes use (a machine id is unique across regions).
 */
const FLEET = labNodes(8, { profile: "mixed", regionIndex: 42 });
const MACHINES = FLEET.filter((_, i) => [3, 5, 7].includes(i));
const [SMALL_X86, ARM, BIG_X86] = MACHINES as [Node, Node, Node];
const STRANGER = FLEET[0] as Node;

/** Shared along the journey (the tests of this file run in order, in one worker). */
let regionId = "";
let secret = "";
const credentials: string[] = [];

function registration(node: Node): RegisterRequest {
  return {
    protocol: AGENT_PROTOCOL_VERSION,
    machineId: node.hardware.uuid ?? node.hostname,
    hostname: node.hostname,
    agentVersion: "0.1.0-e2e",
    arch: node.hardware.cpu.arch,
    hardware: node.hardware,
    lab: true,
  };
}

const signInAdmin = adminSession();

const hostnames = (page: Page) => page.getByTestId("node-hostname");

test("an administrator creates a region and a bootstrap token, whose secret is shown once", async ({
  page,
}, info) => {
  await signInAdmin(page);
  await page.getByRole("link", { name: "Regions" }).click();
  await page.getByRole("button", { name: "New region" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name", { exact: true }).fill(REGION.name);
  await dialog.getByLabel("Display name").fill(REGION.displayName);
  await dialog.getByRole("button", { name: "New region" }).click();
  await expect(page.getByRole("heading", { name: REGION.displayName })).toBeVisible();
  regionId = /\/regions\/([0-9a-f-]{36})/.exec(page.url())?.[1] ?? "";
  expect(regionId).not.toBe("");

  // The region switcher keeps the Nodes page in view and filters it to the region.
  await page.getByRole("link", { name: "Nodes" }).click();
  // The switcher decides where to go from the page it is on: wait until that is the Nodes page.
  await expect(page).toHaveURL(/\/nodes$/);
  // (The status chips come from a query: once they show, the page is hydrated and listening.)
  await expect(page.getByRole("button", { name: /^All/ })).toBeVisible();
  await page
    .getByLabel("Region", { exact: true })
    .selectOption({ label: `${REGION.displayName} (${REGION.name})` });
  await expect(page).toHaveURL(new RegExp(`/nodes\\?region=${regionId}$`));
  const empty = page.getByTestId("nodes-empty");
  await expect(empty).toContainText("No node has registered in this region yet");
  const origin = info.project.use.baseURL;
  await expect(empty).toContainText(`npx cairn-agent --server ${origin} --token TOKEN`);
  await page.screenshot({ path: info.outputPath("nodes-empty-en.png"), fullPage: true });

  await page.getByRole("link", { name: "Bootstrap tokens", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/nodes/tokens\\?region=${regionId}$`));
  await expect(page.getByLabel("Tokens of region")).toHaveValue(regionId);
  await expect(page.getByText("This region has no bootstrap token yet.")).toBeVisible();

  await page.getByRole("button", { name: "New token" }).click();
  await dialog.getByLabel("Label").fill(TOKEN_LABEL);
  await dialog.getByLabel("Expires after (days)").fill("30");
  await dialog.getByRole("button", { name: "New token" }).click();

  await expect(dialog).toHaveAccessibleName("Bootstrap token created");
  await expect(dialog.getByRole("note")).toHaveText(
    "This secret is shown only once. Copy it now: Cairn keeps only a hash of it and cannot show it again.",
  );
  secret = (await dialog.getByTestId("token-secret").textContent()) ?? "";
  expect(secret).toMatch(/^cbt_[A-Za-z0-9_-]{43}$/);
  const command = `npx cairn-agent --server ${origin} --token ${secret}`;
  await expect(dialog.getByTestId("agent-command")).toHaveText(command);
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await dialog.getByRole("button", { name: "Copy command" }).click();
  await expect(dialog.getByRole("status").filter({ hasText: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(command);
  await page.screenshot({ path: info.outputPath("token-secret-en.png"), fullPage: true });
  await dialog.getByRole("button", { name: "I have copied it" }).click();
  await expect(dialog).toBeHidden();

  const row = page.getByRole("row", { name: new RegExp(TOKEN_LABEL) });
  await expect(row).toContainText(`${secret.slice(0, 12)}…`);
  await expect(row.getByTestId("token-state")).toHaveText("Active");
  await expect(row).toContainText(ADMIN.email);
  // It expires in 30 days, and no machine has used it yet.
  await expect(row.getByRole("cell").nth(4)).not.toHaveText("never");
  await expect(row.getByRole("cell").nth(5)).toContainText("never");
  await expect(row.getByRole("cell").nth(5)).toContainText("registrations: 0");
  // Once closed, the secret is gone from the console, also after a reload.
  await expect(page.locator("body")).not.toContainText(secret);
  await page.reload();
  await expect(row.getByTestId("token-state")).toHaveText("Active");
  await expect(page.locator("body")).not.toContainText(secret);
});

test("rotating a token shows the new secret once and revokes the old one", async ({ page }) => {
  await signInAdmin(page);
  await page.goto(`/nodes/tokens?region=${regionId}`);
  const dialog = page.getByRole("dialog");
  await page.getByRole("button", { name: "New token" }).click();
  await dialog.getByLabel("Label").fill("spare");
  await dialog.getByRole("button", { name: "New token" }).click();
  const first = (await dialog.getByTestId("token-secret").textContent()) ?? "";
  await dialog.getByRole("button", { name: "I have copied it" }).click();

  const spare = page.getByRole("row", { name: /spare/ });
  await spare.getByRole("button", { name: "Rotate" }).click();
  await expect(dialog).toHaveAccessibleName(`Rotate token ${first.slice(0, 12)}…?`);
  await expect(dialog).toContainText("Nodes that already registered stay connected.");
  await dialog.getByRole("button", { name: "Rotate" }).click();
  await expect(dialog).toHaveAccessibleName("Bootstrap token rotated");
  const second = (await dialog.getByTestId("token-secret").textContent()) ?? "";
  expect(second).toMatch(/^cbt_/);
  expect(second).not.toBe(first);
  await dialog.getByRole("button", { name: "I have copied it" }).click();

  await expect(spare).toHaveCount(2);
  await expect(
    page
      .getByRole("row", { name: new RegExp(`spare.*${escapeRegExp(second.slice(0, 12))}`) })
      .getByTestId("token-state"),
  ).toHaveText("Active");
  await expect(
    page
      .getByRole("row", { name: new RegExp(`spare.*${escapeRegExp(first.slice(0, 12))}`) })
      .getByTestId("token-state"),
  ).toHaveText("Revoked");
});

test("three machines register with the token; the list shows, filters and sorts them", async ({
  page,
  request,
}, info) => {
  // The fixture is what the assertions below rely on; if the lab inventory changes, say so here.
  expect(MACHINES.map((m) => [m.hostname, m.hardware.cpu.arch, m.hardware.cpu.cores])).toEqual([
    ["lab-r42-0004", "x86_64", 32],
    ["lab-r42-0006", "aarch64", 8],
    ["lab-r42-0008", "x86_64", 48],
  ]);
  for (const machine of MACHINES) {
    const res = await request.post(AGENT_PATHS.register, {
      headers: { authorization: `Bearer ${secret}` },
      data: registration(machine),
    });
    expect(res.status(), await res.text()).toBe(200);
    const body = (await res.json()) as { regionId: string; credential: string };
    expect(body.regionId).toBe(regionId);
    credentials.push(body.credential);
  }

  await signInAdmin(page);
  await page.goto(`/nodes?region=${regionId}`);
  await expect(hostnames(page)).toHaveText(["lab-r42-0004", "lab-r42-0006", "lab-r42-0008"]);
  const big = page.getByRole("row", { name: /lab-r42-0008/ });
  for (const text of ["Discovered", "Lab", `${REGION.name} / —`, "x86_64", "48 / 96", "256 GiB"])
    await expect(big).toContainText(text);
  await expect(big.getByRole("cell").nth(6)).toHaveText(String(BIG_X86.hardware.disks.length));
  const arm = page.getByRole("row", { name: /lab-r42-0006/ });
  for (const text of ["aarch64", "8 / 8", "32 GiB"]) await expect(arm).toContainText(text);
  await expect(page.getByRole("button", { name: "All 3" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("button", { name: "Discovered 3" })).toHaveAttribute(
    "aria-pressed",
    "false",
  );

  const arch = page.getByLabel("Architecture");
  await arch.selectOption("aarch64");
  await expect(hostnames(page)).toHaveText([ARM.hostname]);
  await arch.selectOption("x86_64");
  await expect(hostnames(page)).toHaveText([SMALL_X86.hostname, BIG_X86.hostname]);
  await arch.selectOption("");
  await expect(hostnames(page)).toHaveCount(3);

  const cores = page.getByRole("columnheader", { name: "Cores / threads" });
  await cores.getByRole("button").click();
  await expect(cores).toHaveAttribute("aria-sort", "ascending");
  await expect(hostnames(page)).toHaveText([ARM.hostname, SMALL_X86.hostname, BIG_X86.hostname]);
  await cores.getByRole("button").click();
  await expect(cores).toHaveAttribute("aria-sort", "descending");
  await expect(hostnames(page)).toHaveText([BIG_X86.hostname, SMALL_X86.hostname, ARM.hostname]);

  // A status chip filters on the server too: nothing here is in error.
  await page.getByRole("button", { name: "Discovered 3" }).click();
  await expect(hostnames(page)).toHaveCount(3);
  await page.getByLabel("Search").fill("0004");
  await expect(hostnames(page)).toHaveText([SMALL_X86.hostname]);
  await page.getByLabel("Search").fill("");
  await page.getByRole("button", { name: "All 3" }).click();
  await expect(hostnames(page)).toHaveCount(3);
  await page.screenshot({ path: info.outputPath("nodes-list-en.png"), fullPage: true });

  await page.getByLabel("Language").selectOption("zh-CN");
  await expect(page.getByRole("heading", { name: "节点" })).toBeVisible();
  await expect(big).toContainText("已发现");
  await expect(page.getByRole("button", { name: "已发现 3" })).toBeVisible();
  await page.screenshot({ path: info.outputPath("nodes-list-zh.png"), fullPage: true });
  await page.getByLabel("语言").selectOption("en");
  await expect(page.getByRole("heading", { name: "Nodes" })).toBeVisible();
});

test("a node page shows the machine's hardware, status and history", async ({ page }, info) => {
  await signInAdmin(page);
  await page.goto(`/nodes?region=${regionId}`);
  await page.getByRole("link", { name: BIG_X86.hostname }).click();
  await expect(page.getByRole("heading", { name: BIG_X86.hostname })).toBeVisible();
  const hw = BIG_X86.hardware;
  await expect(page.getByTestId("nic-mac")).toHaveText(hw.nics.map((n) => n.mac));
  const disks = page.getByTestId("node-disks");
  await expect(disks.locator("tbody tr")).toHaveCount(hw.disks.length);
  for (const d of hw.disks) await expect(disks).toContainText(d.byPath ?? d.name);
  await expect(page.getByTestId("node-status")).toHaveText("Discovered");
  await expect(page.getByTestId("node-connectivity")).toHaveText("Online");
  await expect(page.getByText(hw.serial ?? "", { exact: true })).toBeVisible();
  await expect(page.getByTestId("node-events")).toContainText("Registered");
  await expect(page.getByTestId("node-events")).toContainText("— → Discovered");
  await expect(page.getByTestId("node-attempts")).toContainText(
    "No step has run on this node yet.",
  );
  await page.screenshot({ path: info.outputPath("node-en.png"), fullPage: true });

  await page.getByLabel("Language").selectOption("zh-CN");
  await expect(page.getByRole("heading", { name: `网络接口（${hw.nics.length}）` })).toBeVisible();
  await expect(page.getByTestId("node-status")).toHaveText("已发现");
  await page.screenshot({ path: info.outputPath("node-zh.png"), fullPage: true });
  await page.getByLabel("语言").selectOption("en");
  await expect(
    page.getByRole("heading", { name: `Network interfaces (${hw.nics.length})` }),
  ).toBeVisible();
});

test("a revoked token stops new registrations; registered nodes keep their own credentials", async ({
  page,
  request,
}, info) => {
  await signInAdmin(page);
  await page.goto(`/nodes/tokens?region=${regionId}`);
  const row = page.getByRole("row", { name: new RegExp(TOKEN_LABEL) });
  await expect(row.getByRole("cell").nth(5)).toContainText(`registrations: ${MACHINES.length}`);
  await row.getByRole("button", { name: "Revoke" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toHaveAccessibleName(`Revoke token ${secret.slice(0, 12)}…?`);
  await expect(dialog).toContainText(
    "Machines can no longer register with this token. Nodes that already registered with it stay connected",
  );
  await dialog.getByRole("button", { name: "Revoke" }).click();
  await expect(dialog).toBeHidden();
  await expect(row.getByTestId("token-state")).toHaveText("Revoked");
  await expect(row.getByRole("button")).toHaveCount(0);

  const refused = await request.post(AGENT_PATHS.register, {
    headers: { authorization: `Bearer ${secret}` },
    data: registration(STRANGER),
  });
  expect(refused.status()).toBe(401);
  const body = (await refused.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("agent.unauthorized");
  expect(body.error.message).toBe(
    "The agent's credential is not accepted (the bootstrap token was revoked).",
  );

  // A node registered before the revocation still reaches Cairn with its own credential.
  const beat = await request.post(AGENT_PATHS.heartbeat, {
    headers: { authorization: `Bearer ${credentials[0]}` },
    data: { sentAt: Date.now() },
  });
  expect(beat.status()).toBe(200);

  await page.reload();
  await expect(row.getByTestId("token-state")).toHaveText("Revoked");
  await page.screenshot({ path: info.outputPath("tokens-en.png"), fullPage: true });
  await page.goto(`/nodes?region=${regionId}`);
  await expect(hostnames(page)).toHaveCount(MACHINES.length);
  await expect(page.getByRole("link", { name: STRANGER.hostname })).toHaveCount(0);
});

test("in lab mode the administrator adds lab nodes from the Nodes page; their agents register and stay online", async ({
  page,
}, info) => {
  await signInAdmin(page);
  await page.goto("/nodes");
  const panel = page.getByRole("region", { name: "Lab mode" });
  await expect(panel).toContainText("No lab nodes are running on this host yet.");
  await panel.getByLabel("Nodes").fill("3");
  await panel.getByRole("button", { name: "Add 3 lab nodes" }).click();
  await expect(panel).toContainText("3 lab nodes run on this host.");

  // Real agents (a `cairn lab` process the server started) register through /api/agent.
  await page.reload();
  await expect(panel).toContainText("3 lab nodes run on this host.");
  await page.getByLabel("Region", { exact: true }).selectOption({ label: "Lab (lab)" });
  await expect(hostnames(page)).toHaveText(["lab-0001", "lab-0002", "lab-0003"], {
    timeout: 60_000,
  });
  await expect(page.getByTestId("node-row").first()).toContainText("Lab");
  await page.screenshot({ path: info.outputPath("nodes-lab-en.png"), fullPage: true });
  await hostnames(page).first().click();
  await expect(page.getByText("Online", { exact: true })).toBeVisible();
  await expect(page.getByText("Discovered").first()).toBeVisible();
});

test("a viewer sees the nodes but not the tokens, and is refused at the tokens page", async ({
  page,
  browser,
}) => {
  await signInAdmin(page);
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByRole("button", { name: "New user" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Nina Viewer");
  await dialog.getByLabel("Email").fill(VIEWER.email);
  await dialog.getByLabel("Password").fill(VIEWER.password);
  await dialog.getByLabel("Role").selectOption("viewer");
  await dialog.getByRole("button", { name: "New user" }).click();
  await expect(page.getByRole("row", { name: new RegExp(VIEWER.email) })).toBeVisible();

  const context = await browser.newContext();
  const viewer = await context.newPage();
  await signIn(viewer, VIEWER.email, VIEWER.password);
  await viewer.getByRole("link", { name: "Nodes" }).click();
  await expect(viewer.getByRole("link", { name: BIG_X86.hostname })).toBeVisible();
  await expect(viewer.getByRole("link", { name: "Bootstrap tokens" })).toHaveCount(0);

  await viewer.goto(`/nodes/tokens?region=${regionId}`);
  // (Next's route announcer is an alert too, always empty.)
  const alert = viewer.getByRole("alert").filter({ hasText: /\S/ });
  await expect(alert).toHaveAttribute("data-code", "auth.forbidden");
  await expect(alert).toContainText("Your role (viewer) may not do this; it needs one of: admin.");
  await expect(viewer.getByRole("button", { name: "New token" })).toHaveCount(0);
  await expect(viewer.locator("body")).not.toContainText(TOKEN_LABEL);

  // The server refuses too, whatever the page shows.
  const input = encodeURIComponent(JSON.stringify({ json: { regionId } }));
  const res = await viewer.request.get(`/api/trpc/token.list?input=${input}`);
  expect(res.status()).toBe(403);
  expect((await res.json()).error.json.data.cairn.code).toBe("auth.forbidden");
  await context.close();
});

function escapeRegExp(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
