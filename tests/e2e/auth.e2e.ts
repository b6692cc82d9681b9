/**
 * Issue 2's browser flow: an admin signs in, adds a marketer, signs out; the marketer signs in,
 * sees no admin navigation, and is refused (403) at an admin URL.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ADMIN, SCREENSHOT_DIR, launchBrowser, signIn as signInAs, startApp, type AppServer } from "./harness";

const MARKETER = { email: "mara@brand.test", password: "marketer-pass-1" };

describe("sign-in, roles and the admin boundary", () => {
  let app: AppServer;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `auth-${name}.png`), fullPage: true });

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    app = await startApp();
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const signIn = (email: string, password: string) => signInAs(page, app.url, email, password);

  it("sends anonymous visitors to sign in, and rejects a wrong password", async () => {
    await page.goto(`${app.url}/admin/users`);
    await page.waitForURL(/\/signin/);
    await signIn(ADMIN.email, "not-the-password");
    await page.getByRole("alert").filter({ hasText: "Wrong email or password" }).waitFor();
    await shot("wrong-password");
  });

  it("admin signs in and adds a marketer", async () => {
    await signIn(ADMIN.email, ADMIN.password);
    await page.waitForURL(/\/generate$/);
    expect(await page.getByRole("navigation", { name: "Admin" }).isVisible()).toBe(true);
    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Users" }).click();
    await page.waitForURL(/\/admin\/users$/);
    const form = page.getByRole("form", { name: "Add user" });
    await form.getByLabel("Email").fill(MARKETER.email);
    await form.getByLabel("Name").fill("Mara");
    await form.getByLabel("Password").fill(MARKETER.password);
    await form.getByLabel("Role").selectOption("marketer");
    await form.getByRole("button", { name: "Add user" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toContain(`Added ${MARKETER.email} as marketer`);
    await expect.poll(() => page.getByRole("cell", { name: MARKETER.email }).count()).toBe(1);
    // The same email twice is refused with a clear message.
    await form.getByLabel("Email").fill(MARKETER.email);
    await form.getByLabel("Password").fill("another-pass-1");
    await form.getByRole("button", { name: "Add user" }).click();
    await page.getByRole("alert").filter({ hasText: `A user with email ${MARKETER.email} already exists` }).waitFor();
    await shot("admin-users");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin/);
  });

  it("the marketer sees no admin navigation and is refused at admin URLs", async () => {
    await signIn(MARKETER.email, MARKETER.password);
    await page.waitForURL(/\/generate$/);
    expect(await page.getByTestId("current-user").textContent()).toBe(MARKETER.email);
    expect(await page.getByRole("navigation", { name: "Marketer" }).isVisible()).toBe(true);
    expect(await page.getByRole("navigation", { name: "Admin" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Users" }).count()).toBe(0);
    await shot("marketer-home");
    const response = await page.goto(`${app.url}/admin/users`);
    expect(response?.status()).toBe(403);
    expect(await page.getByRole("heading", { name: "Admins only" }).isVisible()).toBe(true);
    await shot("marketer-refused");
    // The API refuses too: an admin procedure over HTTP with the marketer's session cookie.
    const api = await page.request.get(`${app.url}/api/trpc/admin.users.list`);
    expect(api.status()).toBe(403);
  });
});
