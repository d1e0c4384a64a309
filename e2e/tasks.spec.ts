import { expect, test, type Page } from "@playwright/test";
import { adminSession, callMutation } from "./helpers";

test.describe.configure({ mode: "serial" });

/**
 * The failure journey of the live task view: a deploy on lab nodes where one node fails the `ntp`
 * step once (a lab option) → the task page shows the failure, its log lines and the hint; "retry
 * failed" → the task succeeds and the step shows both attempts; a reload mid-task keeps the live
 * log going. The failing node runs every step 2 s slow, so the retry can be watched live.
 */

const signInAdmin = adminSession();
const FAILING_STEP = "ntp";
const CLUSTER = { name: "tasks-e2e", displayName: "Tasks journey" };

/** tRPC query from inside the signed-in page. */
async function callQuery<T>(page: Page, path: string, input: unknown): Promise<T> {
  const body = await page.evaluate(
    async ({ path, input }) => {
      const q = encodeURIComponent(JSON.stringify({ json: input }));
      const res = await fetch(`/api/trpc/${path}?input=${q}`);
      return { status: res.status, body: await res.json() };
    },
    { path, input },
  );
  expect(body.status, JSON.stringify(body.body)).toBe(200);
  return body.body.result.data.json as T;
}

interface LabStatus {
  regionId: string | null;
  nodes: number;
  batches: { firstIndex: number; nodes: number; failOnce: string[] }[];
}
interface NodeRow {
  id: string;
  hostname: string;
  lastHeartbeatAt: string | null;
}

const hostnameOf = (index: number) => `lab-${String(index + 1).padStart(4, "0")}`;

/** Shared along the journey. */
let taskId = "";
let failingHost = "";

