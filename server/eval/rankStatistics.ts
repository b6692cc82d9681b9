/**
 * Rank statistics for judging a score against the truth (SPEC §4 "report which one tracks the
 * true KPI better"): ROC AUC of positives vs negatives and Spearman's rank correlation. Both
 * handle ties with average ranks, so a constant score gets AUC 0.5 and correlation null.
 */

/** Average 1-based ranks (ties share the mean of their ranks). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end++;
    const rank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) ranks[order[i]!.index] = rank;
    start = end + 1;
  }
  return ranks;
}

/**
 * P(score of a random positive > score of a random negative), ties counting one half
 * (Mann–Whitney U / (n⁺ n⁻)). Null when either side is empty.
 */
export function rocAuc(positives: readonly number[], negatives: readonly number[]): number | null {
  if (positives.length === 0 || negatives.length === 0) return null;
  const ranks = averageRanks([...positives, ...negatives]);
  const rankSum = ranks.slice(0, positives.length).reduce((s, r) => s + r, 0);
  const u = rankSum - (positives.length * (positives.length + 1)) / 2;
  return u / (positives.length * negatives.length);
}

/** Pearson correlation of the average ranks; null with fewer than 2 points or a constant side. */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length) throw new Error(`spearman: ${xs.length} values vs ${ys.length}`);
  if (xs.length < 2) return null;
  return pearson(averageRanks(xs), averageRanks(ys));
}

export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx, dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}
