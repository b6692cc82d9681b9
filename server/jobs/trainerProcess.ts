/**
 * Runs the Python trainer (models/boig_trainer) as a subprocess and streams its JSON-lines
 * protocol (models/README.md). Cancelling the signal sends SIGTERM, then SIGKILL after a grace.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import { env } from "../env";
import { AppError } from "../errors";
import { NonRetryableJobError } from "./types";

/** The trainer died from a signal nobody here sent (SIGKILL by the OOM killer or an operator). */
export class TrainerInterruptedError extends NonRetryableJobError {
  constructor(readonly signal: string) {
    super(`Interrupted: the trainer was killed (${signal}); resume the run to continue from its last checkpoint`);
  }
}

export type TrainerEvent =
  | { type: "start"; total_steps?: number; resumed_from_step?: number; [k: string]: unknown }
  | { type: "progress"; step: number; total: number; loss?: number; message?: string; [k: string]: unknown }
  | { type: "checkpoint"; step: number; path: string }
  | { type: "artifact"; dir: string; manifest: unknown }
  | { type: "done"; metrics: Record<string, number> }
  | { type: "error"; message: string }
  | { type: string; [k: string]: unknown };

export async function runTrainer(
  args: string[],
  opts: { signal?: AbortSignal; onEvent: (e: TrainerEvent) => void | Promise<void>; onStderr?: (line: string) => void; graceMs?: number },
): Promise<{ events: TrainerEvent[] }> {
  const { BOIG_PYTHON, repoRoot } = env();
  const modelsDir = path.join(repoRoot, "models");
  const child = spawn(BOIG_PYTHON, ["-m", "boig_trainer", ...args], {
    cwd: modelsDir,
    env: { ...process.env, PYTHONPATH: modelsDir, PYTHONUNBUFFERED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const events: TrainerEvent[] = [];
  const stderrTail: string[] = [];
  let pending = Promise.resolve();
  readline.createInterface({ input: child.stdout }).on("line", (line) => {
    let event: TrainerEvent;
    try {
      event = JSON.parse(line);
    } catch {
      event = { type: "stdout", message: line };
    }
    events.push(event);
    pending = pending.then(() => opts.onEvent(event)).catch(() => {});
  });
  readline.createInterface({ input: child.stderr }).on("line", (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    opts.onStderr?.(line);
  });

  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    child.kill("SIGTERM");
    killTimer = setTimeout(() => child.kill("SIGKILL"), opts.graceMs ?? 5000);
  };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on("error", (err) =>
      reject(new AppError("UNAVAILABLE", `Cannot start the trainer with ${BOIG_PYTHON}: ${err.message} (set BOIG_PYTHON)`)),
    );
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(killTimer);
  opts.signal?.removeEventListener("abort", onAbort);
  await pending;
  if (opts.signal?.aborted) throw opts.signal.reason ?? new Error("cancelled");
  if (exit.signal) throw new TrainerInterruptedError(exit.signal);
  if (exit.code !== 0) {
    const reported = events.find((e) => e.type === "error") as { message?: string } | undefined;
    throw new AppError(
      "INTERNAL",
      `Trainer exited with ${exit.code ?? exit.signal}: ${reported?.message ?? stderrTail.slice(-5).join("\n")}`,
    );
  }
  return { events };
}
