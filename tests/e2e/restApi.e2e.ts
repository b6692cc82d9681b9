/**
 * The REST API end to end, as an integrator uses it: an admin creates an API key on Settings,
 * then plain curl asks for two variants of a prompt for a demo brand with `"wait": true` and gets
 * the scored generation back (and an image's bytes); without a key the API answers 401; a
 * marketer's own key is refused (403) on an admin route, and stops working once revoked.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { ADMIN, SCREENSHOT_DIR, launchBrowser, signIn as signInAs, startApp, type AppServer, addUserAsAdmin } from "./harness";

const MARKETER = { email: "rita@brand.test", password: "marketer-pass-3" };
const OUT = path.join(SCREENSHOT_DIR, "restApi");
// The tiny test models keep two variants within seconds on a 2-core machine.
const LLM_DIR = path.resolve("tests/fixtures/llm/boigllm-tiny");
const SD_DIR = path.resolve("tests/fixtures/sd/boigsd-tiny");

type CurlResult = { status: number; headers: Record<string, string>; body: string; bytes: Buffer };

describe("REST API with per-user API keys", () => {
  let app: AppServer;
  let browser: Browser;
  let page: Page;
  let scratch: string;
  let adminKey = "";
  let marketerKey = "";
  const shot = (name: string) => page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });

  /** Runs curl like an integrator would; status, headers and body come back for the asserts. */
  function curl(args: string[]): CurlResult {
    const headerFile = path.join(scratch, "headers.txt");
    const bodyFile = path.join(scratch, "body.bin");
    const status = execFileSync("curl", ["-sS", "-D", headerFile, "-o", bodyFile, "-w", "%{http_code}", "--max-time", "170", ...args], {
      encoding: "utf8",
      timeout: 180_000,
    });
    const headers: Record<string, string> = {};
    for (const line of fs.readFileSync(headerFile, "utf8").split(/\r?\n/)) {
      const match = line.match(/^([\w-]+):\s*(.*)$/);
      if (match) headers[match[1]!.toLowerCase()] = match[2]!;
    }
    const bytes = fs.readFileSync(bodyFile);
    return { status: Number(status), headers, body: bytes.toString("utf8"), bytes };
  }
  const bearer = (key: string) => ["-H", `Authorization: Bearer ${key}`];

  beforeAll(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "boig-rest-e2e-"));
    // A small demo world so brands exist: 24 brands × 24 posts, imported by the first-start job.
    app = await startApp({ BOIG_DEMO_WORLD: "1", BOIG_DEMO_POSTS_PER_BRAND: "24", BOIG_BOIGLLM_DIR: LLM_DIR, BOIG_BOIGSD_DIR: SD_DIR });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  async function signIn(email: string, password: string) {
    await signInAs(page, app.url, email, password);
    await page.waitForURL(/\/generate$/);
  }

  /** Settings → Create API key; returns the key shown once. */
  async function createKey(name: string, screenshot: string): Promise<string> {
    await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Settings" }).click();
    await page.waitForURL(/\/settings$/);
    const form = page.getByRole("form", { name: "Create API key" });
    await form.getByLabel("Key name").fill(name);
    await form.getByRole("button", { name: "Create key" }).click();
    const field = page.getByLabel(/^New API key/);
    await field.waitFor();
    const key = await field.inputValue();
    expect(key).toMatch(/^boig_[0-9a-f]{8}_[A-Za-z0-9_-]{32}$/);
    await page.getByText("it is not shown again").waitFor();
    const row = page.getByRole("table", { name: "API keys" }).getByRole("row").filter({ hasText: name });
    await row.getByText(`${key.slice(0, 13)}…`).waitFor();
    expect(await row.getByText("active").count()).toBe(1);
    await shot(screenshot);
    return key;
  }

  it("an admin creates an API key on Settings", async () => {
    await signIn(ADMIN.email, ADMIN.password);
    await page.getByRole("navigation", { name: "Account" }).getByRole("link", { name: "Settings" }).click();
    await page.waitForURL(/\/settings$/);
    await page.getByText("No API keys yet.").waitFor();
    await shot("1-settings-empty");
    // An empty name is refused next to the field.
    await page.getByRole("form", { name: "Create API key" }).getByRole("button", { name: "Create key" }).click();
    await page.locator("#api-key-name-error").waitFor();
    expect(await page.locator("#api-key-name-error").textContent()).toContain("Key name is required");
    await shot("2-settings-name-required");
    adminKey = await createKey("curl from the README", "3-settings-key-created");
  });

  it("without a key the API answers 401", () => {
    const res = curl([`${app.url}/api/v1/brands`]);
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "UNAUTHENTICATED" } });
    const post = curl(["-H", "content-type: application/json", "-d", '{"prompt":"x"}', `${app.url}/api/v1/generations`]);
    expect(post.status).toBe(401);
  });

  it("curl with the key: two scored variants for a demo brand, waiting for them", { timeout: 420_000 }, async () => {
    // The first-start job imports the demo world in the background: wait for its brands.
    let brands: { name: string; posts: number }[] = [];
    const deadline = Date.now() + 180_000;
    while (brands.length === 0) {
      const res = curl([...bearer(adminKey), `${app.url}/api/v1/brands`]);
      expect(res.status).toBe(200);
      brands = (JSON.parse(res.body) as { items: typeof brands }).items;
      if (brands.length > 0) break;
      if (Date.now() > deadline) throw new Error(`no brands after 3 minutes:\n${app.output()}`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
    const brand = brands[0]!.name;
    const request = { brand, date: "2024-03-15", prompt: "Fall sale: grab the yellow cup for 10% less", keywords: ["sale", "cup"], targetKpi: "high", variants: 2, wait: true };
    const res = curl([...bearer(adminKey), "-H", "content-type: application/json", "-d", JSON.stringify(request), `${app.url}/api/v1/generations`]);
    const generation = JSON.parse(res.body) as {
      id: string;
      status: string;
      error: string | null;
      brand: string;
      createdAt: string;
      images: { id: string; url: string; rewardCalibrated: unknown; rewardPaper: unknown; probabilityHigh: unknown }[];
    };
    expect(res.status, res.body).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/generations/${generation.id}`);
    expect(generation.status, generation.error ?? "").toBe("succeeded");
    expect(generation.brand).toBe(brand);
    expect(generation.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(generation.images).toHaveLength(2);
    for (const image of generation.images) {
      expect(typeof image.rewardCalibrated).toBe("number");
      expect(Number.isFinite(image.rewardCalibrated)).toBe(true);
      expect(typeof image.probabilityHigh).toBe("number");
      expect(image.url).toBe(`/api/v1/images/${image.id}`);
    }
    fs.writeFileSync(path.join(OUT, "generation.json"), JSON.stringify(generation, null, 2));

    const again = curl([...bearer(adminKey), `${app.url}${res.headers.location}`]);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ id: generation.id, status: "succeeded" });

    const image = curl(["-H", `X-API-Key: ${adminKey}`, `${app.url}${generation.images[0]!.url}`]);
    expect(image.status).toBe(200);
    expect(image.headers["content-type"]).toMatch(/^image\/(png|jpeg)$/);
    expect(image.bytes.subarray(1, 4).toString("latin1") === "PNG" || image.bytes[0] === 0xff).toBe(true);
    expect(curl([`${app.url}${generation.images[0]!.url}`]).status).toBe(401);

    // The key's "last used" shows on Settings.
    await page.reload();
    const row = page.getByRole("table", { name: "API keys" }).getByRole("row").filter({ hasText: "curl from the README" });
    await expect.poll(async () => (await row.locator("td").nth(3).textContent())?.trim()).not.toBe("Never");
    await shot("4-settings-key-used");
  });

  it("a marketer's key is refused on an admin route (403), and stops working once revoked", async () => {
    await addUserAsAdmin(page, app.url, { ...MARKETER, name: "Rita" });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/signin/);
    await signIn(MARKETER.email, MARKETER.password);
    expect(await page.getByRole("navigation", { name: "Admin" }).count()).toBe(0);
    marketerKey = await createKey("marketer script", "5-settings-marketer-key");

    const jobs = curl([...bearer(marketerKey), `${app.url}/api/v1/admin/jobs`]);
    expect(jobs.status).toBe(403);
    expect(JSON.parse(jobs.body)).toMatchObject({ error: { code: "FORBIDDEN" } });
    expect(curl([...bearer(adminKey), `${app.url}/api/v1/admin/jobs`]).status).toBe(200);
    // The marketer's own routes work with the key, and History holds none of the admin's generations.
    const history = curl([...bearer(marketerKey), `${app.url}/api/v1/generations`]);
    expect(history.status).toBe(200);
    expect(JSON.parse(history.body)).toEqual({ items: [], nextCursor: null });

    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Revoke marketer script" }).click();
    const row = page.getByRole("table", { name: "API keys" }).getByRole("row").filter({ hasText: "marketer script" });
    await row.getByText("revoked").waitFor();
    await shot("6-settings-key-revoked");
    const revoked = curl([...bearer(marketerKey), `${app.url}/api/v1/brands`]);
    expect(revoked.status).toBe(401);
    expect(JSON.parse(revoked.body)).toMatchObject({ error: { code: "UNAUTHENTICATED", message: "Invalid or revoked API key" } });
  });
});
