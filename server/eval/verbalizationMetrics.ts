/**
 * Table 1 verbalization metrics (SPEC §6): how close a predicted verbalization P is to the
 * ground-truth verbalization G of the same image. Definitions follow SPEC §6 word for word; the
 * choices the SPEC leaves open are decided here and marked "Decision".
 *
 * Sets and multisets.
 * - Colors and tones: a verbalization lists each name at most once (SPEC §3.4; the canonical
 *   parser rejects repeats), so G and P are sets of names. Decision: a repeated color or tone name
 *   is invalid input and throws BAD_INPUT rather than being merged silently.
 * - Objects: G and P are *multisets* of detected objects (a scene can hold three persons), and
 *   every object instance is one element "g ∈ G". Decision: objects IoU is the multiset IoU
 *   Σ_label min(#G, #P) / Σ_label max(#G, #P) (it reduces to the set IoU when no label repeats),
 *   so counting two persons where there are three costs IoU; objects similarity averages over
 *   instances (a label that occurs k times in G weighs k), the same g's the area and position
 *   metrics iterate over.
 *
 * Similarity. cos is the cosine of GloVe 6B 100-d word vectors (./wordVectors.ts; 1 for identical
 * labels; multi-word COCO labels are averaged phrase vectors). τ = DEFAULT_TAU = 0.5 as in SPEC §6
 * (configurable within [0, 1]; a negative τ would admit negative cosines as weights). "A max
 * below τ counts 0": a best cosine < τ contributes 0, a cosine = τ counts.
 *
 * Edge cases (each metric is null where it is undefined for the pair; aggregateMetrics skips nulls
 * and reports how many pairs each mean covers):
 * - IoU: G = P = ∅ → 1 (Decision: the two sets are equal, the usual Jaccard convention; for
 *   objects this credits a correct "no objects"); exactly one empty → 0 (the formula: 0 / |G ∪ P|).
 * - similarity: G = ∅ → null (a mean over no g is undefined, whatever P is); G ≠ ∅, P = ∅ → 0
 *   (the max over an empty P is below τ for every g).
 * - RGB distance: G = ∅ → null; G ≠ ∅, P = ∅ → 1 (Decision: the min over an empty P is +∞;
 *   it is capped at the largest possible normalized distance, 1, so predicting no colors scores
 *   worst instead of being skipped — consistent with similarity 0).
 * - coverage RMSE (colors, tones): over names in both G and P; null when there are none.
 * - area RMSE and position error: over the g that have a match (best cosine ≥ τ); null when no g
 *   has one or the weights sum to 0 (SPEC's Σw = 0 makes them 0/0). An unmatched g is not
 *   penalized here — it is by objects IoU and similarity — so read them with their counts.
 *
 * Matching (area RMSE, position error). For each g ∈ G its best match is the p ∈ P with the
 * largest cos(label g, label p), kept only when that cosine ≥ τ. Matching is per g, not one-to-one
 * (SPEC: "for each g its best match p"): two g may share a p. Decision on ties (several p with the
 * same best cosine, typically same-label instances): the p whose box centroid is nearest to g's,
 * then the one with the closest area, then the first listed. This makes every metric independent
 * of the order objects are listed in, and gives area RMSE = position error = 0 for P = G; like
 * detection matching it pairs same-label instances by location.
 *
 * Geometry. Boxes are normalized (x, y top-left, w, h in [0, 1]), so the image area is 1 and the
 * image diagonal is √2; area(b) = w·h, centroid(b) = (x + w/2, y + h/2).
 * - area RMSE: w_g = (area share of g in G) · cos, share = area(g) / Σ_{g'∈G} area(g');
 *   sqrt(Σ w (area g − area p)² / Σ w) / image area. (The share's denominator cancels in the
 *   ratio; it is kept to follow the SPEC. Σ area(G) = 0 gives all weights 0 → null.)
 * - position error: Σ w ‖centroid g − centroid p‖ / Σ w / √2, w = cos.
 * Both lie in [0, 1] for boxes inside the image.
 *
 * Direction and symmetry. IoU and coverage RMSE are symmetric in (G, P); similarity, RGB distance,
 * area RMSE and position error are not (they average over G). Higher is better for IoU and
 * similarity, lower for the rest (METRIC_DIRECTION).
 */
