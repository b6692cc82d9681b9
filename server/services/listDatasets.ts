import { sql } from "drizzle-orm";
import { queryRows, type Db } from "../db/client";

export type DatasetSummary = {
  id: string;
  name: string;
  kind: "social" | "stock";
  posts: number;
  images: number;
  verbalized: number;
  /** Posts per KPI bucket: high / medium / low, and `none` for posts not bucketed (yet). */
  buckets: Record<string, number>;
  /** Posts per split: train / test. */
  splits: Record<string, number>;
  createdAt: Date;
  updatedAt: Date;
};

/** Datasets with their size, posts per bucket and split, and how many images are verbalized. */
export async function listDatasets(db: Db): Promise<DatasetSummary[]> {
  const rows = await queryRows<Omit<DatasetSummary, "createdAt" | "updatedAt"> & { createdAt: Date | string; updatedAt: Date | string }>(
    db,
    sql`select d.id, d.name, d.kind, d.created_at as "createdAt", d.updated_at as "updatedAt",
               (select count(*)::int from posts p where p.dataset_id = d.id) as posts,
               (select count(*)::int from images i join posts p on p.id = i.post_id where p.dataset_id = d.id) as images,
               (select count(i.verbalization)::int from images i join posts p on p.id = i.post_id where p.dataset_id = d.id) as verbalized,
               coalesce((select jsonb_object_agg(b.bucket, b.n) from (
                  select coalesce(bucket, 'none') as bucket, count(*)::int as n from posts p where p.dataset_id = d.id group by 1) b), '{}'::jsonb) as buckets,
               coalesce((select jsonb_object_agg(s.split, s.n) from (
                  select split, count(*)::int as n from posts p where p.dataset_id = d.id group by 1) s), '{}'::jsonb) as splits
        from datasets d order by d.name`,
  );
  // Raw SQL: PGlite hands timestamps back as text, node-postgres as Dates; answer Dates either way.
  return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt), updatedAt: new Date(r.updatedAt) }));
}
