import { sql } from "drizzle-orm";
import { queryRows, type Db } from "../db/client";

export type Brand = {
  /** The social account (posts.account), what `llm.verbalize` / `llm.score` take as `brand`. */
  name: string;
  /** Posts of this account over every social dataset. */
  posts: number;
  /** The social datasets it appears in, by name (usually one). */
  datasets: string[];
};

/**
 * The brands a marketer can pick (SPEC §1): every distinct account of the social datasets,
 * with its post count and the datasets it comes from, sorted by name. Stock datasets have no
 * accounts; posts without an account are left out.
 */
export async function listBrands(db: Db): Promise<Brand[]> {
  const rows = await queryRows<{ name: string; posts: number; dataset: string }>(
    db,
    sql`select p.account as name, count(*)::int as posts, d.name as dataset
        from posts p join datasets d on d.id = p.dataset_id
        where d.kind = 'social' and p.account is not null and btrim(p.account) <> ''
        group by p.account, d.name`,
  );
  const byName = new Map<string, Brand>();
  for (const row of rows) {
    const brand = byName.get(row.name) ?? { name: row.name, posts: 0, datasets: [] };
    brand.posts += row.posts;
    brand.datasets.push(row.dataset);
    byName.set(row.name, brand);
  }
  // Sorted here, not in SQL: collation differs between PGlite and a server's locale.
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...byName.values()]
    .map((b) => ({ ...b, datasets: b.datasets.sort(byText) }))
    .sort((a, b) => byText(a.name.toLowerCase(), b.name.toLowerCase()) || byText(a.name, b.name));
}
