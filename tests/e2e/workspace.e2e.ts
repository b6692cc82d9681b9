/**
 * The marketer's day (issue 6), in Debian's chromium against `next start` with the committed
 * default models: sign in, generate 4 variants for a brand (verbalization first, variants as they
 * finish, each scored), compare them, score a real photo (python3-skimage's coffee), find both in
 * History, download the campaign ZIP and check what is in it. Screenshots of every step go to
 * test-results/e2e/workspace/.
 */
import fs from "node:fs";
import path from "node:path";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ADMIN, SCREENSHOT_DIR, launchBrowser, signIn as signInAs, startApp, type AppServer, addUserAsAdmin } from "./harness";

const MARKETER = { email: "mara@brand.test", password: "marketer-pass-3" };
const OUT = path.join(SCREENSHOT_DIR, "workspace");
const PHOTO = path.resolve("tests/fixtures/photos/coffee.jpg");
const BRAND = "fizzwell";

describe("Marketer workspace: generate, compare, score, history, export", () => {
  let app: AppServer;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    // 24 posts per brand: enough (≥ 20) for percentiles among the brand's own posts.
    app = await startApp({ BOIG_DEMO_WORLD: "1", BOIG_DEMO_POSTS_PER_BRAND: "24" });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("a marketer signs in", async () => {
    await signInAs(page, app.url, ADMIN.email, ADMIN.password);
    await page.waitForURL(/\/generate$/);
    await addUserAsAdmin(page, app.url, { ...MARKETER, name: "Mara" });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin/);
    await signInAs(page, app.url, MARKETER.email, MARKETER.password);
    await page.waitForURL(/\/generate$/);
    expect(await page.getByTestId("current-user").textContent()).toBe(MARKETER.email);
    await shot("1-signed-in");
  });

  it("generates 4 variants: the verbalization, then 4 scored images", async () => {
    const brandOptions = () => page.getByLabel("Brand").locator("option").allTextContents();
    // The first-start job imports and verbalizes the demo world; the brand list refreshes itself.
    await expect.poll(async () => (await brandOptions()).some((o) => o.startsWith(`${BRAND} (`)), { timeout: 170_000, interval: 1_000 }).toBe(true);
    await expect.poll(async () => page.getByRole("status", { name: "Demo data" }).count(), { timeout: 170_000, interval: 1_000 }).toBe(0); // verbalized too
    await page.getByLabel("Brand").selectOption(BRAND);
    await page.getByLabel("Post date").fill("2024-07-04");
    await page.getByLabel("Prompt").fill("Summer launch: the new yellow bottle on the beach");
    await page.getByLabel("Keywords").fill("summer, bottle, beach");
    await page.getByLabel("Target KPI").selectOption("high");
    await page.getByLabel("Variants").fill("4");
    await shot("2-generate-form");
    await page.getByRole("button", { name: "Generate" }).click();
    await page.waitForURL(/\/generate\?g=[0-9a-f-]{36}$/);
    // Progress is visible while it runs (placeholders for the variants still to come).
    await page.getByRole("region", { name: "Variants" }).waitFor();
    await page.getByTestId("canonical").waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("canonical").textContent()).toMatch(/^colors /);
    const cards = page.getByTestId("scored-image-card");
    await expect.poll(() => cards.count(), { timeout: 90_000 }).toBe(4);
    await expect.poll(() => page.getByTestId("generation-status").textContent(), { timeout: 30_000 }).toBe("4 of 4 scored");
    for (let i = 0; i < 4; i++) {
      const card = cards.nth(i);
      expect(await card.getByRole("heading").textContent()).toBe(`Variant ${i + 1}`);
      expect(await card.getByTestId("predicted-kpi").textContent()).toMatch(/^\d+(st|nd|rd|th) percentile.*P\(high likes\) \d+\.\d%/);
      expect(await card.getByTestId("true-kpi").textContent()).toMatch(/Simulator's true likes: [\d,]+/);
      await expect.poll(() => card.locator("img").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    }
    await shot("3-generated-4-variants");
    await page.setViewportSize({ width: 1024, height: 768 }); // a small laptop
    await shot("3b-generated-1024px");
    await page.setViewportSize({ width: 1366, height: 900 });

    // Reloading keeps the generation (its id is in the URL).
    await page.reload();
    await expect.poll(() => page.getByTestId("scored-image-card").count(), { timeout: 30_000 }).toBe(4);
    expect(await page.getByLabel("Prompt").inputValue()).toBe("Summer launch: the new yellow bottle on the beach");
  });

  it("compares the 4 variants: chart, recommendation, breakdowns", async () => {
    await page.getByRole("button", { name: "Select all" }).click();
    await page.getByRole("link", { name: "Compare selected (4)" }).click();
    await page.waitForURL(/\/compare$/);
    const title = page.getByTestId("recommendation-title");
    await title.waitFor({ timeout: 30_000 });
    expect(await title.textContent()).toMatch(/^Recommended: Variant [1-4]$/);
    expect(await page.getByTestId("recommendation-reason").textContent()).toMatch(/has the highest predicted KPI: \d+% predicted chance of a high-KPI post, better than \d+% of fizzwell's own posts\./);
    await expect.poll(() => page.getByTestId("predicted-kpi-chart").locator(".recharts-bar-rectangle").count()).toBe(4);
    expect(await page.getByRole("region", { name: /^Compared: / }).count()).toBe(4);
    await shot("4-compare");
  });

  it("scores a real photo, which joins the comparison", async () => {
    await page.getByRole("navigation", { name: "Marketer" }).getByRole("link", { name: "Score" }).click();
    await page.waitForURL(/\/score$/);
    await page.getByLabel("Upload image").setInputFiles(PHOTO);
    await page.getByAltText("Selected: coffee.jpg").waitFor();
    await expect.poll(async () => (await page.getByLabel("Brand").locator("option").allTextContents()).some((o) => o.startsWith(`${BRAND} (`))).toBe(true);
    await page.getByLabel("Brand").selectOption(BRAND);
    await page.getByLabel("Post date").fill("2024-07-05");
    await page.getByLabel("Prompt").fill("Our coffee, photographed in the studio");
    await page.getByLabel("Keywords").fill("coffee, cup");
    await page.getByRole("button", { name: "Score" }).click();
    await page.getByRole("heading", { name: "Predicted KPI of coffee.jpg" }).waitFor({ timeout: 90_000 });
    expect(await page.getByTestId("reward-calibrated").textContent()).toMatch(/the \d+(st|nd|rd|th) percentile of fizzwell's own posts/);
    expect(await page.getByText("Objects by the coco detector").count()).toBe(1);
    await page.getByLabel("Add to comparison").check();
    await shot("5-score-photo");
    await page.getByRole("link", { name: "Compare selected (5)" }).click();
    await page.waitForURL(/\/compare$/);
    await expect.poll(() => page.getByRole("region", { name: /^Compared: / }).count(), { timeout: 30_000 }).toBe(5);
    await page.getByRole("region", { name: /^Compared: Upload coffee\.jpg/ }).waitFor();
    await shot("6-compare-with-upload");
  });

  it("finds both in History and downloads the campaign ZIP", async () => {
    await page.getByRole("navigation", { name: "Marketer" }).getByRole("link", { name: "History" }).click();
    await page.waitForURL(/\/history$/);
    const items = page.getByTestId("history-item");
    await expect.poll(() => items.count(), { timeout: 30_000 }).toBe(2);
    expect(await items.nth(0).textContent()).toContain("Scored upload");
    expect(await items.nth(1).textContent()).toContain("Summer launch: the new yellow bottle on the beach");
    expect(await items.nth(1).getByTestId("history-models").textContent()).toMatch(/(?=.*boigllm \d{8}T)(?=.*boigsd \d{8}T)/);
    await page.getByLabel("Brand").selectOption(BRAND);
    await expect.poll(() => items.count()).toBe(2);
    await shot("7-history");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: `Export ${BRAND} campaign (ZIP)` }).click()]);
    expect(download.suggestedFilename()).toMatch(/^boig-campaign-fizzwell-\d{4}-\d{2}-\d{2}\.zip$/);
    const file = path.join(OUT, download.suggestedFilename());
    await download.saveAs(file);
    const files = unzipSync(new Uint8Array(fs.readFileSync(file)));
    const names = Object.keys(files);
    expect(names.filter((n) => n.endsWith(".png"))).toHaveLength(4);
    expect(names.filter((n) => n.endsWith(".jpg"))).toHaveLength(1);
    const csv = new TextDecoder().decode(files["scores.csv"]!).trim().split("\r\n");
    expect(csv).toHaveLength(6); // header + 5 images
    expect(csv.slice(1).every((line) => line.includes(",fizzwell,"))).toBe(true);
  });
});
