/**
 * The marketer pages on BoigLLM (the tiny test model): Generate shows the behavior-conditioned
 * verbalization of a brand's prompt with its layout preview and puts errors next to their fields;
 * Score rates an uploaded photo and a world render (both rewards, the per-attribute breakdown)
 * and refuses an oversized file before uploading it.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ADMIN, SCREENSHOT_DIR, launchBrowser, signIn as signInAs, startApp, type AppServer, addUserAsAdmin } from "./harness";

const MARKETER = { email: "lena@brand.test", password: "marketer-pass-2" };
const OUT = path.join(SCREENSHOT_DIR, "llmPages");
const MODEL_DIR = path.resolve("tests/fixtures/llm/boigllm-tiny");
const PHOTO = path.resolve("tests/fixtures/photos/coffee.jpg");

function findPng(dir: string): string | null {
  if (!fs.existsSync(dir)) return null;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findPng(full);
      if (found) return found;
    } else if (entry.name.endsWith(".png") && full.includes(`${path.sep}social${path.sep}`)) return full;
  }
  return null;
}

describe("Generate and Score on BoigLLM", () => {
  let app: AppServer;
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    // A small demo world so brands exist: 24 brands × 4 posts, imported by the first-start job.
    app = await startApp({ BOIG_DEMO_WORLD: "1", BOIG_DEMO_POSTS_PER_BRAND: "4", BOIG_BOIGLLM_DIR: MODEL_DIR });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function signIn(email: string, password: string) {
    await signInAs(page, app.url, email, password);
    await page.waitForURL(/\/generate$/);
  }

  const brandOptions = () => page.getByLabel("Brand").locator("option").allTextContents();

  it("a marketer signs in (added by the admin)", async () => {
    await signIn(ADMIN.email, ADMIN.password);
    await addUserAsAdmin(page, app.url, { ...MARKETER, name: "Lena" });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin/);
    await signIn(MARKETER.email, MARKETER.password);
    expect(await page.getByTestId("current-user").textContent()).toBe(MARKETER.email);
  });

  it("Generate: picks a brand, generates, and shows the verbalization with its layout preview", async () => {
    await page.getByRole("heading", { name: "Generate" }).waitFor();
    // Brands appear once the first-start job has imported the demo world (the list re-checks every 5 s).
    await expect.poll(async () => (await brandOptions()).some((o) => o.startsWith("fizzwell (")), { timeout: 170_000, interval: 1_000 }).toBe(true);
    expect((await brandOptions()).at(-1)).toBe("stock (no brand)");
    expect(await page.getByLabel("Post date").inputValue()).toMatch(/^\d{4}-\d{2}-\d{2}$/); // today by default
    expect(await page.getByLabel("Variants").inputValue()).toBe("4");
    // Target KPI: high / low for a brand, high / medium / low for stock.
    expect(await page.getByLabel("Target KPI").locator("option").allTextContents()).toEqual(["high", "low"]);
    await page.getByLabel("Brand").selectOption("__stock__");
    expect(await page.getByLabel("Target KPI").locator("option").allTextContents()).toEqual(["high", "medium", "low"]);
    await page.getByLabel("Brand").selectOption("fizzwell");
    await page.getByLabel("Post date").fill("2022-11-08");
    await page.getByLabel("Prompt").fill("Two words: fall sale. Grab the yellow cup for 10% less.");
    await page.getByLabel("Keywords").fill("sale, fall, cup");
    await page.getByLabel("Target KPI").selectOption("high");
    await page.getByLabel("Variants").fill("1");
    await shot("1-generate-form");
    await page.getByRole("button", { name: "Generate" }).click();
    const canonical = page.getByTestId("canonical");
    await canonical.waitFor({ timeout: 60_000 });
    expect(await canonical.textContent()).toMatch(/^colors /);
    const preview = page.getByTestId("layout-preview");
    expect(await preview.getAttribute("src")).toMatch(/^data:image\/svg\+xml;utf8,%3Csvg%20/);
    await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(100);
    expect(await page.getByTestId("model-version").textContent()).toMatch(/^Model: boigllm \S+/);
    expect(await page.getByRole("list", { name: "Color palette" }).locator("li").count()).toBeGreaterThan(0);
    expect(await page.getByTestId("result-request").textContent()).toBe("fizzwell · 2022-11-08 · target KPI high");
    await shot("2-generate-result");
    await page.setViewportSize({ width: 1024, height: 800 }); // a small laptop
    await shot("2b-generate-result-1024px");
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it("Generate: an empty prompt and a bad date get their error next to the field", async () => {
    await page.getByLabel("Prompt").fill("");
    await page.getByRole("button", { name: "Generate" }).click();
    const promptError = page.locator("#generate-prompt-error");
    await promptError.waitFor();
    expect(await promptError.textContent()).toContain("Prompt is required");
    expect(await page.getByLabel("Prompt").getAttribute("aria-invalid")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("generate-prompt");
    await shot("3-generate-empty-prompt");

    // A date the browser's date input takes but the API does not (year 20245): the server's zod error.
    await page.getByLabel("Prompt").fill("Winter launch of the new bottle");
    await page.getByLabel("Post date").fill("20245-01-01");
    await page.getByRole("button", { name: "Generate" }).click();
    const dateError = page.locator("#generate-date-error");
    await dateError.waitFor({ timeout: 30_000 });
    expect(await dateError.textContent()).toContain("Post date is not an ISO 8601 date");
    expect(await page.locator("#generate-prompt-error").count()).toBe(0);
    expect(await page.getByLabel("Post date").getAttribute("aria-invalid")).toBe("true");
    await shot("4-generate-bad-date");
  });

  it("Score: refuses a file over 10 MB before uploading it", async () => {
    await page.getByRole("navigation", { name: "Marketer" }).getByRole("link", { name: "Score" }).click();
    await page.waitForURL(/\/score$/);
    await page.getByLabel("Upload image").setInputFiles({ name: "huge.jpg", mimeType: "image/jpeg", buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
    const imageError = page.locator("#score-image-error");
    await imageError.waitFor();
    expect(await imageError.textContent()).toContain("images up to 10 MB can be scored");
    await shot("5-score-too-large");
  });

  it("Score: a photo gets both rewards and the breakdown chart", async () => {
    await page.getByLabel("Upload image").setInputFiles(PHOTO);
    await page.getByAltText("Selected: coffee.jpg").waitFor();
    expect(await page.locator("#score-image-error").count()).toBe(0);
    await expect.poll(async () => (await brandOptions()).some((o) => o.startsWith("fizzwell ("))).toBe(true);
    await page.getByLabel("Brand").selectOption("fizzwell");
    await page.getByLabel("Post date").fill("2023-03-15");
    await page.getByLabel("Prompt").fill("Morning coffee, brewed fresh");
    await page.getByLabel("Keywords").fill("coffee, cup, morning");
    expect(await page.getByLabel("Detector").locator("option").allTextContents()).toEqual(["Auto", "Scene renders", "Photos (COCO)", "None"]);
    await page.getByLabel("Detector").selectOption("coco");
    await page.getByRole("button", { name: "Score" }).click();
    await page.getByTestId("reward-calibrated").waitFor({ timeout: 90_000 });
    expect(await page.getByTestId("reward-calibrated").textContent()).toMatch(/P\(high KPI\)\d+\.\d%/);
    expect(await page.getByTestId("reward-calibrated").textContent()).toMatch(/log-odds of high vs low KPI [+−±]\d/);
    expect(await page.getByTestId("reward-paper").textContent()).toMatch(/Paper reward\d+\.\d{2}/);
    // fizzwell has 4 posts in this small world: too few for a percentile, and the page says so.
    expect(await page.getByTestId("reward-paper").textContent()).toMatch(/insufficient data/);
    expect(await page.getByTestId("canonical").textContent()).toMatch(/^colors /);
    await expect.poll(() => page.getByTestId("reward-breakdown").locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
    await page.getByRole("heading", { name: "Predicted KPI of coffee.jpg" }).waitFor();
    await shot("6-score-photo");
  });

  it("Score: a world render (auto → the scene detector)", async () => {
    const render = findPng(path.join(app.dataDir, "worlds"));
    expect(render, "the demo world's renders").toBeTruthy();
    await page.getByLabel("Upload image").setInputFiles(render!);
    await page.getByLabel("Detector").selectOption("auto");
    await page.getByRole("button", { name: "Score" }).click();
    await page.getByRole("heading", { name: `Predicted KPI of ${path.basename(render!)}` }).waitFor({ timeout: 90_000 });
    expect(await page.getByText("Objects by the scene detector").count()).toBe(1);
    expect(await page.getByTestId("reward-calibrated").textContent()).toMatch(/P\(high KPI\)\d+\.\d%/);
    await expect.poll(() => page.getByTestId("reward-breakdown").locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
    const fills = await page.getByTestId("reward-breakdown").locator(".recharts-bar-rectangle path").evaluateAll((els) => els.map((e) => e.getAttribute("fill")));
    expect(fills.every((f) => f === "#16a34a" || f === "#dc2626")).toBe(true);
    await shot("7-score-render");
    await page.setViewportSize({ width: 1024, height: 800 });
    await shot("7b-score-render-1024px");
    await page.setViewportSize({ width: 1366, height: 900 });
  });
});

describe("Generate without a BoigLLM model", () => {
  let app: AppServer;
  let browser: Browser;

  beforeAll(async () => {
    app = await startApp({ BOIG_BOIGLLM_DIR: path.join(OUT, "no-such-model") });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("says the model is unavailable and how to get one", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${app.url}/signin`);
    await page.getByLabel("Email").fill(ADMIN.email);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/generate$/);
    // No data imported: only stock is offered.
    await expect.poll(() => page.getByLabel("Brand").inputValue()).toBe("__stock__");
    await page.getByText("No social data imported yet").waitFor();
    await page.getByLabel("Prompt").fill("A quiet beach at sunrise");
    await page.getByRole("button", { name: "Generate" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "BoigLLM is not available" });
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toContain("BOIG_BOIGLLM_DIR");
    await page.screenshot({ path: path.join(OUT, "8-generate-no-model.png"), fullPage: true });
  });
});
