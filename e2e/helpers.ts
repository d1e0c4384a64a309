import { expect, type Cookie, type Page } from "@playwright/test";

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

/**
 * Signs the administrator in once per spec file, then reuses the session: sign-ins are limited to
 * 10 a minute per client and the journeys before a file use most of them. On a fresh database (a
 * file run alone) the setup screen creates the administrator first.
 */
export function adminSession() {
  let cookies: Cookie[] = [];
  return async function signInAdmin(page: Page) {
    if (cookies.length) {
      await page.context().addCookies(cookies);
      await page.goto("/clusters");
      await expect(page.getByTestId("current-user")).toContainText(ADMIN.email);
      return;
    }
    await page.goto("/clusters");
    if (/\/setup$/.test(page.url())) {
      await page.getByLabel("Email").fill(ADMIN.email);
      await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
      await page.getByLabel("Repeat the password").fill(ADMIN.password);
      await page.getByRole("button", { name: "Create administrator" }).click();
      await expect(page.getByTestId("current-user")).toContainText(ADMIN.email);
    } else {
      await signIn(page, ADMIN.email, ADMIN.password);
    }
    cookies = await page.context().cookies();
  };
}