test("a deploy where a lab node fails a step once: the task page shows the failure, its log and the hint", async ({
  page,
}, info) => {
  test.setTimeout(240_000);
  await signInAdmin(page);

  // Two plain lab nodes by API, then the failing one from the lab panel on the Nodes page.
  const before = await callQuery<LabStatus>(page, "lab.status", undefined);
  const first = before.nodes;
  const plain = await callMutation(page, "lab.addNodes", { count: 2 });
  expect(plain.status).toBe(200);
  await page.goto("/nodes");
  const panel = page.getByRole("region", { name: "Lab mode" });
  await panel.getByLabel("Nodes", { exact: true }).fill("1");
  await panel.getByLabel("Fail once").fill("NTP!");
  await expect(panel.getByRole("button", { name: "Add 1 lab node" })).toBeDisabled();
  await expect(panel).toContainText("“NTP!” is not a step id");
  await panel.getByLabel("Fail once").fill(FAILING_STEP);
  await panel.getByLabel("Slow (s)").fill("2");
  await panel.getByRole("button", { name: "Add 1 lab node" }).click();
  failingHost = hostnameOf(first + 2);
  await expect(panel.getByTestId("lab-fail-once")).toContainText(
    `Lab nodes ${first + 3}–${first + 3} fail the first attempt of: ${FAILING_STEP}`,
  );
  await panel.screenshot({ path: info.outputPath("lab-panel-en.png") });
  const hosts = [hostnameOf(first), hostnameOf(first + 1), failingHost];

  // The agents register in the `lab` region; a cluster there takes them.
  const status = await callQuery<LabStatus>(page, "lab.status", undefined);
  const regionId = status.regionId!;
  const nodes: NodeRow[] = [];
  await expect(async () => {
    nodes.length = 0;
    for (const h of hosts) {
      const found = await callQuery<{ items: NodeRow[] }>(page, "node.list", {
        regionId,
        search: h,
        limit: 5,
      });
      const node = found.items.find((n) => n.hostname === h && n.lastHeartbeatAt);
      if (node) nodes.push(node);
    }
    expect(nodes.map((n) => n.hostname)).toEqual(hosts);
  }).toPass({ timeout: 90_000 });
  const created = await callMutation(page, "cluster.create", {
    regionId,
    ...CLUSTER,
    kind: "hyperconverged",
    releaseId: "cairn-2026.1",
  });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const clusterId = created.body.result.data.json.id as string;
  for (const [node, role] of [
    [nodes[0]!, "controller"],
    [nodes[1]!, "compute"],
    [nodes[2]!, "storage"],
  ] as const) {
    const assigned = await callMutation(page, "node.assign", {
      clusterId,
      nodeIds: [node.id],
      roles: [role],
    });
    expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
  }
  const launched = await callMutation(page, "task.launch", {
    clusterId,
    operation: "deploy",
    mode: "apply",
  });
  expect(launched.status, JSON.stringify(launched.body)).toBe(200);
  taskId = launched.body.result.data.json.taskId as string;

  // The Tasks page lists it; its page shows it failing.
  await page.getByRole("link", { name: "Tasks", exact: true }).click();
  await expect(page).toHaveURL(/\/tasks$/);
  await page
    .getByRole("row", { name: new RegExp(CLUSTER.name) })
    .getByRole("link", { name: "deploy" })
    .click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${taskId}$`));
  await expect(page.getByRole("heading", { name: `deploy on ${CLUSTER.name}` })).toBeVisible();
  await expect(page.getByTestId("task-status")).toHaveAttribute("data-status", "failed", {
    timeout: 90_000,
  });

  // The failure, with the engine's hint, and what the failed step wrote.
  await expect(page.getByTestId("task-reason")).toHaveText(
    `Failed nodes in step ${FAILING_STEP}: 1, more than the 0 it tolerates; no new attempts start.`,
  );
  const failed = page.getByTestId("failed-steps");
  await expect(failed).toContainText(failingHost);
  await expect(failed).toContainText(FAILING_STEP);
  await expect(failed.getByTestId("step-reason")).toHaveText(
    "Failed (exit code 1); its retry policy allows 1 attempt. Fix the cause and retry the step, or launch with more retries.",
  );
  await failed.getByRole("button", { name: "Show log" }).click();
  const log = page.getByTestId("log-viewer");
  await expect(log.getByLabel("Node", { exact: true })).toHaveValue(nodes[2]!.id);
  await expect(log.getByLabel("Step", { exact: true })).toHaveValue(FAILING_STEP);
  const section = log.getByTestId("log-section");
  await expect(section).toHaveCount(1);
  await expect(section).toContainText(failingHost);
  await expect(section).toContainText("attempt 1");
  await expect(section).toContainText("Failed");
  await expect(section).toContainText("exit code 1");
  await expect(log.getByTestId("log-line").first()).toContainText(
    `lab: step ${FAILING_STEP} fails on its first attempt on this node, on purpose (lab option fail-once); a retry runs the step for real`,
  );
  await expect(log).toContainText("The task has ended: the log is complete.");

  // Server-side search over the whole log jumps to the hit and marks it.
  await log.getByLabel("Node", { exact: true }).selectOption("");
  await log.getByLabel("Step", { exact: true }).selectOption("");
  await log.getByLabel("Search the log").fill("on purpose");
  await log.getByRole("button", { name: "Search", exact: true }).click();
  await expect(log.getByTestId("log-search")).toContainText("1 match");
  await expect(log.locator("mark")).toHaveText("on purpose");

  // Permalink: the line's number puts it in the address, and a reload comes back to it.
  const marked = log.getByTestId("log-line").filter({ has: page.locator("mark") });
  await marked.getByRole("link").click();
  await expect(page).toHaveURL(/#log=[0-9a-f-]{36}:1$/);
  await page.reload();
  await expect(
    page.getByTestId("log-line").filter({ hasText: "fails on its first attempt" }),
  ).toBeInViewport();

  await page.screenshot({ path: info.outputPath("task-failed-en.png"), fullPage: true });
  await page.getByLabel("Language").selectOption("zh-CN");
  await expect(page.getByRole("heading", { name: "失败的步骤" })).toBeVisible();
  await expect(page.getByTestId("task-reason")).toContainText(
    `步骤 ${FAILING_STEP} 在 1 个节点上失败，超过其可容忍的 0 个`,
  );
  await expect(page.getByTestId("step-reason")).toContainText("请排除原因后重试该步骤");
  await expect(page.getByTestId("task-status")).toHaveText("失败");
  await page.screenshot({ path: info.outputPath("task-failed-zh-CN.png"), fullPage: true });
  await page.getByLabel("语言").selectOption("en");
  await expect(page.getByRole("heading", { name: "What failed" })).toBeVisible();
});

test("retry failed: the task runs again live (also across a reload) and succeeds with both attempts of the step", async ({
  page,
}, info) => {
  test.setTimeout(300_000);
  await signInAdmin(page);
  await page.goto(`/tasks/${taskId}`);
  await page.getByRole("button", { name: "Retry failed", exact: true }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toHaveAccessibleName("Retry the failed steps?");
  await expect(dialog).toContainText("Runs again the 1 failed steps and the");
  await expect(dialog).toContainText("Steps that succeeded are not run again.");
  await dialog.getByRole("button", { name: "Retry failed steps" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("task-status")).toHaveAttribute("data-status", "running");

  // A reload while it runs: the page comes back live and the log keeps growing on its own.
  await page.reload();
  await expect(page.getByTestId("task-status")).toHaveAttribute("data-status", "running");
  const log = page.getByTestId("log-viewer");
  await expect(log).toContainText("Live: following new lines");
  // `services` runs last on the slow node (after ntp, dns and kernel, 2 s each): it has not started
  // yet, so its section can only arrive through the live stream of the reloaded page.
  const failingNode = (
    await callQuery<{ items: { nodeId: string; hostname: string | null }[] }>(page, "task.nodes", {
      taskId,
      search: failingHost,
    })
  ).items[0]!.nodeId;
  const early = await callQuery<{ items: unknown[] }>(page, "task.logSections", {
    taskId,
    nodeId: failingNode,
    stepId: "services",
  });
  expect(early.items).toEqual([]);
  const services = log
    .getByTestId("log-section")
    .filter({ hasText: failingHost })
    .filter({ hasText: "services" });
  // (Nodes pick up the work the retry made ready within a poll interval, up to ~30 s each.)
  await expect(services).toBeVisible({ timeout: 150_000 });
  await expect(page.getByTestId("task-status")).toHaveAttribute("data-status", "succeeded", {
    timeout: 90_000,
  });
  await expect(log).toContainText("The task has ended: the log is complete.");

  // The step that failed once shows succeeded, with both attempts.
  const groups = page.getByTestId("step-groups");
  await groups.locator(`[data-step="${FAILING_STEP}"] > button`).click();
  await groups
    .getByTestId("step-entries")
    .getByRole("button", { name: new RegExp(failingHost) })
    .click();
  const picked = page.getByTestId("picked-step");
  await expect(picked).toContainText(`Step ${FAILING_STEP} on ${failingHost}`);
  const attempts = picked.getByTestId("attempt-row");
  await expect(attempts).toHaveCount(2);
  await expect(attempts.nth(0)).toContainText("Failed");
  await expect(attempts.nth(0).getByRole("cell").nth(2)).toHaveText("1");
  await expect(attempts.nth(0)).toContainText("Exited with code 1.");
  await expect(attempts.nth(1)).toContainText("Succeeded");
  await expect(attempts.nth(1).getByRole("cell").nth(2)).toHaveText("0");
  await expect(picked).toContainText("Status from the latest attempt: Succeeded");
  await expect(page.getByTestId("task-progress")).toContainText("(100%)");
  await page.screenshot({ path: info.outputPath("task-retried-en.png"), fullPage: true });

  await page.getByLabel("Language").selectOption("zh-CN");
  await expect(page.getByTestId("task-status")).toHaveText("成功");
  await expect(picked).toContainText(`节点 ${failingHost} 上的步骤 ${FAILING_STEP}`);
  await page.screenshot({ path: info.outputPath("task-retried-zh-CN.png"), fullPage: true });
  await page.getByLabel("语言").selectOption("en");
  await expect(page.getByTestId("task-status")).toHaveText("Succeeded");
});

test("retry from a step on a chosen node says what it will do, and is refused while another task runs", async ({
  page,
}) => {
  await signInAdmin(page);
  await page.goto(`/tasks/${taskId}`);
  const groups = page.getByTestId("step-groups");
  await groups.locator(`[data-step="${FAILING_STEP}"] > button`).click();
  await groups
    .getByTestId("step-entries")
    .getByRole("button", { name: new RegExp(failingHost) })
    .click();
  await page
    .getByTestId("picked-step")
    .getByRole("button", { name: "Retry from this step…" })
    .click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toHaveAccessibleName("Retry from a step");
  await expect(dialog.getByLabel("Nodes I choose (1 chosen)")).toBeChecked();
  await expect(dialog.getByTestId("retry-from-summary")).toHaveText(
    `Runs step ${FAILING_STEP} again on 1 node: ${failingHost}, then every step after it that depends on it — also those that succeeded. Steps the plan skipped stay skipped.`,
  );
  await expect(dialog).toContainText("The task succeeded: this re-runs work that is already done");

  // Another task takes the cluster: the engine refuses, and the dialog says why and what to do.
  const task = await callQuery<{ clusterId: string }>(page, "task.get", { id: taskId });
  const other = await callMutation(page, "task.launch", {
    clusterId: task.clusterId,
    operation: "deploy",
    mode: "noop",
  });
  expect(other.status, JSON.stringify(other.body)).toBe(200);
  const otherId = other.body.result.data.json.taskId as string;
  // Paused, it stays the cluster's active task for as long as this test needs.
  const paused = await callMutation(page, "task.pause", { id: otherId });
  expect(paused.status, JSON.stringify(paused.body)).toBe(200);
  await dialog.getByRole("button", { name: "Retry on 1 node" }).click();
  const refusal = dialog.getByRole("alert");
  await expect(refusal).toHaveAttribute("data-code", "task.cluster-busy");
  await expect(refusal).toContainText(
    `Another operation (deploy, task ${otherId}) is running on this cluster.`,
  );
  await expect(refusal).toContainText(
    "Wait for it to finish, or cancel it from its task page; then try again.",
  );
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("task-status")).toHaveText("Succeeded");

  // Cancelling the other task from its page: confirmed with what it does, then cancelled.
  await page.goto(`/tasks/${otherId}`);
  await expect(page.getByTestId("task-status")).toHaveText("Paused");
  await expect(page.getByRole("button", { name: "Resume" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel task" }).click();
  await expect(dialog).toHaveAccessibleName("Cancel this task?");
  await expect(dialog).toContainText("Nothing that already ran is undone.");
  await dialog.getByRole("button", { name: "Cancel task" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("task-status")).toHaveAttribute("data-status", "cancelled", {
    timeout: 60_000,
  });
  await expect(page.getByTestId("task-reason")).toContainText("Cancelled by request");
});
