/**
 * SIGKILL a real worker process mid-job, start a new one, and show the job completes with
 * every step done exactly once (SPEC §2, §8). Runs on PGlite (data dir on disk) and, in CI,
 * on a Postgres server (BOIG_TEST_DB=postgres).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { createTestDatabaseUrl, testDbKind } from "@/server/db/testing";

type Line = { event: string; [k: string]: unknown };

function runWorker(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "tests/fixtures/countingWorker.ts", ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Line[] = [];
  const waiters: { test: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += d));
  readline.createInterface({ input: child.stdout! }).on("line", (text) => {
    let line: Line;
    try {
      line = JSON.parse(text);
    } catch {
      return;
    }
    lines.push(line);
    for (const w of [...waiters]) if (w.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
  });
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const waitFor = (test: (l: Line) => boolean, timeoutMs = 60_000) =>
    new Promise<Line>((resolve, reject) => {
      const found = lines.find(test);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`timed out; stderr: ${stderr}; lines: ${JSON.stringify(lines)}`)), timeoutMs);
      waiters.push({ test, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  return { child: child as ChildProcess, lines, exited, waitFor, stderr: () => stderr };
}

describe(`durable jobs survive a killed worker (${testDbKind()})`, () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it("completes the job after SIGKILL, each step exactly once", async () => {
    const STEPS = 25;
    const server = await createTestDatabaseUrl();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "boig-kill-"));
    cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    if (server) cleanups.push(server.drop);
    const env: Record<string, string> = server
      ? { DATABASE_URL: server.url, BOIG_JOB_STALE_SECONDS: "2" }
      : { BOIG_DATA_DIR: dataDir };

    const first = runWorker(["--enqueue", String(STEPS)], env);
    await first.waitFor((l) => l.event === "step" && (l.step as number) >= 6);
    first.child.kill("SIGKILL");
    expect(await first.exited).toBeNull(); // killed by signal, not a clean exit
    const doneBeforeKill = first.lines.filter((l) => l.event === "step").length;
    expect(doneBeforeKill).toBeLessThan(STEPS);

    const second = runWorker([], env);
    const resumed = await second.waitFor((l) => l.event === "resume-from");
    const summary = await second.waitFor((l) => l.event === "summary", 90_000);
    expect(await second.exited).toBe(0);

    // Resumed from the checkpoint (not from zero), at the step after the last committed one.
    expect(resumed.step).toBeGreaterThanOrEqual(doneBeforeKill);
    expect(resumed.step).toBeGreaterThan(0);
    expect(summary).toMatchObject({ status: "succeeded", attempts: 2, progress: 1, total: STEPS, distinct_steps: STEPS });
    expect(summary.logs).toEqual(expect.arrayContaining([expect.stringMatching(/Recovered from a stopped worker/)]));
  }, 180_000);
});
