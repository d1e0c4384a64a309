import { expect, test, type Page } from "@playwright/test";
import { adminSession } from "./helpers";

test.describe.configure({ mode: "serial" });

const RELEASE = "cairn-2026.1";
const DEPLOY_STEPS = ["hostname", "ntp", "dns", "kernel", "overcommit", "services"];

const signInAdmin = adminSession();

const releaseCard = (page: Page) =>
  page.getByRole("region", { name: new RegExp(`^${RELEASE.replace(".", "\\.")}`) });

test("the Releases page lists the built-in release: version, architectures and what its steps really do", async ({
  page,
}, info) => {
  await signInAdmin(page);
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: "Releases" })
    .click();
  await expect(page).toHaveURL(/\/releases$/);
  await expect(page.getByRole("heading", { name: "Releases", level: 1 })).toBeVisible();

  const card = releaseCard(page);
  await expect(card.getByTestId("release-state")).toBeVisible();
  // An invalid bundle is listed with its problems instead: name them if that is what we got.
  const problems = await card.getByTestId("release-problem").allInnerTexts();
  expect(problems, `${RELEASE} is listed as invalid`).toEqual([]);
  await expect(card.getByTestId("release-state")).toHaveText("Valid");
  await expect(card.getByTestId("release-version")).toHaveText("2026.1.0");
  await expect(card).toContainText(
    "OpenStack + Ceph + Kubernetes on bare metal, hyperconverged or split.",
  );
  await expect(card).toContainText("x86_64");
  await expect(card).toContainText("aarch64");
  // The notes say plainly where steps only write files and print commands.
  const notes = card.getByRole("note", { name: "What the steps really do" });
  await expect(notes).toContainText("kolla-ansible");
  await expect(notes).toContainText("lab nodes");
  await page.screenshot({ path: info.outputPath("releases-en.png"), fullPage: true });
});

test("a release page shows its roles, the deploy-changes sequence and the deploy graph as a picture, in both languages", async ({
  page,
}, info) => {
  await signInAdmin(page);
  await page.goto("/releases");
  await releaseCard(page).getByRole("link", { name: RELEASE, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/releases/${RELEASE.replace(".", "\\.")}$`));
  await expect(page.getByRole("heading", { name: RELEASE, level: 1 })).toBeVisible();
  await expect(page.getByTestId("release-version")).toHaveText("2026.1.0");

  const controller = page.locator('[data-testid="release-role"][data-role="controller"]');
  await expect(controller.getByRole("list", { name: "Services" })).toContainText(
    "openstack-control",
  );
  await expect(controller.getByRole("list", { name: "Services" })).toContainText("ceph-mon");

  const sequence = page.locator('[data-testid="release-sequence"][data-sequence="deploy-changes"]');
  const order = sequence.getByRole("list", {
    name: "deploy-changes: task graphs in the order they run",
  });
  await expect(order.getByTestId("sequence-graph")).toHaveText([
    "verify-network",
    "remove-node",
    "provision",
    "deploy",
  ]);

  // The sequence's graphs open their tab.
  await order.getByRole("link", { name: "deploy", exact: true }).click();
  await expect(page).toHaveURL(/\?graph=deploy$/);
  const deployTab = page.getByRole("tab", { name: /^deploy/ });
  await expect(deployTab).toHaveAttribute("aria-selected", "true");

  const picture = page.getByRole("img", { name: /^The deploy graph: \d+ steps/ });
  await expect(picture).toBeVisible();
  const box = (id: string) => picture.locator(`[data-testid="graph-step"][data-step-id="${id}"]`);
  for (const id of DEPLOY_STEPS) await expect(box(id)).toContainText(id);
  await expect(box("overcommit")).toContainText("Services: nova-compute");
  // Columns by dependency depth: hostname first, then ntp/dns/kernel, then overcommit and services.
  const x = async (id: string) => (await box(id).boundingBox())?.x ?? NaN;
  expect(await x("hostname")).toBeLessThan(await x("ntp"));
  expect(await x("ntp")).toBe(await x("kernel"));
  expect(await x("kernel")).toBeLessThan(await x("services"));
  // A same-node dependency is a solid arrow, a cross-node one dashed.
  const edge = (from: string, to: string, kind: string) =>
    picture.locator(
      `[data-testid="graph-edge"][data-from="${from}"][data-to="${to}"][data-kind="${kind}"]`,
    );
  await expect(edge("hostname", "ntp", "requires")).not.toHaveAttribute("stroke-dasharray", /./);
  await expect(edge("ntp", "services", "crossDepends")).toHaveAttribute("stroke-dasharray", /\d/);

  const services = page.getByTestId("graph-steps").getByRole("row", { name: /^services/ });
  await expect(services).toContainText("ntp (other nodes)");
  await page.screenshot({ path: info.outputPath("release-en.png"), fullPage: true });

  // Tabs move with the arrow keys, like any tab list.
  await deployTab.focus();
  await page.keyboard.press("ArrowRight");
  await expect(page.getByRole("tab", { name: /^remove-node/ })).toHaveAttribute(
    "aria-selected",
    "true",
  );
  await expect(page.getByRole("tab", { name: /^remove-node/ })).toBeFocused();
  await page.keyboard.press("ArrowLeft");
  await expect(deployTab).toHaveAttribute("aria-selected", "true");

  await page.getByLabel("Language").selectOption("zh-CN");
  await expect(
    page.getByText("在裸金属服务器上部署 OpenStack + Ceph + Kubernetes，支持超融合或分离部署。"),
  ).toBeVisible();
  await expect(page.getByRole("heading", { name: /^角色/ })).toBeVisible();
  const pictureZh = page.getByRole("img", { name: /^deploy 任务图：\d+ 个步骤/ });
  await expect(pictureZh.locator('[data-step-id="hostname"]')).toContainText("所有节点");
  await expect(
    page.getByTestId("graph-steps").getByRole("row", { name: /^services/ }),
  ).toContainText("ntp（其他节点）");
  await page.screenshot({ path: info.outputPath("release-zh.png"), fullPage: true });
  await page.getByLabel("语言").selectOption("en");
  await expect(page.getByRole("heading", { name: /^Roles/ })).toBeVisible();
});
