import type { Db } from "../db/client";
import type { jobs } from "../db/schema";

export type JobRow = typeof jobs.$inferSelect;

export type JobContext<Payload = unknown, Checkpoint = unknown> = {
  job: JobRow;
  payload: Payload;
  db: Db;
  /** Fires when an admin cancels the job (or the worker stops): stop work promptly. */
  signal: AbortSignal;
  /** The state saved by the last committed step of an earlier attempt, or null. */
  checkpoint: Checkpoint | null;
  progress(fraction: number, message?: string): Promise<void>;
  log(message: string, level?: "info" | "warn" | "error"): Promise<void>;
  /**
   * Runs `work` in one transaction together with saving the checkpoint it returns.
   * Invariant: a step's effects and its checkpoint commit together or not at all, and only
   * while this worker still holds the job, so a resumed job neither loses nor repeats a step.
   */
  commitStep(work: (tx: Db) => Promise<Checkpoint>): Promise<Checkpoint>;
};

export type JobHandler<Payload = unknown, Checkpoint = unknown> = (
  ctx: JobContext<Payload, Checkpoint>,
) => Promise<unknown>;

export type JobHandlers = Record<string, JobHandler<never, never>>;

/**
 * A failure that retrying cannot fix by itself and that a person should look at first — e.g. a
 * trainer killed from outside (SIGKILL: out of memory, an operator): the worker ends the job as
 * failed at once instead of retrying; the admin resumes it from its checkpoint when ready.
 */
export class NonRetryableJobError extends Error {
  readonly retryable = false;
}
