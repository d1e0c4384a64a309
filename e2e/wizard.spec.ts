/**
 * The installation wizard, end to end on lab nodes (issue 7): sign in → region → cluster → six lab
 * nodes discovered live → roles (three hyperconverged controllers and three hyperconverged
 * compute/storage nodes; with two controllers the quorum finding blocks Next, in English and
 * Chinese, until a third clears it) → networks → disks → settings → license → review → deploy →
 * the task succeeds and every node is ready. A reload mid-wizard keeps the state. Screenshots of
 * every step are saved as test artifacts.
 */
import { execFileSync } from "node:child_process";
import { expect, test, type Page } from "@playwright/test";
import { adminSession } from "./helpers";

const signInAdmin = adminSession();
const CLUSTER = "wizard-e2e";

test.describe.configure({ mode: "serial" });

async function shot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

async function next(page: Page) {
  const button = page.getByTestId("wizard-next");
  await expect(button).toBeEnabled();
  await button.click();
}

function devLicense(): string {
  return execFileSync(
    process.execPath,
    [
      "bin/cairn.mjs",
      "license",
      "issue",
      "--key",
      "e2e/fixtures/dev-issuer.private.jwk",
      "--customer",
      "Wizard Journey Ltd",
      "--nodes",
      "50",
      "--sockets",
      "200",
      "--regions",
      "10",
      "--days",
      "365",
      // Hyperconverged nodes, and the lab has Arm servers.
      "--features",
      "hci,aarch64",
    ],
    { encoding: "utf8" },
  ).trim();
}

