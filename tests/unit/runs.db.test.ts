/**
 * Training runs as the Runs page drives them: settings from the form reach the trainer as --set
 * and its reproduce command; a trainer killed with SIGKILL leaves the run "interrupted" (no
 * silent auto-retry), and Resume continues it from its last checkpoint to the end, with its
 * metric history (loss per step, ETA in the message) intact.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/server/db/client";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { AppError } from "@/server/errors";
import { backgroundJobHandlers } from "@/server/jobs/handlers";
import { readRunMetrics } from "@/server/jobs/runMetrics";
import { startWorker } from "@/server/jobs/worker";
import { getRun, readRunGrid } from "@/server/services/getRun";
import { launchTrainerRun, trainerArgs } from "@/server/services/launchTrainerRun";
import { resumeTrainerRun } from "@/server/services/resumeTrainerRun";
import { useTempDataDir } from "./tempDataDir";
import { pollUntil } from "./pollUntil";

const waitFor = <T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 90_000) => pollUntil(probe, ok, timeoutMs);

const trainerPids = (runDir: string) =>
  execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes("boig_trainer") && line.includes(runDir))
    .map((line) => Number(line.trim().split(/\s+/)[0]));

describe(`training runs: settings, interrupt, resume (${testDbKind()})`, () => {
  let handle: DbHandle;
  let worker: ReturnType<typeof startWorker>;
  const temp = useTempDataDir("runs");

  beforeAll(async () => {
    temp.enter();
    handle = await createTestDb();
    worker = startWorker(handle.db, { handlers: backgroundJobHandlers, staleSeconds: 30, exclusive: false, pollMs: 100, heartbeatMs: 300 });
  });
  afterAll(async () => {
    await worker?.stop();
    await handle?.close();
    temp.leave();
  });

  it("validates settings per task, field by field", async () => {
    const bad = async (settings: Record<string, number | string>, field: string) => {
      const error = await launchTrainerRun(handle.db, { task: "tiny", settings }, null).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(((error as AppError).details?.fields as { path: string }[]).map((f) => f.path)).toContain(field);
    };
    await bad({ clip_range: 0.1 }, "settings.clip_range"); // a DDPO setting on the tiny task
    await bad({ learning_rate: -1 }, "settings.learning_rate");
    await bad({ batch_size: 2.5 }, "settings.batch_size");
    await bad({ kpi_contrast_weight: 1 }, "settings.kpi_contrast_weight"); // an LLM setting on the tiny task
    await bad({ kpi_pair_weight: 1 }, "settings.kpi_pair_weight");
    expect(trainerArgs({ task: "llm", preset: "tiny", seed: 0, device: "cpu", data: "/i", variant: "behavior", settings: { kpi_contrast_weight: 0.5 } }, "/out", false))
      .toEqual(expect.arrayContaining(["--set", "kpi_contrast_weight=0.5"]));
    const nokpi = await launchTrainerRun(handle.db, { task: "llm", data: "/i", variant: "nokpi", settings: { kpi_contrast_weight: 1 } }, null).catch((e: unknown) => e);
    expect(((nokpi as AppError).details?.fields as { path: string }[]).map((f) => f.path)).toContain("settings.kpi_contrast_weight");
    const nokpiPairs = await launchTrainerRun(handle.db, { task: "llm", data: "/i", variant: "nokpi", settings: { kpi_pair_weight: 1 } }, null).catch((e: unknown) => e);
    expect(((nokpiPairs as AppError).details?.fields as { path: string }[]).map((f) => f.path)).toContain("settings.kpi_pair_weight");
    expect(trainerArgs({ task: "llm", preset: "tiny", seed: 0, device: "cpu", data: "/i", variant: "behavior", settings: { kpi_pair_weight: 1 } }, "/out", false))
      .toEqual(expect.arrayContaining(["--set", "kpi_pair_weight=1"]));
    const ddpo = await launchTrainerRun(handle.db, { task: "ddpo", data: "/nowhere", settings: { prompt_set: "everything" } }, null).catch((e: unknown) => e);
    expect(((ddpo as AppError).details?.fields as { path: string }[]).map((f) => f.path)).toContain("settings.prompt_set");
    const anchor = await launchTrainerRun(handle.db, { task: "ddpo", data: "/nowhere", settings: { anchor_bucket: "best", anchor_weight: 0 } }, null).catch((e: unknown) => e);
    expect((anchor as AppError).details?.fields).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: "settings.anchor_bucket", message: expect.stringContaining("must be one of all, high, medium, low") }),
      expect.objectContaining({ path: "settings.anchor_weight", message: expect.stringContaining("must be a positive number") }),
    ]));
    const lora = await launchTrainerRun(handle.db, { task: "llm", data: "/i", variant: "behavior", settings: { lora_learning_rate: 0.003 } }, null).catch((e: unknown) => e);
    expect(((lora as AppError).details?.fields as { path: string }[]).map((f) => f.path)).toContain("settings.lora_learning_rate"); // a DDPO setting
    const args = trainerArgs(
      { task: "ddpo", preset: "tiny", seed: 0, device: "cpu", data: "/w", settings: { ddim_steps: 6, prompt_set: "stock", anchor_weight: 1, anchor_bucket: "high", lora_learning_rate: 0.003 } },
      "/out", false,
    );
    expect(args.join(" ")).toContain("--set ddim_steps=6 --set prompt_set=stock --set anchor_weight=1 --set anchor_bucket=high --set lora_learning_rate=0.003");
    expect(trainerArgs({ task: "tiny", preset: "tiny", seed: 0, device: "cpu", settings: { batch_size: 4 } }, "/out", true)).not.toContain("--set");
    // `boig train --resume` without --preset/--seed takes them from the checkpoint (a default-preset run resumes as itself).
    const resumed = { task: "ddpo" as const, preset: "tiny" as const, seed: 0, device: "cpu" as const, data: "/w", settings: {} };
    expect(trainerArgs(resumed, "/out", true, ["preset", "seed"])).not.toEqual(expect.arrayContaining(["--preset"]));
    expect(trainerArgs(resumed, "/out", true, ["preset", "seed"])).not.toContain("--seed");
    expect(trainerArgs(resumed, "/out", true, ["seed"]).join(" ")).toContain("--preset tiny");
    expect(trainerArgs(resumed, "/out", false, ["preset", "seed"]).join(" ")).toContain("--preset tiny --seed 0");
  });

  it("passes settings to the trainer and records them in the reproduce command", async () => {
    const job = await launchTrainerRun(handle.db, { task: "tiny", preset: "tiny", steps: 30, settings: { learning_rate: 0.02 } }, null);
    const run = await waitFor(() => getRun(handle.db, job.id), (r) => ["succeeded", "failed"].includes(r.status));
    expect(run.status, run.error ?? "").toBe("succeeded");
    const manifest = JSON.parse(fs.readFileSync(path.join(run.result!.artifact!.dir, "manifest.json"), "utf8"));
    expect(manifest.training.command).toMatch(/ --set learning_rate=0\.02 --out /);
    expect(run.metrics.progress.length).toBeGreaterThan(1);
    expect(run.metrics.progress.at(-1)!.step).toBe(30);
  }, 120_000);

  it("a SIGKILLed trainer leaves the run interrupted; Resume finishes it from the checkpoint", async () => {
    const job = await launchTrainerRun(handle.db, { task: "tiny", preset: "tiny", steps: 800 }, null);
    const runDir = path.join(temp.dataDir, "runs", job.id);
    // Past the first checkpoint, then kill the trainer from outside (as the OOM killer would).
    await waitFor(() => getRun(handle.db, job.id), () => fs.existsSync(path.join(runDir, "checkpoint.pt")) && trainerPids(runDir).length > 0);
    for (const pid of trainerPids(runDir)) process.kill(pid, "SIGKILL");
    const interrupted = await waitFor(() => getRun(handle.db, job.id), (r) => r.status !== "running" && r.status !== "queued");
    expect(interrupted.status).toBe("failed");
    expect(interrupted.interrupted).toBe(true);
    expect(interrupted.resumable).toBe(true);
    expect(interrupted.error).toMatch(/^Interrupted: the trainer was killed \(SIGKILL\)/);
    const stepsBefore = readRunMetrics(runDir).progress.at(-1)!.step;
    expect(stepsBefore).toBeLessThan(800);

    await resumeTrainerRun(handle.db, job.id, null);
    const done = await waitFor(() => getRun(handle.db, job.id), (r) => ["succeeded", "failed"].includes(r.status) && String(r.startedAt) !== String(interrupted.startedAt), 240_000);
    expect(done.status, done.error ?? "").toBe("succeeded");
    expect(done.logs.map((l) => l.message).join("\n")).toMatch(/Resuming: boig_trainer train tiny .* --resume/);
    const history = readRunMetrics(runDir).progress;
    expect(history.at(-1)!.step).toBe(800);
    expect(history[0]!.step).toBeLessThan(stepsBefore); // the history from before the kill is kept
    await expect(resumeTrainerRun(handle.db, job.id, null)).rejects.toMatchObject({ code: "CONFLICT" });
  }, 360_000);

  it("serves only grid files by their exact name", async () => {
    const runs = await getRun(handle.db, (await launchTrainerRun(handle.db, { task: "tiny", steps: 1 }, null)).id);
    await expect(readRunGrid(handle.db, runs.id, "../../etc/passwd")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(readRunGrid(handle.db, runs.id, "epoch-001.png")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
