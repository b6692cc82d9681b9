/**
 * `boig worker` as a standalone process against a Postgres server (the scaled setup of SPEC §2):
 * it picks up a job queued by another process, runs it, and stops cleanly on SIGTERM.
 * PGlite is single-process, so this runs in the Postgres pass only.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgres } from "@/server/db/client";
import { createTestDatabaseUrl, testDbKind } from "@/server/db/testing";
import { enqueueJob } from "@/server/services/enqueueJob";
import { getJob } from "@/server/services/getJob";

describe.runIf(testDbKind() === "postgres")("boig worker against DATABASE_URL", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it("runs a job queued elsewhere and exits 0 on SIGTERM", async () => {
    const server = (await createTestDatabaseUrl())!;
    cleanups.push(server.drop);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "boig-worker-cli-"));
    cleanups.push(() => fs.rmSync(root, { recursive: true, force: true }));
    const folder = path.join(root, "import");
    fs.mkdirSync(folder);
    const png = new PNG({ width: 4, height: 4 });
    png.data.fill(200);
    fs.writeFileSync(path.join(folder, "a.png"), PNG.sync.write(png));
    fs.writeFileSync(path.join(folder, "posts.csv"), "post_id,account,posted_at,text,keywords,likes,media\n1,acme,2024-01-01,hello,,5,a.png\n");

    const handle = await openPostgres(server.url);
    cleanups.push(() => handle.close());
    const job = await enqueueJob(handle.db, { kind: "data.import", payload: { dir: folder, name: "cli" } }, null);

    const worker = spawn(process.execPath, ["bin/boig.mjs", "worker"], {
      env: { ...process.env, DATABASE_URL: server.url, BOIG_DATA_DIR: path.join(root, "data"), BOIG_DEMO_WORLD: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    worker.stdout!.on("data", (d) => (output += d));
    worker.stderr!.on("data", (d) => (output += d));
    const exited = new Promise<number | null>((r) => worker.on("exit", (code) => r(code)));

    const deadline = Date.now() + 60_000;
    let status = "";
    while (Date.now() < deadline) {
      status = (await getJob(handle.db, job.id)).status;
      if (status === "succeeded" || status === "failed") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status, output).toBe("succeeded");
    expect(output).toMatch(/database postgres, workers /);
    worker.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 90_000);
});
