/**
 * A marketer stops their own generation: its job is cancelled (cancelJob: a queued one at once,
 * a running one at its next heartbeat); variants already saved stay in History.
 */
import { eq, sql } from "drizzle-orm";
import type { SessionUser } from "../api/trpc";
import type { Db } from "../db/client";
import { generations } from "../db/schema";
import { conflict } from "../errors";
import { cancelJob } from "./cancelJob";
import { getGeneration } from "./getGeneration";

export async function cancelGeneration(db: Db, user: Pick<SessionUser, "id" | "role">, generationId: string) {
  const generation = await getGeneration(db, user, generationId);
  if (!generation.jobId || (generation.status !== "queued" && generation.status !== "running"))
    throw conflict(`This generation already ${generation.status === "succeeded" ? "finished" : `ended (${generation.status})`}`);
  const job = await cancelJob(db, generation.jobId, user.id);
  if (job.status === "cancelled")
    await db
      .update(generations)
      .set({ status: "cancelled", error: "Cancelled", finishedAt: sql`now()` })
      .where(eq(generations.id, generationId));
  return getGeneration(db, user, generationId);
}
