/**
 * Workload "api": latency of the running app under 32 concurrent clients (autocannon), through
 * the REST API with an API key — a read (`GET /api/v1/brands`) and a generate request
 * (`POST /api/v1/generations`, answered 202 once queued). It starts the production build
 * (`next start`, needs `npx next build`) on a free port with its own data folder and a small demo
 * world, signs in as the admin over HTTP and creates a key the way a user would.
 * autocannon reports p97.5 rather than p95; we report p97.5 (the stricter of the two).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { env } from "../env";
import type { Workload } from "./benchModels";

const ADMIN = { email: "bench@boig.local", password: "bench-password-1" };

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });

async function signInAndCreateKey(url: string): Promise<string> {
  const jar = new Map<string, string>();
  const remember = (res: Response) => {
    for (const cookie of res.headers.getSetCookie()) {
      const [pair] = cookie.split(";");
      const [name, ...value] = pair!.split("=");
      jar.set(name!, value.join("="));
    }
  };
  const cookies = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = await fetch(`${url}/api/auth/csrf`);
  remember(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const login = await fetch(`${url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies() },
    body: new URLSearchParams({ csrfToken, email: ADMIN.email, password: ADMIN.password, json: "true" }),
  });
  remember(login);
  const created = await fetch(`${url}/api/trpc/me.apiKeys.create`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: cookies() },
    body: JSON.stringify({ json: { name: "bench" } }),
  });
  const body = (await created.json()) as { result?: { data?: { json?: { key?: string } } } };
  const key = body.result?.data?.json?.key;
  if (!key) throw new Error(`could not create an API key: ${JSON.stringify(body).slice(0, 300)}`);
  return key;
}

function cannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon(options, (err, result) => (err ? reject(err) : resolve(result))));
}

export async function benchApi(options: { seconds: number; log: (line: string) => void }): Promise<Workload[]> {
  const root = env().repoRoot;
  if (!fs.existsSync(path.join(root, ".next", "BUILD_ID")))
    return [{ workload: "API latency", unit: "ms", ours: Number.NaN, reference: null, referenceWhat: "—", ratio: null, floorMs: null, percentOfFloor: null, notes: ["skipped: no production build (run `npx next build` first)"] }];
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "boig-bench-api-"));
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "start", "-p", String(port)], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      BOIG_DATA_DIR: dataDir,
      DATABASE_URL: "",
      BOIG_DEMO_WORLD: "1",
      BOIG_DEMO_POSTS_PER_BRAND: "24",
      BOIG_ADMIN_EMAIL: ADMIN.email,
      BOIG_ADMIN_PASSWORD: ADMIN.password,
      BOIG_GENERATIONS_PER_MINUTE: "10000",
      BOIG_ACTIVE_GENERATIONS: "1000",
      NEXTAUTH_URL: url,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  try {
    options.log("bench api: starting the app…");
    const deadline = Date.now() + 120_000;
    while (!output.includes("BOIG Studio: database")) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the app did not start:\n${output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const key = await signInAndCreateKey(url);
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    options.log("bench api: waiting for the demo world import…");
    let brand = "";
    while (!brand) {
      if (Date.now() > deadline + 180_000) throw new Error("the demo world did not import in time");
      const res = await fetch(`${url}/api/v1/brands`, { headers });
      brand = ((await res.json()) as { items?: { name: string }[] }).items?.[0]?.name ?? "";
      if (!brand) await new Promise((r) => setTimeout(r, 1000));
    }
    // The demo import verbalizes in the app's own process: measure once the job queue is idle.
    for (;;) {
      const res = await fetch(`${url}/api/v1/admin/jobs?status=queued,running`, { headers });
      if (((await res.json()) as { items?: unknown[] }).items?.length === 0) break;
      if (Date.now() > deadline + 600_000) throw new Error("the demo import did not finish in time");
      await new Promise((r) => setTimeout(r, 1000));
    }
    options.log(`bench api: ${options.seconds} s of GET /api/v1/brands, 32 clients…`);
    const read = await cannon({ url: `${url}/api/v1/brands`, connections: 32, duration: options.seconds, headers });
    options.log(`bench api: ${options.seconds} s of POST /api/v1/generations, 32 clients…`);
    const body = JSON.stringify({ brand, date: "2024-07-04", prompt: "summer launch of the new bottle", keywords: ["summer"], targetKpi: "high", variants: 1 });
    const write = await cannon({ url: `${url}/api/v1/generations`, method: "POST", connections: 32, duration: options.seconds, headers, body });
    const row = (name: string, r: autocannon.Result): Workload => ({
      workload: `API ${name}, 32 clients: p50 (p97.5)`,
      unit: "ms",
      ours: r.latency.p50,
      reference: null,
      referenceWhat: "—",
      ratio: null,
      floorMs: null,
      percentOfFloor: null,
      notes: [`p97.5 ${r.latency.p97_5} ms, p99 ${r.latency.p99} ms, ${r.requests.average.toFixed(0)} req/s, ${r.non2xx} non-2xx of ${r.requests.total}, ${r.errors} errors`],
    });
    return [row("GET /api/v1/brands", read), row("POST /api/v1/generations (202)", write)];
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
