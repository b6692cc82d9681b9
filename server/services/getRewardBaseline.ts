/**
 * The reference a new image's reward is ranked against: the rewards of the brand's own imported
 * posts (their image under their own text, keywords and date), as marketers read a score —
 * "better than 80% of our posts" — rather than a raw sum of token probabilities (SPEC §4).
 *
 * Computed once per (scope, BoigLLM version, post set) and cached in `reward_baselines`: a new
 * model version or a new import gets a new baseline. The newest
 * MAX_BASELINE_POSTS verbalized posts are used; with fewer than MIN_BASELINE_POSTS the brand has
 * "insufficient data" and no percentile is given (a rank among a handful of posts misleads).
 */
import { and, eq, sql } from "drizzle-orm";
import { queryRows, type Db } from "../db/client";
import { rewardBaselines, type DatasetKind } from "../db/schema";
import { computeRewards, rewardRequest } from "../llm/reward";
import type { BoigLlm } from "../ml/boigLlm";
import { parseCanonicalText } from "../verbalize/canonical";

/** Below this many scored posts a brand's percentile is "insufficient data". */
export const MIN_BASELINE_POSTS = 20;
/** The newest this many verbalized posts form the baseline (enough for a stable percentile, fast to score). */
export const MAX_BASELINE_POSTS = 120;

export type RewardBaseline = { scope: string; posts: number; rewardsPaper: number[]; rewardsCalibrated: number[]; sufficient: boolean };

export const baselineScope = (kind: DatasetKind, brand: string | null) => (kind === "social" ? `social:${brand}` : "stock");

export async function getRewardBaseline(db: Db, llm: BoigLlm, kind: DatasetKind, brand: string | null): Promise<RewardBaseline> {
  const scope = baselineScope(kind, brand);
  const inScope = sql`from posts p join datasets d on d.id = p.dataset_id
        join images i on i.post_id = p.id and i.position = 0
        where d.kind = ${kind} and i.canonical_text is not null
          and (${kind} = 'stock' or p.account = ${brand ?? ""})`;
  const [stamp] = await queryRows<{ n: number; newest: string | Date | null }>(db, sql`select count(*)::int as n, max(i.created_at) as newest ${inScope}`);
  const fingerprint = `${stamp?.n ?? 0}:${stamp?.newest ? new Date(stamp.newest).toISOString() : "-"}`;
  const [cached] = await db
    .select()
    .from(rewardBaselines)
    .where(and(eq(rewardBaselines.scope, scope), eq(rewardBaselines.modelVersion, llm.version)));
  if (cached && cached.fingerprint === fingerprint) return withSufficiency(cached);

  const rows = await queryRows<{ text: string; keywords: string[]; posted_at: string | Date; canonical: string }>(
    db,
    sql`select p.text, p.keywords, p.posted_at, i.canonical_text as canonical ${inScope}
        order by p.posted_at desc, p.id
        limit ${MAX_BASELINE_POSTS}`,
  );
  const requests = rows.map((row) =>
    rewardRequest(
      { kind, brand: kind === "social" ? brand : null, postedAt: new Date(row.posted_at), caption: row.text, keywords: row.keywords },
      parseCanonicalText(row.canonical),
    ),
  );
  const rewards = requests.length > 0 ? await computeRewards(llm, requests) : [];
  const ascending = (values: number[]) => values.sort((a, b) => a - b);
  const baseline = {
    scope,
    modelVersion: llm.version,
    posts: rewards.length,
    fingerprint,
    rewardsPaper: ascending(rewards.map((r) => r.reward.paper)),
    rewardsCalibrated: ascending(rewards.map((r) => r.reward.calibrated)),
  };
  // Invariant: a cached baseline matches the scope's posts as of its fingerprint; an import or a
  // verbalization run changes the fingerprint and the next request recomputes it.
  await db
    .insert(rewardBaselines)
    .values(baseline)
    .onConflictDoUpdate({ target: [rewardBaselines.scope, rewardBaselines.modelVersion], set: { ...baseline, computedAt: sql`now()` } });
  return withSufficiency(baseline);
}

function withSufficiency(row: Omit<RewardBaseline, "sufficient">): RewardBaseline {
  return { scope: row.scope, posts: row.posts, rewardsPaper: row.rewardsPaper, rewardsCalibrated: row.rewardsCalibrated, sufficient: row.posts >= MIN_BASELINE_POSTS };
}

/**
 * Percent (0..100) of the baseline strictly below `value`, ties counted half (the mid-rank
 * percentile), so a value equal to every baseline reward is the 50th percentile. `sorted` ascends.
 */
export function percentileOf(sorted: readonly number[], value: number): number {
  if (sorted.length === 0) return Number.NaN;
  let below = 0;
  let equal = 0;
  for (const v of sorted) {
    if (v < value) below++;
    else if (v === value) equal++;
  }
  return (100 * (below + equal / 2)) / sorted.length;
}
