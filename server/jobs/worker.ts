/**
 * A job worker: claims jobs of the kinds it has handlers for and runs them one at a time
 * per slot, with heartbeats (lease + cancel detection) and periodic orphan recovery.
 * Embedded default: started inside the web process; `boig worker` runs it standalone.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { jobs } from "../db/schema";
import { appendJobLog, claimNextJob, finishJob, heartbeat, recoverOrphanedJobs } from "./queue";
import { NonRetryableJobError, type JobContext, type JobHandlers, type JobRow } from "./types";

export type WorkerOptions = {
  handlers: JobHandlers;
  /** How many jobs run at once in this process (2 cores: keep it small). */
  concurrency?: number;
  pollMs?: number;
  heartbeatMs?: number;
  /** Running jobs with an older heartbeat are orphans (their worker died). */
  staleSeconds: number;
  /** Embedded PGlite: no other worker can exist, so every running job at start is an orphan. */
  exclusive: boolean;
  onEvent?: (event: { type: string; jobId?: string; message?: string }) => void;
};

export class LostLeaseError extends Error {
  constructor(jobId: string) {
    super(`Job ${jobId} is no longer held by this worker`);
  }
}

/** Waits `ms`, or less if `signal` aborts; leaves no listener behind either way. */
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export function startWorker(db: Db, options: WorkerOptions) {
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const { concurrency = 1, pollMs = 500, heartbeatMs = 2000 } = options;
  const stopping = new AbortController();
  const emit = options.onEvent ?? (() => {});
  const kinds = Object.keys(options.handlers);

  async function runOne(job: JobRow) {
    const cancel = new AbortController();
    const stopListener = () => cancel.abort(new Error("worker stopping"));
    stopping.signal.addEventListener("abort", stopListener);
    const beat = setInterval(async () => {
      try {
        const state = await heartbeat(db, job.id, workerId);
        if (!state.leaseHeld) cancel.abort(new LostLeaseError(job.id));
        else if (state.cancelRequested) cancel.abort(new Error("cancelled"));
      } catch (err) {
        emit({ type: "heartbeat-error", jobId: job.id, message: String(err) });
      }
    }, heartbeatMs);
    let checkpoint: unknown = job.checkpoint ?? null;
    const ctx: JobContext = {
      job,
      payload: job.payload,
      db,
      signal: cancel.signal,
      get checkpoint() {
        return checkpoint;
      },
      progress: async (fraction, message) => {
        const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
        await db
          .update(jobs)
          .set({ progress: clamped, ...(message !== undefined ? { progressMessage: message.slice(0, 500) } : {}) })
          .where(and(eq(jobs.id, job.id), eq(jobs.lockedBy, workerId)));
      },
      log: (message, level) => appendJobLog(db, job.id, message, level),
      commitStep: async (work) =>
        db.transaction(async (tx) => {
          const next = await work(tx as unknown as Db);
          const saved = await tx
            .update(jobs)
            .set({ checkpoint: next as never, heartbeatAt: sql`now()` })
            .where(and(eq(jobs.id, job.id), eq(jobs.lockedBy, workerId), eq(jobs.status, "running")))
            .returning({ id: jobs.id });
          if (saved.length === 0) throw new LostLeaseError(job.id); // rolls the step back
          checkpoint = next;
          return next;
        }),
    };
    emit({ type: "start", jobId: job.id, message: job.kind });
    try {
      const handler = options.handlers[job.kind]!;
      const result = await handler(ctx as never);
      if (cancel.signal.aborted) throw cancel.signal.reason;
      await finishJob(db, job.id, workerId, { status: "succeeded", result: result ?? null });
      emit({ type: "succeeded", jobId: job.id });
    } catch (err) {
      const reason = cancel.signal.aborted ? cancel.signal.reason : err;
      if (reason instanceof LostLeaseError) {
        emit({ type: "lost-lease", jobId: job.id });
      } else if (cancel.signal.aborted && !stopping.signal.aborted) {
        await finishJob(db, job.id, workerId, { status: "cancelled", error: "Cancelled by request" });
        await appendJobLog(db, job.id, "Cancelled", "warn");
        emit({ type: "cancelled", jobId: job.id });
      } else if (stopping.signal.aborted) {
        // Graceful shutdown: hand the job back untouched so the next worker resumes it.
        await finishJob(db, job.id, workerId, { status: "retry", error: "Worker stopped; will resume", delaySeconds: 0 });
        await db.update(jobs).set({ attempts: sql`greatest(${jobs.attempts} - 1, 0)` }).where(eq(jobs.id, job.id));
      } else {
        const message = err instanceof Error ? err.message : String(err);
        await appendJobLog(db, job.id, `Attempt ${job.attempts} failed: ${message}`, "error");
        const retry = job.attempts < job.maxAttempts && !(err instanceof NonRetryableJobError);
        await finishJob(
          db,
          job.id,
          workerId,
          retry ? { status: "retry", error: message, delaySeconds: 2 ** job.attempts } : { status: "failed", error: message },
        );
        emit({ type: retry ? "retry" : "failed", jobId: job.id, message });
      }
    } finally {
      clearInterval(beat);
      stopping.signal.removeEventListener("abort", stopListener);
    }
  }

  async function slot() {
    while (!stopping.signal.aborted) {
      let job: JobRow | null = null;
      try {
        job = await claimNextJob(db, workerId, kinds);
      } catch (err) {
        emit({ type: "claim-error", message: String(err) });
      }
      if (job) await runOne(job);
      else await sleep(pollMs, stopping.signal);
    }
  }

  async function recover(olderThanSeconds: number) {
    try {
      const recovered = await recoverOrphanedJobs(db, olderThanSeconds, kinds);
      for (const r of recovered) emit({ type: "recovered", jobId: r.id, message: r.status });
    } catch (err) {
      emit({ type: "recover-error", message: String(err) });
    }
  }

  async function recoveryLoop() {
    while (!stopping.signal.aborted) {
      await sleep(Math.max(1000, (options.staleSeconds * 1000) / 2), stopping.signal);
      if (!stopping.signal.aborted) await recover(options.staleSeconds);
    }
  }

  const ready = recover(options.exclusive ? 0 : options.staleSeconds);
  const loops = ready.then(() =>
    Promise.all([recoveryLoop(), ...Array.from({ length: concurrency }, () => slot())]),
  );

  return {
    workerId,
    ready,
    async stop() {
      stopping.abort();
      await loops.catch(() => {});
    },
  };
}
