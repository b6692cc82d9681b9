/**
 * Admin → Evaluation in Debian's chromium against `next start`: an admin launches Table 1 for model
 * folders typed into the form (the tiny BoigLLM fixtures and their instruction folder), first with a
 * folder that holds no model (a field error, nothing queued), then with MBR decoding; the result shows
 * the sizes and decoding it ran with and BoigLLM's win counts. A second, greedy run is compared with
 * the first, and the page warns that the two differ in decoding. Screenshots under
 * test-results/e2e/evaluation/.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ADMIN, SCREENSHOT_DIR, launchBrowser, signIn, startApp, type AppServer } from "./harness";

const OUT = path.join(SCREENSHOT_DIR, "evaluation");
const FIXTURES = path.resolve("tests/fixtures/llm");

describe("Admin → Evaluation: Table 1 from the form", () => {
  let app: AppServer;
  let browser: Browser;
  let admin: Page;
  const shot = (name: string) => admin.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
  const form = () => admin.getByRole("form", { name: "Run an evaluation" });
  const result = () => admin.getByRole("article", { name: "Evaluation result" });

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    app = await startApp();
    browser = await launchBrowser();
    admin = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    await signIn(admin, app.url, ADMIN.email, ADMIN.password);
    await admin.waitForURL(/\/generate$/);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  async function fillTable1(limit: string, decoding: "greedy" | "mbr" | "mbr-sections") {
    await form().getByLabel("BoigLLM", { exact: true }).selectOption("__folder__");
    await form().getByLabel("BoigLLM folder").fill(path.join(FIXTURES, "boigllm-tiny"));
    await form().getByLabel("No-KPI baseline", { exact: true }).selectOption("__folder__");
    await form().getByLabel("No-KPI baseline folder").fill(path.join(FIXTURES, "boigllm-tiny-nokpi"));
    await form().getByLabel("Instruction data").fill(path.join(FIXTURES, "instructions"));
    await form().getByLabel("Test images per dataset and bucket").fill(limit);
    await form().getByLabel("Decoding").selectOption(decoding);
  }

  it("refuses a folder without a model as a field error, then runs Table 1 with MBR-by-section decoding", async () => {
    await admin.goto(`${app.url}/admin/evaluation`);
    await fillTable1("2", "mbr-sections");
    await form().getByLabel("BoigLLM folder").fill("/nowhere/boigllm");
    await form().getByRole("button", { name: "Run evaluation" }).click();
    await expect.poll(() => form().getByRole("alert").allTextContents(), { timeout: 15_000 })
      .toContain("BoigLLM has no model at /nowhere/boigllm (no manifest.json)");
    expect(await admin.getByTestId("evaluation-row").count()).toBe(0);

    await form().getByLabel("BoigLLM folder").fill(path.join(FIXTURES, "boigllm-tiny"));
    await form().getByRole("button", { name: "Run evaluation" }).click();
    await expect.poll(() => result().textContent(), { timeout: 120_000 }).toContain("BoigLLM better than");
    const text = (await result().textContent())!;
    expect(text).toContain("2 test images per dataset and bucket · MBR by section decoding");
    expect(text).toContain("No earlier evaluation of this table");
    // Two images per bucket are too few for a bootstrap interval: the page says so instead of guessing.
    expect(await result().getByTestId("how-sure").first().textContent()).toMatch(
      /^Beyond noise \(95% paired bootstrap\):vs No-KPI fine-tuned: too few images per bucket for an interval \(at least 10\)/,
    );
    await shot("1-table1-mbr");
  }, 180_000);

  it("compares a greedy run with the MBR one and says their decodings differ", async () => {
    await fillTable1("2", "greedy");
    await form().getByRole("button", { name: "Run evaluation" }).click();
    await expect.poll(() => result().textContent(), { timeout: 120_000 }).toContain("2 test images per dataset and bucket · greedy decoding");
    await expect.poll(() => result().textContent(), { timeout: 120_000 }).toContain("BoigLLM better than");
    const text = (await result().textContent())!;
    expect(text).toMatch(/Changes are against the previous .* evaluation/);
    expect(text).toContain("The previous evaluation used other sizes, decoding or data");
    expect(await admin.getByTestId("evaluation-row").allTextContents()).toEqual([
      expect.stringContaining("2 images per bucket · greedy"), expect.stringContaining("2 images per bucket · MBR by section"),
    ]);
    // The metrics tables scroll inside the page instead of widening it.
    expect(await admin.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await shot("2-table1-greedy-vs-mbr");
  }, 180_000);
});