import { badInput } from "../errors";
import type { Box, Verbalization } from "../verbalize/types";
import { PALETTE, type ColorName } from "../verbalize/vocabulary";
import { cosine } from "./wordVectors";

export const DEFAULT_TAU = 0.5;

export const METRIC_NAMES = [
  "colorsIoU",
  "colorsSimilarity",
  "colorsRgbDistance",
  "colorsCoverageRmse",
  "tonesCoverageRmse",
  "objectsIoU",
  "objectsSimilarity",
  "objectAreaRmse",
  "relativePositionError",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Whether a larger value of the metric is better ("higher") or worse ("lower"). */
export const METRIC_DIRECTION: Readonly<Record<MetricName, "higher" | "lower">> = {
  colorsIoU: "higher",
  colorsSimilarity: "higher",
  colorsRgbDistance: "lower",
  colorsCoverageRmse: "lower",
  tonesCoverageRmse: "lower",
  objectsIoU: "higher",
  objectsSimilarity: "higher",
  objectAreaRmse: "lower",
  relativePositionError: "lower",
};

/** One value per metric; null where the metric is undefined for the pair (see the header). */
export type VerbalizationMetrics = Record<MetricName, number | null>;

/** What the metrics read of a verbalization (the caption is not scored). */
export type ScoredVerbalization = Pick<Verbalization, "colors" | "tones" | "objects">;

export type MetricOptions = {
  /** Similarity threshold τ (SPEC §6); default DEFAULT_TAU. */
  tau?: number;
  /** Word similarity; default the GloVe cosine of ./wordVectors.ts. Tests inject a table. */
  similarity?: (a: string, b: string) => number;
};

/** Largest ‖rgb a − rgb b‖ over 8-bit colors: the RGB distance's normalizer. */
export const RGB_DIAGONAL = 255 * Math.sqrt(3);
/** Image diagonal in normalized coordinates. */
export const IMAGE_DIAGONAL = Math.SQRT2;
/** Image area in normalized coordinates. */
export const IMAGE_AREA = 1;

/** All nine metrics of one (ground truth, prediction) pair. */
export function verbalizationMetrics(
  truth: ScoredVerbalization,
  predicted: ScoredVerbalization,
  options: MetricOptions = {},
): VerbalizationMetrics {
  const tau = options.tau ?? DEFAULT_TAU;
  // τ < 0 would admit negative cosines as match weights (a weighted mean with negative weights).
  if (!Number.isFinite(tau) || tau < 0 || tau > 1) throw badInput(`τ must be a number in [0, 1], got ${tau}`);
  const sim = options.similarity ?? cosine;

  const gColors = namedCoverages(truth.colors, "ground-truth colors");
  const pColors = namedCoverages(predicted.colors, "predicted colors");
  const gTones = namedCoverages(truth.tones, "ground-truth tones");
  const pTones = namedCoverages(predicted.tones, "predicted tones");
  const gColorNames = [...gColors.keys()];
  const pColorNames = [...pColors.keys()];
  const gLabels = truth.objects.map((o) => o.label);
  const pLabels = predicted.objects.map((o) => o.label);
  const geometry = objectGeometry(truth.objects, predicted.objects, sim, tau);

  return {
    colorsIoU: multisetIoU(gColorNames, pColorNames),
    colorsSimilarity: meanBestSimilarity(gColorNames, pColorNames, sim, tau),
    colorsRgbDistance: meanNearestRgbDistance(gColorNames, pColorNames),
    colorsCoverageRmse: coverageRmse(gColors, pColors),
    tonesCoverageRmse: coverageRmse(gTones, pTones),
    objectsIoU: multisetIoU(gLabels, pLabels),
    objectsSimilarity: meanBestSimilarity(gLabels, pLabels, sim, tau),
    objectAreaRmse: geometry.areaRmse,
    relativePositionError: geometry.positionError,
  };
}

/**
 * IoU of two multisets: Σ min(#G, #P) / Σ max(#G, #P) over labels; the set IoU |G∩P| / |G∪P|
 * when nothing repeats. Both empty → 1, one empty → 0 (see the header).
 */
export function multisetIoU(g: readonly string[], p: readonly string[]): number {
  if (g.length === 0 && p.length === 0) return 1;
  const gCounts = counts(g);
  const pCounts = counts(p);
  let intersection = 0;
  let union = 0;
  for (const label of new Set([...gCounts.keys(), ...pCounts.keys()])) {
    const a = gCounts.get(label) ?? 0;
    const b = pCounts.get(label) ?? 0;
    intersection += Math.min(a, b);
    union += Math.max(a, b);
  }
  return intersection / union;
}

/**
 * mean over g ∈ G of max over p ∈ P of sim(g, p), a max below τ counting 0 (SPEC §6).
 * G = ∅ → null; P = ∅ → 0.
 */
export function meanBestSimilarity(
  g: readonly string[],
  p: readonly string[],
  sim: (a: string, b: string) => number = cosine,
  tau: number = DEFAULT_TAU,
): number | null {
  if (g.length === 0) return null;
  let total = 0;
  for (const a of g) {
    const best = bestSimilarity(a, p, sim);
    total += best >= tau ? best : 0;
  }
  return total / g.length;
}

/**
 * mean over g ∈ G of min over p ∈ P of ‖rgb g − rgb p‖ / (255·√3), PALETTE RGB (SPEC §6).
 * G = ∅ → null; P = ∅ → 1 (the largest normalized distance; see the header).
 */
export function meanNearestRgbDistance(g: readonly ColorName[], p: readonly ColorName[]): number | null {
  if (g.length === 0) return null;
  if (p.length === 0) return 1;
  let total = 0;
  for (const a of g) {
    const ra = rgbOf(a);
    let nearest = Infinity;
    for (const b of p) {
      const rb = rgbOf(b);
      nearest = Math.min(nearest, Math.hypot(ra[0] - rb[0], ra[1] - rb[1], ra[2] - rb[2]));
    }
    total += nearest / RGB_DIAGONAL;
  }
  return total / g.length;
}

/** RMSE of the coverages of the names in both G and P; null when there are none. */
export function coverageRmse(g: ReadonlyMap<string, number>, p: ReadonlyMap<string, number>): number | null {
  let sum = 0;
  let n = 0;
  for (const [name, coverage] of g) {
    const other = p.get(name);
    if (other === undefined) continue;
    sum += (coverage - other) ** 2;
    n++;
  }
  return n === 0 ? null : Math.sqrt(sum / n);
}

export type ObjectMatch = {
  /** Index into G. */
  g: number;
  /** Index into P of g's best match. */
  p: number;
  /** cos(label g, label p) ≥ τ. */
  cosine: number;
};

type Labeled = { label: string; box: Box };

/**
 * For each g ∈ G its best match in P (largest cosine, ≥ τ; ties by nearest centroid, then closest
 * area, then first listed). Unmatched g are absent.
 */
export function matchObjects(
  g: readonly Labeled[],
  p: readonly Labeled[],
  sim: (a: string, b: string) => number = cosine,
  tau: number = DEFAULT_TAU,
): ObjectMatch[] {
  const matches: ObjectMatch[] = [];
  g.forEach((go, gi) => {
    let best: { p: number; cosine: number; distance: number; areaGap: number } | undefined;
    const gc = centroid(go.box);
    p.forEach((po, pi) => {
      const c = sim(go.label, po.label);
      const pc = centroid(po.box);
      const candidate = {
        p: pi,
        cosine: c,
        distance: Math.hypot(gc[0] - pc[0], gc[1] - pc[1]),
        areaGap: Math.abs(area(go.box) - area(po.box)),
      };
      if (!best || better(candidate, best)) best = candidate;
    });
    if (best && best.cosine >= tau) matches.push({ g: gi, p: best.p, cosine: best.cosine });
  });
  return matches;
}

/** Normalized object-area RMSE and relative position error (SPEC §6; see the header). */
export function objectGeometry(
  g: readonly Labeled[],
  p: readonly Labeled[],
  sim: (a: string, b: string) => number = cosine,
  tau: number = DEFAULT_TAU,
): { areaRmse: number | null; positionError: number | null; matched: number } {
  for (const o of [...g, ...p]) checkBox(o);
  const matches = matchObjects(g, p, sim, tau);
  const totalArea = g.reduce((s, o) => s + area(o.box), 0);

  let areaWeight = 0;
  let areaSum = 0;
  let positionWeight = 0;
  let positionSum = 0;
  for (const m of matches) {
    const gb = g[m.g]!.box;
    const pb = p[m.p]!.box;
    const share = totalArea > 0 ? area(gb) / totalArea : 0;
    const wArea = share * m.cosine;
    areaWeight += wArea;
    areaSum += wArea * (area(gb) - area(pb)) ** 2;
    const gc = centroid(gb);
    const pc = centroid(pb);
    positionWeight += m.cosine;
    positionSum += m.cosine * Math.hypot(gc[0] - pc[0], gc[1] - pc[1]);
  }
  return {
    areaRmse: areaWeight > 0 ? Math.sqrt(areaSum / areaWeight) / IMAGE_AREA : null,
    positionError: positionWeight > 0 ? positionSum / positionWeight / IMAGE_DIAGONAL : null,
    matched: matches.length,
  };
}

export type MetricSummary = {
  /** Mean over the pairs where the metric is defined; null when it is defined for none. */
  mean: number | null;
  /** How many pairs the mean covers. */
  count: number;
};

export type MetricsAggregate = { pairs: number; metrics: Record<MetricName, MetricSummary> };

/** Per-metric mean over pairs, ignoring nulls, with the number of pairs each mean covers. */
export function aggregateMetrics(records: readonly VerbalizationMetrics[]): MetricsAggregate {
  const metrics = Object.fromEntries(
    METRIC_NAMES.map((name) => {
      const values = records.map((r) => r[name]).filter((v): v is number => v !== null);
      const mean = values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;
      return [name, { mean, count: values.length }];
    }),
  ) as Record<MetricName, MetricSummary>;
  return { pairs: records.length, metrics };
}

// ---------------------------------------------------------------------------------------------

function counts(labels: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const label of labels) map.set(label, (map.get(label) ?? 0) + 1);
  return map;
}

