/**
 * Trainer runs as durable jobs: the worker launches the real Python trainer as a subprocess,
 * streams its progress into the job, and cancel kills the subprocess.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, testDbKind } from "@/server/db/testing";
import type { DbHandle } from "@/server/db/client";
import { resetEnv } from "@/server/env";
import { useTempDataDir } from "./tempDataDir";
import { startWorker } from "@/server/jobs/worker";
import { jobHandlers } from "@/server/jobs/handlers";
import { runTrainer } from "@/server/jobs/trainerProcess";
import { launchTrainerRun } from "@/server/services/launchTrainerRun";
import { cancelJob } from "@/server/services/cancelJob";
import { getJob } from "@/server/services/getJob";
import { AppError } from "@/server/errors";
import { pollUntil } from "./pollUntil";

const waitFor = <T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000) => pollUntil(probe, ok, timeoutMs);

const trainerProcessesFor = (runDir: string) => {
  const out = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
  return out.split("\n").filter((line) => line.includes("boig_trainer") && line.includes(runDir));
};

describe(`trainer runs as jobs (${testDbKind()})`, () => {
  let handle: DbHandle;
  let worker: ReturnType<typeof startWorker>;
  const temp = useTempDataDir("trainer-job");
  const dataDir = temp.dataDir;

  beforeAll(async () => {
    temp.enter();
    handle = await createTestDb();
    worker = startWorker(handle.db, { handlers: jobHandlers, staleSeconds: 30, exclusive: false, pollMs: 100, heartbeatMs: 300 });
  });
  afterAll(async () => {
    await worker?.stop();
    await handle?.close();
    temp.leave();
  });

  it("trains, streams progress, and leaves a verified artifact", async () => {
    const job = await launchTrainerRun(handle.db, { task: "tiny", preset: "tiny", steps: 40, seed: 3 }, null);
    const seenProgress = new Set<number>();
    const done = await waitFor(
      async () => {
        const j = await getJob(handle.db, job.id);
        seenProgress.add(j.progress);
        return j;
      },
      (j) => ["succeeded", "failed", "cancelled"].includes(j.status),
    );
    expect(done.status, done.error ?? "").toBe("succeeded");
    expect(done.progress).toBe(1);
    const result = done.result as { runDir: string; artifact: { dir: string; manifest: { files: Record<string, { sha256: string }> } }; metrics: Record<string, number> };
    expect(result.runDir).toBe(path.join(dataDir, "runs", job.id));
    expect(fs.existsSync(path.join(result.artifact.dir, "model.onnx"))).toBe(true);
    expect(result.artifact.manifest.files["model.onnx"]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.metrics.eval_mae).toBeGreaterThan(0);
    expect(done.logs.map((l) => l.message).join("\n")).toMatch(/Starting: boig_trainer train tiny/);
  }, 120_000);

  it("cancel stops the run and kills the trainer subprocess", async () => {
    const job = await launchTrainerRun(handle.db, { task: "tiny", preset: "default", steps: 1_000_000 }, null);
    const runDir = path.join(dataDir, "runs", job.id);
    await waitFor(() => getJob(handle.db, job.id), (j) => j.status === "running" && j.progress > 0);
    expect(trainerProcessesFor(runDir).length).toBeGreaterThan(0);
    await cancelJob(handle.db, job.id, null);
    const after = await waitFor(() => getJob(handle.db, job.id), (j) => j.status !== "running");
    expect(after.status).toBe("cancelled");
    await waitFor(async () => trainerProcessesFor(runDir).length, (n) => n === 0, 15_000);
  }, 120_000);

  it("a trainer whose launching process is SIGKILLed stops too, leaving a checkpoint", async () => {
    const runDir = path.join(dataDir, "orphan-run");
    const launcher = `
      const { spawn } = require("node:child_process");
      const child = spawn(process.env.PY, ["-m", "boig_trainer", "train", "tiny", "--preset", "default", "--steps", "1000000", "--out", process.env.RUN_DIR],
        { cwd: "models", env: { ...process.env, PYTHONPATH: "models" }, stdio: ["ignore", "inherit", "ignore"] });
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ["-e", launcher], {
      env: { ...process.env, PY: process.env.BOIG_PYTHON ?? "/usr/bin/python3", RUN_DIR: runDir },
      stdio: ["ignore", "pipe", "ignore"],
    });
    await new Promise<void>((resolve) => parent.stdout!.on("data", (d: Buffer) => d.toString().includes('"progress"') && resolve()));
    expect(trainerProcessesFor(runDir).length).toBeGreaterThan(0);
    parent.kill("SIGKILL");
    await waitFor(async () => trainerProcessesFor(runDir).length, (n) => n === 0, 15_000);
    expect(fs.existsSync(path.join(runDir, "checkpoint.pt"))).toBe(true);
  }, 60_000);

  it("says clearly when the Python interpreter is missing", async () => {
    process.env.BOIG_PYTHON = "/nonexistent/python3";
    resetEnv();
    try {
      await expect(runTrainer(["train", "tiny", "--out", path.join(dataDir, "x")], { onEvent: () => {} })).rejects.toSatisfy(
        (err: unknown) => err instanceof AppError && err.code === "UNAVAILABLE" && /BOIG_PYTHON/.test(err.message),
      );
    } finally {
      delete process.env.BOIG_PYTHON;
      resetEnv();
    }
  });

  it("reports the trainer's own error line on bad arguments", async () => {
    await expect(runTrainer(["train", "no-such-task", "--out", path.join(dataDir, "y")], { onEvent: () => {} })).rejects.toThrow(
      /Trainer exited with 2/,
    );
  });
});
