/**
 * First start on an empty data dir: the demo world is generated, imported and verbalized as a
 * job with progress shown, the app is usable meanwhile, and Insights then shows its charts.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ADMIN, SCREENSHOT_DIR, launchBrowser, startApp, type AppServer } from "./harness";

describe("first start prepares the demo data", () => {
  let app: AppServer;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `first-start-${name}.png`), fullPage: true });

  beforeAll(async () => {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    app = await startApp({ BOIG_DEMO_WORLD: "1", BOIG_DEMO_POSTS_PER_BRAND: "12" });
    browser = await launchBrowser();
    page = await (await browser.newContext()).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("shows progress, stays usable, then shows the dataset insights", async () => {
    await page.goto(`${app.url}/signin`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/generate$/);
    // Usable while the job runs: admin pages answer and list the job.
    await page.goto(`${app.url}/admin/data`);
    await page.getByText("Demo world (first start)").first().waitFor();
    await shot("data");
    await page.goto(`${app.url}/insights`);
    await page.getByTestId("insights-summary").waitFor({ timeout: 150_000 });
    await page.getByRole("status", { name: "Demo data" }).waitFor({ state: "detached", timeout: 150_000 });
    const summary = await page.getByTestId("insights-summary").textContent();
    expect(summary).toMatch(/Posts\d+/);
    await expect
      .poll(() => page.getByRole("combobox", { name: "Dataset" }).locator("option").allTextContents(), { timeout: 30_000 })
      .toEqual(["demo/social (social)", "demo/stock (stock)"]);
    await page.getByText("How likes are distributed").waitFor();
    expect(await page.locator(".recharts-bar-rectangle").count()).toBeGreaterThan(3);
    await shot("insights");
  }, 240_000);
});
