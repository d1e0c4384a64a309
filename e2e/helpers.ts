import { expect, type Page } from "@playwright/test";

export const ADMIN = { email: "admin@example.com", password: "correct-horse-battery-staple" };

export async function signIn(page: Page, email: string, password: string) {
  await page.goto("/sign-in");
  await page.getByLabel(/^(Email|邮箱)$/).fill(email);
  await page.getByLabel(/^(Password|密码)$/).fill(password);
  await page.getByRole("button", { name: /^(Sign in|登录)$/ }).click();
  await expect(page.getByTestId("current-user")).toContainText(email);
}

/** tRPC mutation from inside the signed-in page, the way another program with a session would call it. */
export async function callMutation(page: Page, path: string, input: unknown) {
  return page.evaluate(
    async ({ path, input }) => {
      const res = await fetch(`/api/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ json: input }),
      });
      return { status: res.status, body: await res.json() };
    },
    { path, input },
  );
}
