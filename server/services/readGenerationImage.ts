/**
 * The bytes of one saved image (a generated variant or an upload) for someone allowed to see its
 * generation (owner or admin; others get NOT_FOUND). The stored path comes from the database,
 * never from the request, and must stay inside BOIG_DATA_DIR.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { SessionUser } from "../api/trpc";
import type { Db } from "../db/client";
import { generationImages, generations } from "../db/schema";
import { env } from "../env";
import { AppError, notFound } from "../errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function readGenerationImage(db: Db, user: Pick<SessionUser, "id" | "role">, imageId: string) {
  if (!UUID.test(imageId)) throw notFound("Image");
  const [row] = await db
    .select({ image: generationImages, ownerId: generations.userId })
    .from(generationImages)
    .innerJoin(generations, eq(generations.id, generationImages.generationId))
    .where(eq(generationImages.id, imageId));
  if (!row || (row.ownerId !== user.id && user.role !== "admin")) throw notFound("Image");
  const root = path.resolve(env().dataDir);
  const file = path.resolve(root, row.image.storedPath);
  if (!file.startsWith(root + path.sep)) throw new AppError("INTERNAL", "Stored image path escapes the data folder");
  const bytes = await fs.readFile(file).catch(() => {
    throw new AppError("UNAVAILABLE", "The image file is missing from the data folder");
  });
  return { bytes, contentType: row.image.format === "jpeg" ? "image/jpeg" : "image/png", sha256: row.image.sha256 };
}
