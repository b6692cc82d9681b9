/**
 * The admin console (issue 7) in Debian's chromium against `next start`: an admin uploads a small
 * world ZIP (written by `boig world` here) and watches it import; launches a tiny DDPO run, watches
 * its reward chart update, cancels and resumes it, sees its trainer SIGKILLed (interrupted) and
 * resumes it again from the UI until it finishes; promotes the new BoigSD version; a marketer's
 * next generation uses it (History names the version); then the admin rolls back and the next
 * generation uses the built-in model again. Screenshots under test-results/e2e/adminConsole/.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ADMIN, SCREENSHOT_DIR, launchBrowser, signIn, startApp, type AppServer, addUserAsAdmin } from "./harness";

const OUT = path.join(SCREENSHOT_DIR, "adminConsole");
const MARKETER = { email: "nico@brand.test", password: "marketer-pass-4" };
const COMMITTED_BOIGSD = JSON.parse(fs.readFileSync("models/artifacts/boigsd/manifest.json", "utf8")).version as string;

function zipFolder(dir: string, prefix: string): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files[`${prefix}/${path.relative(dir, full).split(path.sep).join("/")}`] = new Uint8Array(fs.readFileSync(full));
    }
  };
  walk(dir);
  return zipSync(files, { level: 1 });
}

describe("Admin console: data, runs, models", () => {
  let app: AppServer;
  let browser: Browser;
  let admin: Page;
  let marketer: Page;
  let runId = "";
  let newVersion = "";
  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
  const runStatus = () => admin.getByTestId("run-status").first().textContent();

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    app = await startApp({ BOIG_DEMO_WORLD: "0" });
    browser = await launchBrowser();
    admin = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    marketer = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it("uploads a world ZIP and watches it import", async () => {
    const worldDir = fs.mkdtempSync(path.join(os.tmpdir(), "boig-e2e-world-"));
    execFileSync(process.execPath, ["bin/boig.mjs", "world", "--seed", "5", "--brands", "2", "--posts", "40", "--stock", "30", "--out", worldDir], { stdio: "pipe" });
    const zip = zipFolder(worldDir, "shop-world");
    fs.rmSync(worldDir, { recursive: true, force: true });

    await signIn(admin, app.url, ADMIN.email, ADMIN.password);
    await admin.waitForURL(/\/generate$/);
    // A marketer for later.
    await addUserAsAdmin(admin, app.url, { ...MARKETER, name: "Nico" });

    await admin.goto(`${app.url}/admin/data`);
    const upload = admin.getByRole("form", { name: "Upload import ZIP" });
    await upload.getByLabel("Import ZIP").setInputFiles({ name: "shop-world.zip", mimeType: "application/zip", buffer: Buffer.from(zip) });
    await upload.getByLabel("Dataset name").fill("shop");
    await upload.getByRole("button", { name: "Upload and import" }).click();
    const current = admin.getByRole("region", { name: "Current import" });
    await current.getByRole("progressbar", { name: "Import progress" }).waitFor({ timeout: 30_000 });
    await shot(admin, "1-import-progress");
    await expect.poll(() => current.textContent(), { timeout: 120_000, interval: 500 }).toMatch(/succeeded/);
    await expect.poll(() => admin.getByRole("region", { name: "Datasets" }).textContent(), { timeout: 30_000 }).toMatch(/shop/);
    await shot(admin, "2-imported");
  }, 240_000);

  it("launches a tiny DDPO run and watches its chart update, cancels and resumes it", async () => {
    await admin.goto(`${app.url}/admin/runs`);
    const form = admin.getByRole("form", { name: "Launch a run" });
    await form.getByLabel("Run", { exact: true }).selectOption("ddpo");
    // LoRA follows the preset (the default preset is the committed BoigSD's recipe, LoRA rank 4) until changed.
    const loraBox = form.getByLabel("LoRA adapters");
    await form.getByLabel("Preset").selectOption("default");
    expect(await loraBox.isChecked()).toBe(true);
    await form.getByLabel("Preset").selectOption("tiny");
    expect(await loraBox.isChecked()).toBe(false);
    expect(await form.getByLabel("Start from (BoigSD folder)").getAttribute("placeholder")).toBe("models/artifacts/boigsd-sft");
    await expect.poll(() => form.getByLabel("World data").inputValue(), { timeout: 30_000 }).toMatch(/shop-world$/);
    await form.getByLabel("Epochs").fill("8");
    await shot(admin, "3-launch-form");
    await form.getByRole("button", { name: "Launch run" }).click();
    await admin.waitForURL(/\/admin\/runs\/[0-9a-f-]{36}$/);
    runId = admin.url().split("/").at(-1)!;

    const rewardLine = admin.getByTestId("chart-reward").locator(".recharts-line-dots circle, .recharts-line-dot");
    await expect.poll(() => rewardLine.count(), { timeout: 240_000, interval: 1000 }).toBeGreaterThan(0);
    await shot(admin, "4-run-first-epoch");
    await admin.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(runStatus, { timeout: 60_000 }).toBe("cancelled");
    const pointsAtCancel = await rewardLine.count();
    await shot(admin, "5-run-cancelled");
    await admin.getByRole("button", { name: "Resume" }).click();
    await expect.poll(runStatus, { timeout: 60_000 }).toMatch(/queued|running/);
    await expect.poll(() => rewardLine.count(), { timeout: 240_000, interval: 1000 }).toBeGreaterThan(pointsAtCancel);
  }, 600_000);

  it("shows a SIGKILLed trainer as interrupted and resumes it from the UI to the end", async () => {
    const runDir = path.join(app.dataDir, "runs", runId);
    // Kill the trainer process of this run from outside (as the OOM killer would).
    execFileSync("pkill", ["-KILL", "-f", `boig_trainer train ddpo.*${runDir}`]);
    await expect.poll(runStatus, { timeout: 60_000 }).toBe("interrupted");
    await shot(admin, "6-run-interrupted");
    await admin.getByRole("button", { name: "Resume" }).click();
    await expect.poll(runStatus, { timeout: 300_000, interval: 1000 }).toBe("succeeded");
    await admin.getByRole("region", { name: "Sample grid" }).waitFor();
    await shot(admin, "7-run-finished");
    newVersion = JSON.parse(fs.readFileSync(path.join(runDir, "artifact", "manifest.json"), "utf8")).version;
    expect(newVersion).not.toBe(COMMITTED_BOIGSD);
  }, 400_000);

  async function generateAndReadBoigsdVersion(prompt: string) {
    await marketer.goto(`${app.url}/generate`);
    await expect.poll(async () => (await marketer.getByLabel("Brand").locator("option").allTextContents()).length, { timeout: 30_000 }).toBeGreaterThan(1);
    await marketer.getByLabel("Brand").selectOption({ index: 0 });
    await marketer.getByLabel("Post date").fill("2024-05-01");
    await marketer.getByLabel("Prompt").fill(prompt);
    await marketer.getByLabel("Variants").fill("1");
    await marketer.getByRole("button", { name: "Generate" }).click();
    await expect.poll(() => marketer.getByTestId("generation-status").textContent(), { timeout: 90_000 }).toBe("1 of 1 scored");
    await marketer.goto(`${app.url}/history`);
    const latest = marketer.getByTestId("history-item").first();
    await expect.poll(() => latest.textContent(), { timeout: 30_000 }).toContain(prompt);
    return (await latest.getByTestId("history-models").textContent())!.match(/boigsd (\S+)/)![1]!;
  }

  it("promotes the new BoigSD; the marketer's next generation uses it; rolling back restores the built-in model", async () => {
    await admin.goto(`${app.url}/admin/models`);
    await admin.getByRole("button", { name: `Promote boigsd ${newVersion}` }).click();
    await admin.getByRole("dialog").getByRole("button", { name: "Promote" }).click();
    await expect.poll(() => admin.getByTestId("active-boigsd").textContent(), { timeout: 60_000 }).toContain(newVersion);
    await shot(admin, "8-promoted");

    await signIn(marketer, app.url, MARKETER.email, MARKETER.password);
    await marketer.waitForURL(/\/generate$/);
    expect(await generateAndReadBoigsdVersion("Spring drop, promoted model")).toBe(newVersion);
    await shot(marketer, "9-history-new-model");

    await admin.getByRole("button", { name: "Roll back boigsd to the built-in default" }).click();
    await admin.getByRole("dialog").getByRole("button", { name: "Roll back" }).click();
    await expect.poll(() => admin.getByTestId("active-boigsd").textContent(), { timeout: 60_000 }).toMatch(/Built-in default/);
    await shot(admin, "10-rolled-back");
    expect(await generateAndReadBoigsdVersion("Spring drop, after the rollback")).toBe(COMMITTED_BOIGSD);
  }, 300_000);
});