function bestSimilarity(a: string, p: readonly string[], sim: (a: string, b: string) => number): number {
  let best = -Infinity;
  for (const b of p) best = Math.max(best, sim(a, b));
  return best;
}

function namedCoverages<N extends string>(entries: readonly { name: N; coverage: number }[], what: string): Map<N, number> {
  const map = new Map<N, number>();
  for (const { name, coverage } of entries) {
    if (map.has(name)) throw badInput(`${what} list "${name}" twice`);
    if (!Number.isFinite(coverage)) throw badInput(`${what}: coverage of "${name}" is not a number`);
    map.set(name, coverage);
  }
  return map;
}

function rgbOf(name: ColorName): readonly [number, number, number] {
  const rgb = (PALETTE as Record<string, readonly [number, number, number]>)[name];
  if (!rgb) throw badInput(`"${name}" is not a PALETTE color`);
  return rgb;
}

const area = (b: Box) => b.w * b.h;
const centroid = (b: Box): [number, number] => [b.x + b.w / 2, b.y + b.h / 2];

function checkBox(o: Labeled) {
  const { x, y, w, h } = o.box;
  if (![x, y, w, h].every(Number.isFinite) || w < 0 || h < 0)
    throw badInput(`object "${o.label}" has an invalid box ${JSON.stringify(o.box)}`);
}

/**
 * Tie-break order of matchObjects: higher cosine, then nearer centroid, then closer area. Exact
 * comparisons (no epsilon): a g always prefers itself (distance 0, area gap 0) over a near twin,
 * so P = G scores exactly 0.
 */
function better(
  a: { cosine: number; distance: number; areaGap: number },
  b: { cosine: number; distance: number; areaGap: number },
): boolean {
  if (a.cosine !== b.cosine) return a.cosine > b.cosine;
  if (a.distance !== b.distance) return a.distance < b.distance;
  return a.areaGap < b.areaGap; // equal on all three: the first listed stays
}
