/**
 * Writes one batch of validated rows: new posts are inserted, changed ones (different content
 * hash) rewritten with their images, unchanged ones left alone — so re-import is idempotent.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { images, posts } from "../db/schema";
import type { NormalizedRow } from "./rowSchemas";
import type { CheckedMedia } from "./checkMedia";

export type ReadyRow = {
  line: number;
  row: NormalizedRow;
  media: (Omit<CheckedMedia, "bytes" | "rgba"> & { storedPath: string })[];
  contentHash: string;
  verbalizations: ({ verbalization: unknown; canonicalText: string } | null)[];
};

export async function upsertPosts(db: Db, datasetId: string, batch: ReadyRow[]) {
  const counts = { inserted: 0, updated: 0, unchanged: 0 };
  if (batch.length === 0) return counts;
  await db.transaction(async (tx) => {
    const existing = await tx
      .select({ id: posts.id, externalId: posts.externalId, contentHash: posts.contentHash })
      .from(posts)
      .where(and(eq(posts.datasetId, datasetId), inArray(posts.externalId, batch.map((b) => b.row.externalId))));
    const byExternalId = new Map(existing.map((e) => [e.externalId, e]));
    for (const item of batch) {
      const { row } = item;
      const values = {
        account: row.account,
        postedAt: row.postedAt,
        text: row.text,
        keywords: row.keywords,
        likes: row.likes,
        downloads: row.downloads,
        forwardActions: row.forwardActions,
        impressions: row.impressions,
        kpi: row.kpi,
        contentHash: item.contentHash,
        sourceLine: item.line,
      };
      const found = byExternalId.get(row.externalId);
      let postId: string;
      if (!found) {
        const [inserted] = await tx.insert(posts).values({ datasetId, externalId: row.externalId, ...values }).returning({ id: posts.id });
        postId = inserted!.id;
        counts.inserted++;
      } else if (found.contentHash !== item.contentHash) {
        await tx.update(posts).set({ ...values, updatedAt: sql`now()` }).where(eq(posts.id, found.id));
        await tx.delete(images).where(eq(images.postId, found.id));
        postId = found.id;
        counts.updated++;
      } else {
        counts.unchanged++;
        continue;
      }
      // Equal KPI credit: every image of a post carries the post's KPI (via its post row).
      await tx.insert(images).values(
        item.media.map((m, position) => ({
          postId,
          position,
          mediaPath: m.mediaPath,
          sha256: m.sha256,
          storedPath: m.storedPath,
          format: m.format,
          width: m.width,
          height: m.height,
          verbalization: item.verbalizations[position]?.verbalization ?? null,
          canonicalText: item.verbalizations[position]?.canonicalText ?? null,
          verbalizedBy: item.verbalizations[position] ? "import" : null,
        })),
      );
    }
  });
  return counts;
}
