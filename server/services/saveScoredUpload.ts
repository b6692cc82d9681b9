/**
 * Score page (issue 6): a marketer's own creative, verbalized (scene detector for world renders,
 * COCO for photos, or the one they chose) and scored like a generated variant — both rewards,
 * percentiles among the brand's posts, the breakdown, the true KPI on simulator data — then saved
 * to History as a one-image "upload" generation, so it can join a comparison and an export.
 */
import path from "node:path";
import { sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { generationImages, generations } from "../db/schema";
import { getGeneration } from "./getGeneration";
import { checkBrand, promptFieldsShape, resolveKind } from "./promptFieldsInput";
import { DETECTOR_MODES } from "./scoreImages";
import { scoreForHistory } from "./scoreForHistory";
import { parseInput } from "./validation";

export const saveScoredUploadInput = z
  .object({
    ...promptFieldsShape,
    image: z.custom<Uint8Array>((v) => v instanceof Uint8Array, { error: "must be the bytes of a PNG or JPEG file" }),
    fileName: z.string().trim().max(255).optional(),
    detector: z.enum(DETECTOR_MODES).default("auto"),
  })
  .superRefine(checkBrand);

export async function saveScoredUpload(db: Db, user: { id: string; role: "marketer" | "admin" }, input: z.input<typeof saveScoredUploadInput>) {
  const valid = parseInput(saveScoredUploadInput, input);
  const kind = resolveKind(valid);
  const brand = kind === "social" ? valid.brand! : null;
  const fileName = valid.fileName ? path.basename(valid.fileName) : null; // a name, never a path
  // Scoring (and storing the file) happens before any row exists: a failure leaves nothing behind.
  const scored = await scoreForHistory(
    db,
    { kind, brand, date: valid.date, prompt: valid.prompt, keywords: valid.keywords },
    [{ bytes: valid.image, seed: null, fileName }],
    valid.detector,
  );
  const id = await db.transaction(async (tx) => {
    const [generation] = await tx
      .insert(generations)
      .values({
        userId: user.id,
        source: "upload",
        kind,
        brand,
        postDate: valid.date,
        prompt: valid.prompt,
        keywords: valid.keywords,
        targetKpi: null,
        variants: 1,
        seed: 0,
        settings: { detector: valid.detector },
        status: "succeeded",
        models: scored.models,
        finishedAt: sql`now()`,
      })
      .returning({ id: generations.id });
    await tx.insert(generationImages).values({ ...scored.rows[0]!, generationId: generation!.id, position: 0 });
    return generation!.id;
  });
  return getGeneration(db, user, id);
}