test("from bare lab nodes to a deployed cluster in the browser", async ({ page }) => {
  test.setTimeout(420_000);
  await signInAdmin(page);

  // 1. Region: the lab's nodes register in the `lab` region.
  await page.goto("/clusters");
  await page.getByTestId("install-cluster").click();
  await expect(page).toHaveURL(/\/install$/);
  await expect(page.getByText(/cannot be changed after its first deploy/)).toBeVisible();
  await shot(page, "1-region");
  await page.getByTestId("pick-region-lab").click();

  // 2. Cluster: a draft at once.
  await expect(page).toHaveURL(/\/install\/cluster\?region=/);
  await page.getByLabel("Name", { exact: true }).fill(CLUSTER);
  await page.getByLabel("Kind").selectOption("hyperconverged");
  await shot(page, "2-cluster");
  await page.getByRole("button", { name: "Create the draft and continue" }).click();
  await expect(page).toHaveURL(/\/install\/[0-9a-f-]{36}\/discover$/);
  const clusterId = /install\/([0-9a-f-]{36})\//.exec(page.url())![1]!;

  // 3. Discover: six lab nodes appear without a reload. Earlier journeys may have started lab
  // nodes already; the new ones are numbered after them (lab-<n+1> … lab-<n+6>).
  const status = await page.request.get("/api/trpc/lab.status");
  const running = ((await status.json()) as { result: { data: { json: { nodes: number } } } })
    .result.data.json.nodes;
  const hostnames = Array.from(
    { length: 6 },
    (_, i) => `lab-${String(running + i + 1).padStart(4, "0")}`,
  );
  await page.getByLabel("Nodes", { exact: true }).fill("6");
  await page.getByRole("button", { name: /^Add 6 lab nodes/ }).click();
  for (const h of hostnames)
    await page.getByRole("checkbox", { name: h, exact: true }).check({ timeout: 90_000 });
  await shot(page, "3-discover");
  await page.getByTestId("select-nodes").click();
  await expect(page.getByTestId("members").locator("li")).toHaveCount(6);
  await next(page);

  // 4. Roles: two controllers → the quorum finding, Next disabled with the reason.
  await expect(page).toHaveURL(/\/roles$/);
  const row = (h: string) => page.getByTestId(`role-row-${h}`);
  const assign = async (nodes: string[], role: string) => {
    for (const h of nodes) await row(h).getByRole("checkbox").check();
    await page.getByTestId("bulk-role").selectOption(role);
    await page.getByTestId("bulk-set").click();
    for (const h of nodes) await expect(row(h)).toContainText(role);
    for (const h of nodes) await row(h).getByRole("checkbox").uncheck();
  };
  const [c1, c2, c3, h1, h2, h3] = hostnames as [string, string, string, string, string, string];
  await assign([c1, c2], "controller-hci");
  await assign([c3, h1, h2, h3], "hci");
  const quorum = page.getByTestId("finding-controllers-odd");
  await expect(quorum).toBeVisible();
  await expect(quorum).toHaveAttribute("data-severity", "block");
  await expect(page.getByTestId("wizard-next")).toBeDisabled();
  await expect(page.getByTestId("wizard-next-reason")).toContainText(/controller/i);
  await expect(page.getByTestId("wizard-step-roles")).toHaveAttribute("data-status", "blocking");
  // Clicking the finding highlights its nodes.
  await quorum.click();
  await expect(row(c1)).toHaveAttribute("data-highlighted", "true");
  await shot(page, "4-roles-blocked-en");
  // The same in Chinese.
  await page
    .context()
    .addCookies([
      { name: "NEXT_LOCALE", value: "zh-CN", url: page.url().replace(/\/install.*/, "/") },
    ]);
  await page.reload();
  await expect(page.getByTestId("finding-controllers-odd")).toContainText(/控制节点/);
  await expect(page.getByTestId("wizard-next-reason")).toContainText(/[\u4e00-\u9fff]/);
  await shot(page, "4-roles-blocked-zh");
  await page
    .context()
    .addCookies([
      { name: "NEXT_LOCALE", value: "en", url: page.url().replace(/\/install.*/, "/") },
    ]);
  await page.reload();
  // A third controller clears it, without a reload.
  await assign([c3], "controller-hci");
  await expect(page.getByTestId("finding-controllers-odd")).toHaveCount(0);
  await expect(page.getByTestId("wizard-next")).toBeEnabled();
  await shot(page, "4-roles");
  await next(page);

  // 5. Networks: the suggested networks, the address plan before saving.
  await expect(page).toHaveURL(/\/networks$/);
  await expect(page.getByTestId("address-plan").locator("tbody tr")).toHaveCount(6);
  await shot(page, "5-networks");
  await next(page);

  // Reload mid-wizard: the saved networks and the confirmed steps are still there.
  await expect(page).toHaveURL(/\/disks$/);
  await page.goto(`/install/${clusterId}`);
  await expect(page).toHaveURL(/\/disks$/);
  await expect(page.getByTestId("wizard-step-networks")).toHaveAttribute(
    "data-status",
    /complete|warning/,
  );

  // 6. Disks: a bar per disk of every node.
  await expect(page.getByTestId(`disks-${c1}`)).toBeVisible();
  await shot(page, "6-disks");
  await next(page);

  // 7. Settings: the capacity chart follows the CPU ratio slider.
  await expect(page).toHaveURL(/\/settings$/);
  const totals = page.getByTestId("capacity").locator("p").first();
  const vcpuBefore = await totals.textContent();
  await page.getByTestId("ratio-cpu").fill("8");
  await expect(totals).not.toHaveText(vcpuBefore ?? "");
  await page.getByTestId("ratio-cpu").fill("4");
  await shot(page, "7-settings");
  await next(page);

  // 8. License: an invalid one says why and replaces nothing; a valid one shows its card.
  await expect(page).toHaveURL(/\/license$/);
  const hadLicense = await page.getByTestId("license-card").count();
  await page.getByTestId("license-token").fill("not.a.license");
  await page.getByTestId("load-license").click();
  await expect(page.getByRole("alert").first()).toBeVisible();
  await expect(page.getByTestId("license-card")).toHaveCount(hadLicense);
  await page.getByTestId("license-token").fill(devLicense());
  await page.getByTestId("load-license").click();
  await expect(page.getByTestId("license-card")).toContainText("Wizard Journey Ltd");
  await expect(page.getByTestId("license-usage")).toContainText("6 of 50");
  await shot(page, "8-license");
  await next(page);

  // 9. Review: the plan as steps × nodes, then deploy.
  await expect(page).toHaveURL(/\/review$/);
  await expect(page.getByTestId("plan-table").locator("tbody tr").first()).toBeVisible();
  await shot(page, "9-review");
  await expect(page.getByTestId("deploy")).toBeEnabled();
  await page.getByTestId("deploy").click();

  // 10. The live task view: the deploy succeeds and every node is ready.
  await expect(page).toHaveURL(/\/tasks\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("task-status")).toHaveText(/succeeded/i, { timeout: 300_000 });
  await shot(page, "10-task");
  await expect
    .poll(
      async () => {
        const res = await page.request.get(
          `/api/trpc/node.list?input=${encodeURIComponent(
            JSON.stringify({ json: { clusterId, limit: 50, sort: "hostname" } }),
          )}`,
        );
        const body = (await res.json()) as {
          result: { data: { json: { items: { status: string }[] } } };
        };
        return body.result.data.json.items.map((n) => n.status);
      },
      { timeout: 30_000 },
    )
    .toEqual(["ready", "ready", "ready", "ready", "ready", "ready"]);
});
