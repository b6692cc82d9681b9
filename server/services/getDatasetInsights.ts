/**
 * Dataset statistics for marketers (the paper's Table 3 and Figures 7–9 analogues): size and
 * span, the likes distribution on a log scale, posts over time, posts per bucket and split with
 * objects per image, the quality proxy and caption–image agreement (Fig. 9), and which colors /
 * tones / objects are more frequent in high than in low.
 */
import { eq, sql } from "drizzle-orm";
import { queryRows, type Db } from "../db/client";
import { datasets } from "../db/schema";
import { notFound } from "../errors";

export type AttributeFrequency = { kind: "color" | "tone" | "object"; name: string; high: number; low: number };

export async function getDatasetInsights(db: Db, datasetId: string) {
  const [dataset] = await db.select().from(datasets).where(eq(datasets.id, datasetId));
  if (!dataset) throw notFound("Dataset");
  const id = dataset.id;

  const [summary] = await queryRows<{ posts: number; images: number; accounts: number; first: Date | null; last: Date | null; verbalized: number }>(
    db,
    sql`select count(distinct p.id)::int as posts, count(i.id)::int as images, count(distinct p.account)::int as accounts,
               min(p.posted_at) as first, max(p.posted_at) as last, count(i.verbalization)::int as verbalized
        from posts p left join images i on i.post_id = p.id where p.dataset_id = ${id}`,
  );

  // log10(kpi + 1) in quarter-decade bins: heavy tails read well on a log axis.
  const kpiHistogram = await queryRows<{ bin: number; posts: number }>(
    db,
    sql`select floor(log(kpi + 1) * 4) / 4 as bin, count(*)::int as posts
        from posts where dataset_id = ${id} group by 1 order by 1`,
  );

  const postsPerMonth = await queryRows<{ month: string; posts: number; meanKpi: number }>(
    db,
    sql`select to_char(date_trunc('month', posted_at), 'YYYY-MM') as month, count(*)::int as posts, avg(kpi)::float8 as "meanKpi"
        from posts where dataset_id = ${id} group by 1 order by 1`,
  );

  const buckets = await queryRows<{ bucket: string; split: string; posts: number; meanKpi: number; meanObjects: number | null; meanQuality: number | null; meanAgreement: number | null }>(
    db,
    sql`select coalesce(p.bucket, 'none') as bucket, p.split, count(distinct p.id)::int as posts, avg(p.kpi)::float8 as "meanKpi",
               avg(jsonb_array_length(i.verbalization -> 'objects'))::float8 as "meanObjects",
               avg(i.quality)::float8 as "meanQuality", avg(i.agreement)::float8 as "meanAgreement"
        from posts p left join images i on i.post_id = p.id
        where p.dataset_id = ${id} group by 1, 2 order by 1, 2`,
  );

  const frequencies = await queryRows<AttributeFrequency>(
    db,
    sql`with imgs as (
          select i.id, p.bucket, i.verbalization as v from images i join posts p on p.id = i.post_id
          where p.dataset_id = ${id} and p.bucket in ('high', 'low') and i.verbalization is not null),
        totals as (select bucket, count(*)::float8 as n from imgs group by bucket),
        attrs as (
          select distinct imgs.id, imgs.bucket, 'color' as kind, c ->> 'name' as name from imgs, jsonb_array_elements(v -> 'colors') c
          union select distinct imgs.id, imgs.bucket, 'tone', t ->> 'name' from imgs, jsonb_array_elements(v -> 'tones') t
          union select distinct imgs.id, imgs.bucket, 'object', o ->> 'label' from imgs, jsonb_array_elements(v -> 'objects') o)
        select a.kind, a.name,
               coalesce(sum(case when a.bucket = 'high' then 1 end) / max(th.n), 0)::float8 as high,
               coalesce(sum(case when a.bucket = 'low' then 1 end) / max(tl.n), 0)::float8 as low
        from attrs a
        left join totals th on th.bucket = 'high'
        left join totals tl on tl.bucket = 'low'
        group by a.kind, a.name order by a.kind, a.name`,
  );

  return {
    dataset: { id, name: dataset.name, kind: dataset.kind },
    summary: summary!,
    kpiName: dataset.kind === "social" ? "likes" : "forward actions",
    kpiHistogram,
    postsPerMonth,
    buckets,
    frequencies,
  };
}
