/**
 * One generation or scored upload as the workspace shows it: inputs, BoigLLM's verbalization,
 * its images with scores (in position order), the models used, and — while its job runs — the
 * live progress. Visible to its owner and to admins; anyone else gets NOT_FOUND (not FORBIDDEN:
 * whether an id exists is not theirs to learn).
 */
import { asc, eq } from "drizzle-orm";
import type { SessionUser } from "../api/trpc";
import type { Db } from "../db/client";
import { generationImages, generations, jobs, type GenerationStatus } from "../db/schema";
import { notFound } from "../errors";

export type GenerationImageView = Omit<typeof generationImages.$inferSelect, "storedPath" | "sha256" | "createdAt"> & { url: string };

export const imageUrl = (imageId: string) => `/api/images/${imageId}`;

export async function getGeneration(db: Db, user: Pick<SessionUser, "id" | "role">, generationId: string) {
  const [row] = await db
    .select({ generation: generations, job: { status: jobs.status, progress: jobs.progress, message: jobs.progressMessage, error: jobs.error } })
    .from(generations)
    .leftJoin(jobs, eq(jobs.id, generations.jobId))
    .where(eq(generations.id, generationId));
  if (!row || (row.generation.userId !== user.id && user.role !== "admin")) throw notFound("Generation");
  const images = await db
    .select()
    .from(generationImages)
    .where(eq(generationImages.generationId, generationId))
    .orderBy(asc(generationImages.position));
  const { generation, job } = row;
  return {
    ...generation,
    status: effectiveStatus(generation.status, job?.status ?? null),
    error: generation.error ?? (job?.status === "failed" || job?.status === "cancelled" ? job.error : null),
    progress: job ? { fraction: job.progress, message: job.message } : null,
    images: images.map(toImageView),
  };
}

export type GenerationView = Awaited<ReturnType<typeof getGeneration>>;

export function toImageView(image: typeof generationImages.$inferSelect): GenerationImageView {
  const { storedPath: _path, sha256: _sha, createdAt: _created, ...rest } = image;
  return { ...rest, url: imageUrl(image.id) };
}

/** The generation row lags its job when a worker died; the job's terminal state wins. */
export function effectiveStatus(generation: GenerationStatus, job: string | null): GenerationStatus {
  if (generation === "queued" || generation === "running") {
    if (job === "failed" || job === "cancelled" || job === "running") return job;
  }
  return generation;
}
