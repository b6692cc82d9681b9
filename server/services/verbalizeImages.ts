/**
 * Verbalizes stored images (SPEC §3.4) in chunks: decode, colors/tones from pixels, objects from
 * the detector, quantized record + canonical text saved on the image row. Images already
 * verbalized by the same detector are skipped unless `force`, so a restarted job resumes.
 */
import fs from "node:fs/promises";
import path from "node:path";
import { and, eq, isNull, ne, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { images, posts } from "../db/schema";
import { env } from "../env";
import { decodeImage } from "../verbalize/decodeImage";
import type { ObjectDetector } from "../verbalize/detector";
import { verbalizeImage } from "../verbalize/verbalizeImage";
import { quantizeVerbalization, toCanonicalText } from "../verbalize/canonical";
import { qualityProxy } from "../verbalize/quality";
import { captionImageAgreement, mentionsIn } from "../world/agreement";

const CHUNK = 200;

export type VerbalizeOptions = {
  datasetId?: string;
  force?: boolean;
  detector: ObjectDetector | null;
  onProgress?: (fraction: number, message: string) => void | Promise<void>;
};

export function detectorTag(detector: ObjectDetector | null) {
  return detector ? `${detector.name}@${detector.version}` : "pixels-only";
}

export async function verbalizeImages(db: Db, options: VerbalizeOptions) {
  const tag = detectorTag(options.detector);
  const scope: SQL[] = [];
  if (options.datasetId) scope.push(eq(posts.datasetId, options.datasetId));
  // Rows the user supplied verbalizations for ("import") are theirs: never overwritten.
  scope.push(or(isNull(images.verbalizedBy), ne(images.verbalizedBy, "import"))!);
  if (!options.force) scope.push(or(isNull(images.verbalizedBy), ne(images.verbalizedBy, tag))!);
  const where = and(...scope);
  const [{ total }] = (await db
    .select({ total: sql<number>`count(*)::int` })
    .from(images)
    .innerJoin(posts, eq(posts.id, images.postId))
    .where(where)) as [{ total: number }];
  let done = 0;
  let failed = 0;
  let lastId = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const chunk = await db
      .select({ id: images.id, storedPath: images.storedPath, text: posts.text, keywords: posts.keywords })
      .from(images)
      .innerJoin(posts, eq(posts.id, images.postId))
      .where(and(where, sql`${images.id} > ${lastId}`))
      .orderBy(images.id)
      .limit(CHUNK);
    if (chunk.length === 0) break;
    lastId = chunk.at(-1)!.id;
    const results: { id: string; verbalization: unknown; canonicalText: string; quality: number; agreement: number | null }[] = [];
    for (const row of chunk) {
      try {
        const bytes = await fs.readFile(path.join(env().dataDir, row.storedPath));
        const image = decodeImage(bytes);
        const verbalization = quantizeVerbalization(await verbalizeImage(image, options.detector));
        results.push({
          id: row.id,
          verbalization,
          canonicalText: toCanonicalText(verbalization),
          quality: qualityProxy(image.rgba, image.width, image.height).score,
          agreement: captionImageAgreement(mentionsIn(row.text, row.keywords), verbalization),
        });
      } catch {
        failed++; // a missing or corrupt stored file: leave the row unverbalized, count it
      }
    }
    await db.transaction(async (tx) => {
      for (const r of results)
        await tx
          .update(images)
          .set({ verbalization: r.verbalization, canonicalText: r.canonicalText, verbalizedBy: tag, quality: r.quality, agreement: r.agreement })
          .where(eq(images.id, r.id));
    });
    done += chunk.length;
    await options.onProgress?.(total ? done / total : 1, `verbalized ${done} of ${total} images`);
  }
  return { total, verbalized: done - failed, failed, detector: tag };
}
