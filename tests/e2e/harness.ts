/**
 * Starts the built app (`next start`) on a free port with an empty data dir and a known admin,
 * and launches Debian's chromium through playwright-core.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const ADMIN = { email: "admin@e2e.test", password: "admin-password-1" };
export const SCREENSHOT_DIR = path.resolve("test-results/e2e");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export type AppServer = { url: string; dataDir: string; output: () => string; stop: () => Promise<void> };

export async function startApp(extraEnv: Record<string, string> = {}): Promise<AppServer> {
  if (!fs.existsSync(".next/BUILD_ID")) throw new Error("No production build: run `npx next build` first");
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "boig-e2e-"));
  let output = "";
  const child: ChildProcess = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(port)], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      BOIG_DATA_DIR: dataDir,
      BOIG_DEMO_WORLD: "0",
      BOIG_ADMIN_EMAIL: ADMIN.email,
      BOIG_ADMIN_PASSWORD: ADMIN.password,
      NEXTAUTH_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: "",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/signin`);
      if (res.status === 200 && output.includes("BOIG Studio: database")) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`app did not start in time:\n${output}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url,
    dataDir,
    output: () => output,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.BOIG_CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
}

/** Fills the sign-in form and submits it (the caller waits for where it should land). */
export async function signIn(page: Page, appUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${appUrl}/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** As a signed-in admin: adds a user through Admin → Users and waits for the confirmation. */
export async function addUserAsAdmin(page: Page, appUrl: string, user: { email: string; name: string; password: string; role?: "marketer" | "admin" }) {
  const role = user.role ?? "marketer";
  await page.goto(`${appUrl}/admin/users`);
  const form = page.getByRole("form", { name: "Add user" });
  await form.getByLabel("Email").fill(user.email);
  await form.getByLabel("Name").fill(user.name);
  await form.getByLabel("Password").fill(user.password);
  await form.getByLabel("Role").selectOption(role);
  await form.getByRole("button", { name: "Add user" }).click();
  // The demo-data banner is a status region too while the first-start import runs: pick ours by its text.
  await page.getByRole("status").filter({ hasText: `Added ${user.email} as ${role}` }).waitFor();
}
