/**
 * KPI buckets and the stable test split (SPEC §3.3, as in the paper):
 * - social: per account, over its posts of the last 5 years (before the dataset's latest post),
 *   the top 10% by likes are `high`, the bottom 60% `low`; the middle stays unbucketed.
 * - stock: terciles of forward actions over all assets: high / medium / low.
 * - test split: per bucket, min(1000, 10%) posts chosen by a hash of the post id, so the choice
 *   is deterministic and does not move when unrelated rows are re-imported; the rest is train.
 */
import { sql } from "drizzle-orm";
import { queryRows, type Db } from "../db/client";
import type { DatasetKind } from "../db/schema";

export async function assignBuckets(db: Db, datasetId: string, kind: DatasetKind) {
  await db.execute(sql`update posts set bucket = null where dataset_id = ${datasetId}`);
  if (kind === "social") {
    await db.execute(sql`
      with latest as (select max(posted_at) as t from posts where dataset_id = ${datasetId}),
      ranked as (
        select p.id,
               row_number() over (partition by p.account order by p.kpi desc, p.external_id) as rank_desc,
               count(*) over (partition by p.account) as n
        from posts p, latest
        where p.dataset_id = ${datasetId} and p.posted_at > latest.t - interval '5 years')
      update posts p set bucket = case
          when r.rank_desc <= ceil(r.n * 0.1) then 'high'
          when r.rank_desc > r.n - floor(r.n * 0.6) then 'low'
          else null end
      from ranked r where p.id = r.id`);
  } else {
    await db.execute(sql`
      with ranked as (
        select id, ntile(3) over (order by kpi desc, external_id) as tercile
        from posts where dataset_id = ${datasetId})
      update posts p set bucket = case r.tercile when 1 then 'high' when 2 then 'medium' else 'low' end
      from ranked r where p.id = r.id`);
  }
  await db.execute(sql`
    with b as (
      select id,
             row_number() over (partition by bucket order by md5(external_id), external_id) as r,
             count(*) over (partition by bucket) as n
      from posts where dataset_id = ${datasetId} and bucket is not null)
    update posts p set split = case when b.r <= least(1000, round(b.n * 0.1)) then 'test' else 'train' end
    from b where p.id = b.id`);
  await db.execute(sql`update posts set split = 'train' where dataset_id = ${datasetId} and bucket is null`);
  return countBuckets(db, datasetId);
}

/** Posts per bucket and split, e.g. { "high/train": 540, "high/test": 60, "none/train": 1800 }. */
export async function countBuckets(db: Db, datasetId: string): Promise<Record<string, number>> {
  const rows = await queryRows<{ bucket: string | null; split: string; n: number }>(
    db,
    sql`select bucket, split, count(*)::int as n from posts where dataset_id = ${datasetId} group by 1, 2 order by 1, 2`,
  );
  return Object.fromEntries(rows.map((r) => [`${r.bucket ?? "none"}/${r.split}`, r.n]));
}
