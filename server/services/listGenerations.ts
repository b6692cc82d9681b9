/**
 * History (issue 6): the signed-in user's generations and scored uploads, newest first, optionally
 * of one brand ("stock" for stock prompts), each with its images' scores for thumbnails. Admins
 * may ask for everyone's (`everyone: true`). Keyset-paginated on (created_at, id).
 */
import { and, asc, desc, eq, inArray, isNull, lt, or, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { SessionUser } from "../api/trpc";
import type { Db } from "../db/client";
import { generationImages, generations, jobs, users } from "../db/schema";
import { effectiveStatus, toImageView } from "./getGeneration";
import { isStorableDate, parseInput } from "./validation";

export const listGenerationsInput = z.object({
  brand: z.string().trim().max(200).optional(),
  everyone: z.boolean().default(false),
  limit: z.number().int().min(1).max(100).default(20),
  /** The `nextCursor` of the previous page. */
  cursor: z
    .object({ createdAt: z.coerce.date().refine(isStorableDate, { error: "is not a time from a previous page's cursor" }), id: z.string().uuid() })
    .optional(),
});

export async function listGenerations(db: Db, user: Pick<SessionUser, "id" | "role">, input: z.input<typeof listGenerationsInput>) {
  const valid = parseInput(listGenerationsInput, input);
  const filters: SQL[] = [];
  if (!(valid.everyone && user.role === "admin")) filters.push(eq(generations.userId, user.id));
  if (valid.brand === "stock") filters.push(isNull(generations.brand));
  else if (valid.brand) filters.push(eq(generations.brand, valid.brand));
  if (valid.cursor)
    filters.push(
      or(
        lt(generations.createdAt, valid.cursor.createdAt),
        and(eq(generations.createdAt, valid.cursor.createdAt), lt(generations.id, valid.cursor.id)),
      )!,
    );
  const rows = await db
    .select({ generation: generations, jobStatus: jobs.status, jobError: jobs.error, owner: users.email })
    .from(generations)
    .leftJoin(jobs, eq(jobs.id, generations.jobId))
    .innerJoin(users, eq(users.id, generations.userId))
    .where(filters.length ? and(...filters) : undefined)
    .orderBy(desc(generations.createdAt), desc(generations.id))
    .limit(valid.limit + 1);
  const page = rows.slice(0, valid.limit);
  const images = page.length
    ? await db
        .select()
        .from(generationImages)
        .where(inArray(generationImages.generationId, page.map((r) => r.generation.id)))
        .orderBy(asc(generationImages.position))
    : [];
  const last = page[page.length - 1];
  return {
    items: page.map(({ generation, jobStatus, jobError, owner }) => {
      const { verbalization: _v, ...summary } = generation;
      return {
        ...summary,
        owner,
        status: effectiveStatus(generation.status, jobStatus),
        error: generation.error ?? jobError,
        images: images
          .filter((image) => image.generationId === generation.id)
          .map(({ breakdown: _b, verbalization: _iv, ...image }) => toImageView({ ...image, breakdown: [], verbalization: {} })),
      };
    }),
    nextCursor: rows.length > valid.limit && last ? { createdAt: last.generation.createdAt, id: last.generation.id } : null,
  };
}
