import { sql } from "drizzle-orm";
import { queryRows, type Db } from "../db/client";

/** Datasets with their size and posts per bucket. */
export async function listDatasets(db: Db) {
  return queryRows<{ id: string; name: string; kind: "social" | "stock"; posts: number; images: number; verbalized: number; buckets: Record<string, number>; updatedAt: Date }>(
    db,
    sql`select d.id, d.name, d.kind, d.updated_at as "updatedAt",
               (select count(*)::int from posts p where p.dataset_id = d.id) as posts,
               (select count(*)::int from images i join posts p on p.id = i.post_id where p.dataset_id = d.id) as images,
               (select count(i.verbalization)::int from images i join posts p on p.id = i.post_id where p.dataset_id = d.id) as verbalized,
               coalesce((select jsonb_object_agg(b.bucket, b.n) from (
                  select coalesce(bucket, 'none') as bucket, count(*)::int as n from posts p where p.dataset_id = d.id group by 1) b), '{}'::jsonb) as buckets
        from datasets d order by d.name`,
  );
}
