/**
 * The jobs table as a durable queue: claim with FOR UPDATE SKIP LOCKED, heartbeats,
 * orphan recovery. Works the same on PGlite and on a Postgres server (see README: why not pg-boss).
 */
import { and, eq, sql } from "drizzle-orm";
import { queryRows, type Db } from "../db/client";
import { jobLogs, jobs } from "../db/schema";
import type { JobRow } from "./types";

/**
 * Takes the next runnable job of the given kinds, marking it running for `workerId`.
 * Fair between users (round robin): the creator with the fewest jobs of these kinds running goes
 * first, then the one served longest ago (never served first), then the oldest job. So one user
 * queueing 50 generations does not starve another who queues one after them.
 */
export async function claimNextJob(db: Db, workerId: string, kinds: string[]): Promise<JobRow | null> {
  if (kinds.length === 0) return null;
  const kindList = sql.join(kinds.map((k) => sql`${k}`), sql`, `);
  // Claims of one lane take turns (a transaction-scoped advisory lock), and the claim statement
  // runs after the lock, so its snapshot sees the previous claim committed. Without it two workers
  // claiming at once both saw user A as never served: one took A's first job, the other skipped it
  // (SKIP LOCKED) and took A's second, while user B — also never served — waited (the load campaign
  // caught it on PostgreSQL). The lock is held only for the claim statement itself. started_at is
  // clock_timestamp(), the claim's own time: now() is the transaction's start, before the lock wait,
  // and would misorder "served longest ago" between claims that waited for each other.
  const lane = `claim:${[...kinds].sort().join(",")}`;
  const rows = await db.transaction(async (tx) => {
    await queryRows(tx as unknown as Db, sql`select pg_advisory_xact_lock(hashtext(${lane}))`);
    return queryRows<{ id: string }>(
      tx as unknown as Db,
      sql`with runnable as (
          select id, created_by from jobs
          where status = 'queued' and run_after <= now() and kind in (${kindList})),
        served as (
          select created_by, count(*) filter (where status = 'running') as running, max(started_at) as last_start
          from jobs
          where kind in (${kindList}) and started_at is not null
            and created_by in (select created_by from runnable)
          group by created_by)
        update jobs set status = 'running', attempts = attempts + 1, locked_by = ${workerId},
          heartbeat_at = now(), started_at = clock_timestamp(), error = null
        where id = (
          select j.id from jobs j
          join runnable r on r.id = j.id
          left join served s on s.created_by = r.created_by
          where j.status = 'queued'
          order by coalesce(s.running, 0), s.last_start nulls first, j.run_after, j.created_at
          for update of j skip locked
          limit 1)
        returning id`,
    );
  });
  if (!rows[0]) return null;
  const [job] = await db.select().from(jobs).where(eq(jobs.id, rows[0].id));
  return job ?? null;
}

/** Refreshes the lease; returns whether cancellation was requested (or the lease was lost). */
export async function heartbeat(db: Db, jobId: string, workerId: string) {
  const [row] = await db
    .update(jobs)
    .set({ heartbeatAt: sql`now()` })
    .where(and(eq(jobs.id, jobId), eq(jobs.lockedBy, workerId), eq(jobs.status, "running")))
    .returning({ cancelRequested: jobs.cancelRequested });
  return { leaseHeld: !!row, cancelRequested: row?.cancelRequested ?? false };
}

/**
 * Jobs left `running` by a dead worker: back to `queued` (their checkpoint kept, so the
 * handler resumes) or `failed` once attempts are used up. `olderThanSeconds = 0` is right
 * only when no other worker can be alive (embedded PGlite holds an exclusive lock).
 */
export async function recoverOrphanedJobs(db: Db, olderThanSeconds: number, kinds?: readonly string[]) {
  // A worker recovers only the kinds it runs: another lane's running jobs are not its orphans.
  const ofKinds = kinds && kinds.length > 0 ? sql`and kind in (${sql.join(kinds.map((k) => sql`${k}`), sql`, `)})` : sql``;
  const rows = await queryRows<{ id: string; status: string }>(
    db,
    sql`update jobs set
          status = case when cancel_requested then 'cancelled'
                        when attempts >= max_attempts then 'failed' else 'queued' end,
          error = 'The worker running this job stopped (attempt ' || attempts || ')',
          finished_at = case when cancel_requested or attempts >= max_attempts then now() else null end,
          locked_by = null
        where status = 'running'
          and (heartbeat_at is null or heartbeat_at <= now() - make_interval(secs => ${olderThanSeconds}))
          ${ofKinds}
        returning id, status`,
  );
  for (const row of rows)
    await appendJobLog(db, row.id, `Recovered from a stopped worker: now ${row.status}`, "warn");
  return rows;
}

export async function appendJobLog(db: Db, jobId: string, message: string, level: "info" | "warn" | "error" = "info") {
  await db.insert(jobLogs).values({ jobId, message: message.slice(0, 4000), level });
}

/** Final state, written only while `workerId` still holds the job. */
export async function finishJob(
  db: Db,
  jobId: string,
  workerId: string,
  outcome: { status: "succeeded"; result: unknown } | { status: "cancelled" | "failed"; error: string } | { status: "retry"; error: string; delaySeconds: number },
) {
  const held = and(eq(jobs.id, jobId), eq(jobs.lockedBy, workerId), eq(jobs.status, "running"));
  if (outcome.status === "succeeded")
    return db.update(jobs).set({ status: "succeeded", result: outcome.result ?? null, progress: 1, finishedAt: sql`now()`, lockedBy: null }).where(held);
  if (outcome.status === "retry")
    return db
      .update(jobs)
      .set({ status: "queued", error: outcome.error, lockedBy: null, runAfter: sql`now() + make_interval(secs => ${outcome.delaySeconds})` })
      .where(held);
  return db.update(jobs).set({ status: outcome.status, error: outcome.error, finishedAt: sql`now()`, lockedBy: null }).where(held);
}
