import { expect, test } from "@playwright/test";
import { ADMIN, callMutation, signIn } from "./helpers";

test.describe.configure({ mode: "serial" });

test("first start: the setup screen creates the administrator", async ({ page }) => {
  await page.goto("/regions");
  await expect(page).toHaveURL(/\/setup$/);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Repeat the password").fill("short");
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page.getByText("Password must be 12 to 128 characters.")).toBeVisible();

  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Repeat the password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create administrator" }).click();
  await expect(page).toHaveURL(/\/clusters/);
  await expect(page.getByTestId("current-user")).toContainText(`${ADMIN.email} · Administrator`);

  // Setup is over: the screen now sends people to sign in.
  await page.context().clearCookies();
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/sign-in$/);
});

test("an unauthenticated visitor is sent to sign in, and a wrong password is refused", async ({
  page,
}) => {
  await page.goto("/clusters");
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("The email or password is not right.")).toBeVisible();
  const api = await page.request.get("/api/trpc/region.list?input=%7B%22json%22%3A%7B%7D%7D");
  expect(api.status()).toBe(401);
});

test("sign in, create a region and a cluster, and read it in Chinese", async ({ page }, info) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole("link", { name: "Regions" }).click();
  await page.getByRole("button", { name: "New region" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name", { exact: true }).fill("DC East");
  await dialog.getByRole("button", { name: "New region" }).click();
  await expect(dialog.getByText(/Name must be lowercase letters/)).toBeVisible();
  await expect(dialog.getByText("Display name is required.")).toBeVisible();

  await dialog.getByLabel("Name", { exact: true }).fill("dc-east-1");
  await dialog.getByLabel("Display name").fill("East datacentre");
  await dialog.getByRole("button", { name: "New region" }).click();
  await expect(page.getByRole("heading", { name: "East datacentre" })).toBeVisible();
  await expect(page.getByText("(cannot be changed)")).toBeVisible();

  // A second region with the same name is refused with the reason.
  await page.getByRole("link", { name: "Regions" }).click();
  await page.getByRole("button", { name: "New region" }).click();
  await dialog.getByLabel("Name", { exact: true }).fill("dc-east-1");
  await dialog.getByLabel("Display name").fill("Again");
  await dialog.getByRole("button", { name: "New region" }).click();
  await expect(dialog.getByRole("alert")).toContainText("A region named dc-east-1 already exists.");
  await dialog.getByRole("button", { name: "Cancel" }).click();

  await page.getByRole("link", { name: "Clusters" }).click();
  await page.getByRole("button", { name: "New cluster" }).click();
  await dialog.getByLabel("Region").selectOption({ label: "East datacentre (dc-east-1)" });
  await dialog.getByLabel("Name", { exact: true }).fill("prod");
  await dialog.getByLabel("Display name").fill("Production");
  await dialog.getByLabel("Kind").selectOption("hyperconverged");
  await dialog.getByRole("button", { name: "New cluster" }).click();
  await expect(page.getByRole("heading", { name: "Production" })).toBeVisible();
  await expect(page.getByTestId("cluster-status")).toHaveText("New");
  await page.screenshot({ path: info.outputPath("cluster-en.png"), fullPage: true });

  await page.getByRole("link", { name: "Clusters" }).click();
  const row = page.getByRole("row", { name: /prod/ });
  await expect(row).toContainText("dc-east-1");
  await expect(row).toContainText("Hyperconverged");

  await page.getByLabel("Language").selectOption("zh-CN");
  await expect(page.getByRole("heading", { name: "集群" })).toBeVisible();
  await expect(page.getByRole("row", { name: /prod/ })).toContainText("超融合");
  await expect(page.getByRole("link", { name: "区域" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("heading", { name: "集群" })).toBeVisible();
  await page.screenshot({ path: info.outputPath("clusters-zh.png"), fullPage: true });
  await page.getByLabel("语言").selectOption("en");
  await expect(page.getByRole("heading", { name: "Clusters" })).toBeVisible();
});

test("a viewer can read clusters but cannot create one", async ({ page, browser }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole("link", { name: "Users" }).click();
  await page.getByRole("button", { name: "New user" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Name").fill("Vera Viewer");
  await dialog.getByLabel("Email").fill("viewer@example.com");
  await dialog.getByLabel("Password").fill("viewer-password-123");
  await dialog.getByLabel("Role").selectOption("viewer");
  await dialog.getByRole("button", { name: "New user" }).click();
  await expect(page.getByRole("row", { name: /viewer@example.com/ })).toBeVisible();

  const context = await browser.newContext();
  const viewer = await context.newPage();
  await signIn(viewer, "viewer@example.com", "viewer-password-123");
  await expect(viewer.getByTestId("current-user")).toContainText("Viewer");
  await viewer.goto("/clusters");
  await expect(viewer.getByRole("row", { name: /prod/ })).toBeVisible();
  await expect(viewer.getByRole("button", { name: "New cluster" })).toHaveCount(0);
  await expect(viewer.getByRole("link", { name: "Users" })).toHaveCount(0);

  // The server refuses even when the button is bypassed.
  const regions = await viewer.request.get("/api/trpc/region.list?input=%7B%22json%22%3A%7B%7D%7D");
  const regionId = (await regions.json()).result.data.json.items[0].id as string;
  const refused = await callMutation(viewer, "cluster.create", {
    regionId,
    name: "sneaky",
    displayName: "sneaky",
    kind: "split",
    releaseId: "cairn-2026.1",
  });
  expect(refused.status).toBe(403);
  expect(refused.body.error.json.data.cairn.code).toBe("auth.forbidden");
  await viewer.goto("/clusters");
  await expect(viewer.getByRole("row", { name: /sneaky/ })).toHaveCount(0);
  await context.close();
});

test("the health page shows the database and the version", async ({ page }) => {
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.getByRole("link", { name: "Health" }).click();
  await expect(page.getByTestId("overall-status")).toHaveText("OK");
  await expect(page.getByTestId("check-database")).toContainText("pglite");
  // Every migration the release ships has been applied.
  await expect(page.getByTestId("check-migrations")).toContainText(/applied: (\d+)expected: \1/);
  const ready = await page.request.get("/api/ready");
  expect(ready.status()).toBe(200);
  expect((await ready.json()).checks.map((c: { name: string }) => c.name)).toEqual([
    "database",
    "migrations",
    "engine",
  ]);
  await expect(page.getByTestId("check-engine")).toContainText("stuckAttempts: 0");
});

test("a database that cannot be reached at start is one clear line and a non-zero exit", async () => {
  const { spawnSync } = await import("node:child_process");
  // The same start command, against a port where nothing listens (the build is already there).
  const run = spawnSync(process.execPath, ["scripts/start.mjs"], {
    env: {
      ...process.env,
      PORT: "3109",
      HOSTNAME: "127.0.0.1",
      DATABASE_URL: "postgres://cairn:s3cret-password@127.0.0.1:1/cairn",
    },
    encoding: "utf8",
    timeout: 120_000,
  });
  expect(run.status).toBe(1);
  const output = `${run.stdout}${run.stderr}`;
  expect(output).toContain(
    "cairn: cannot reach the database at postgres://cairn@127.0.0.1:1/cairn",
  );
  expect(output).not.toContain("s3cret-password");
  expect(output).not.toContain("Cairn is running");
});
