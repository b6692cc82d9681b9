/**
 * How much can knowing the KPI bucket improve Table 1 at all? A diagnostic for issue 4.
 *
 * Issue 4 asks BoigLLM (told the post's true KPI bucket) to beat the no-KPI model (not told) on ≥ 7
 * of the 9 verbalization metrics. This measures the gap a PERFECT pair of models would show on the
 * same test images, using the simulator's hidden truth (server/world):
 *   - no-KPI oracle: M exact draws from the world's own scene prior for the post (the brand's art
 *     direction, or the stock topic's) given its caption;
 *   - KPI oracle: M exact draws from that distribution given the post's true bucket as well, i.e. the
 *     same stream thinned by P(bucket | scene, post) under the world's engagement model (log-mean +
 *     the noise of engagement.ts / stockEngagement.ts, against the dataset's actual bucket thresholds,
 *     SPEC §3.3);
 *   - both answer by minimum-Bayes-risk by section over their samples (mbrSectionChoice, the served
 *     decoding), and are scored against the test image's verbalization exactly as `eval llm` does.
 * Caption conditioning: social is exact (rejection by the caption's product words,
 * server/world/captionLikelihood.ts; only image 0 of a post shapes the caption). Stock conditions on the background (color
 * and tone), which every stock caption names (stockCaptions.ts), NOT on the objects it names, so the
 * stock no-KPI oracle knows less than the models do (stated with the numbers in docs/results.md).
 * Other images of a multi-image post enter the likes model with their true verbalizations.
 * Also printed: how far the KPI oracle's answer moves the world's log expected KPI in the post's
 * context (the KPI information is used; the question is whether Table 1 can see it).
 *
 *   node --import tsx scripts/kpi-information-oracle.ts WORLD_DIR INSTR_DIR [CANDIDATES=64] [LIMIT]
 */
import path from "node:path";
import { advantageIntervals } from "../server/eval/table1Intervals";
import { countWins, macroAverage } from "../server/eval/table1";
import { aggregateMetrics, METRIC_NAMES, verbalizationMetrics, type VerbalizationMetrics } from "../server/eval/verbalizationMetrics";
import { openWorld, postOf, readTestRecords, type TestRecord } from "../server/eval/worldTestSplit";
import { composeVerbalization, mbrSectionChoice } from "../server/llm/mbrDecode";
import { parseCanonicalText, toCanonicalText } from "../server/verbalize/canonical";
import type { Verbalization } from "../server/verbalize/types";
import type { BrandProfile } from "../server/world/brands";
import { productWords, productWordsBound, productWordsLikelihood } from "../server/world/captionLikelihood";
import { explainSocialKpi, SOCIAL_NOISE } from "../server/world/engagement";
import { createRng, type Rng } from "../server/world/random";
import { sampleScene, type Scene } from "../server/world/scene";
import { brandTendencies, renderImage, simulateSocialPosts, simulateStockAssets, type SimulatedAsset, type SimulatedPost } from "../server/world/simulate";
import { stockTendencies } from "../server/world/stockCaptions";
import { explainStockKpi, STOCK_NOISE } from "../server/world/stockEngagement";
import { STOCK_TOPICS, type StockTopic } from "../server/world/worldModel";

const [worldDir, instrDir, candidatesArg, limitArg] = process.argv.slice(2);
if (!worldDir || !instrDir) {
  console.error("usage: node --import tsx scripts/kpi-information-oracle.ts WORLD_DIR INSTR_DIR [CANDIDATES=64] [LIMIT]");
  process.exit(2);
}
const CANDIDATES = Number(candidatesArg ?? 64);
const world = openWorld(path.resolve(worldDir)).model;

// --- Standard normal CDF (Abramowitz & Stegun 7.1.26 on erf; |error| < 1.5e-7).
function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** P(log-mean + noise >= threshold) for social noise: N(0, sd²) plus, for 2% of posts, a viral N(1.5, 0.4²); plus Poisson spread ≈ 1/λ. */
function socialTail(logMean: number, logThreshold: number): number {
  const poisson = Math.exp(-logMean); // var of log Poisson(λ) ≈ 1/λ
  const { sd, viralProbability, viralMean, viralSd } = SOCIAL_NOISE;
  const plain = 1 - normalCdf((logThreshold - logMean) / Math.sqrt(sd ** 2 + poisson));
  const viral = 1 - normalCdf((logThreshold - logMean - viralMean) / Math.sqrt(sd ** 2 + viralSd ** 2 + poisson));
  return (1 - viralProbability) * plain + viralProbability * viral;
}

// --- The world's posts, assets and their actual bucket thresholds (assignBuckets.ts).
const posts = new Map<string, { post: SimulatedPost; brand: BrandProfile }>();
const likesByAccount = new Map<string, number[]>();
for (const post of simulateSocialPosts(world)) {
  posts.set(post.postId, { post, brand: world.brands.find((b) => b.account === post.account)! });
  (likesByAccount.get(post.account) ?? likesByAccount.set(post.account, []).get(post.account)!).push(post.likes);
}
/** Social: high = top ceil(10%) by likes, low = bottom floor(60%); thresholds on the likes scale. */
const socialThresholds = new Map([...likesByAccount].map(([account, likes]) => {
  const desc = [...likes].sort((a, b) => b - a);
  const n = desc.length;
  return [account, { high: desc[Math.ceil(n * 0.1) - 1]!, low: desc[n - Math.floor(n * 0.6)]! }];
}));
const assets = new Map<string, { asset: SimulatedAsset; topic: StockTopic }>();
const forwardActions: number[] = [];
for (const asset of simulateStockAssets(world)) {
  // simulate.ts draws the topic first from the asset's own stream.
  const topic = createRng(world.seed, `asset:${Number(asset.assetId.slice(1))}`).pick(STOCK_TOPICS);
  assets.set(asset.assetId, { asset, topic });
  forwardActions.push(asset.kpi.forwardActions);
}
const faDesc = [...forwardActions].sort((a, b) => b - a);
const third = Math.ceil(faDesc.length / 3);
const stockThresholds = { high: faDesc[third - 1]!, medium: faDesc[2 * third - 1]! };

const quantized = (v: Verbalization): Verbalization => ({ ...v, ...parseCanonicalText(toCanonicalText(v)) });

/** log of the world's expected KPI (likes / forward actions) of a prediction standing in for the record's image. */
type KpiOf = (v: Verbalization) => number;
/** What the oracle knows about one test image: how to draw a scene from the prior, how likely a scene makes the caption
 *  (an acceptance probability ≤ 1), how likely a verbalization makes the post's true bucket, and its log expected KPI. */
type Evidence = { drawScene: (rng: Rng) => Scene; captionAccept: (scene: Scene) => number; bucketProbability: (v: Verbalization) => number; logKpi: KpiOf };

function evidenceFor(record: TestRecord, externalId: string, position: number): Evidence {
  if (record.kind === "social") {
    const found = posts.get(externalId);
    if (!found) throw new Error(`${record.id}: no post ${externalId} in ${worldDir}`);
    const { post, brand } = found;
    const thresholds = socialThresholds.get(post.account)!;
    const others = post.images.map((i) => i.verbalization);
    const logKpi: KpiOf = (v) => explainSocialKpi(world, post, others.map((o, k) => (k === position ? v : o))).logMean;
    const words = productWords(brand, post.keywords);
    const bound = productWordsBound(brand, words);
    return {
      drawScene: (rng) => sampleScene(rng, brandTendencies(brand)),
      // Only image 0 shapes the caption (simulate.ts); acceptance P(words | scene) / bound is an exact rejection step.
      captionAccept: (scene) => (position === 0 ? productWordsLikelihood(brand, words, scene) / bound : 1),
      bucketProbability: (v) => record.bucket === "high" ? socialTail(logKpi(v), Math.log(thresholds.high - 0.5))
        : 1 - socialTail(logKpi(v), Math.log(thresholds.low + 0.5)),
      logKpi,
    };
  }
  const found = assets.get(externalId);
  if (!found) throw new Error(`${record.id}: no asset ${externalId} in ${worldDir}`);
  const { asset, topic } = found;
  const background = asset.image.scene.background;
  const sd = Math.hypot(STOCK_NOISE.impressions, STOCK_NOISE.forwardRate);
  const logKpi: KpiOf = (v) => { const b = explainStockKpi(world, asset, v); return b.logImpressions + b.logForwardRate; };
  const above = (logFa: number, t: number) => 1 - normalCdf((Math.log(t - 0.5) - logFa) / sd);
  return {
    drawScene: (rng) => {
      // Every stock caption names the background (stockCaptions.ts): draw until it matches.
      for (let tries = 0; ; tries++) {
        const scene = sampleScene(rng, stockTendencies(topic));
        if ((scene.background.color === background.color && scene.background.tone === background.tone) || tries > 50_000) return scene;
      }
    },
    captionAccept: () => 1,
    bucketProbability: (v) => {
      const logFa = logKpi(v);
      return record.bucket === "high" ? above(logFa, stockThresholds.high)
        : record.bucket === "medium" ? above(logFa, stockThresholds.medium) - above(logFa, stockThresholds.high)
        : 1 - above(logFa, stockThresholds.medium);
    },
    logKpi,
  };
}

/** Renders beyond which the KPI oracle stops looking for more posterior samples (it then decides on those it has). */
const MAX_RENDERS = 6000;

/**
 * M samples from the caption posterior (no-KPI oracle) and M from the caption-and-bucket posterior (KPI oracle), both by
 * rejection from the world's scene prior: the second stream thins the first by P(bucket | scene), so both are exact
 * draws and MBR compares like with like (importance weights would leave the KPI oracle fewer effective samples).
 */
function oracleSamples(record: TestRecord, evidence: Evidence): { prior: Verbalization[]; posterior: Verbalization[]; renders: number } {
  const rng = createRng(world.seed, `oracle:${record.id}`);
  const prior: Verbalization[] = [];
  const posterior: Verbalization[] = [];
  let renders = 0;
  for (let draws = 0; draws < 5_000_000 && (prior.length < CANDIDATES || (posterior.length < CANDIDATES && renders < MAX_RENDERS)); draws++) {
    const scene = evidence.drawScene(rng);
    if (!rng.chance(evidence.captionAccept(scene))) continue;
    const verbalization = quantized(renderImage(scene, "oracle.png", world.imageSize).verbalization);
    renders++;
    if (prior.length < CANDIDATES) prior.push(verbalization);
    if (posterior.length < CANDIDATES && rng.chance(evidence.bucketProbability(verbalization))) posterior.push(verbalization);
  }
  return { prior, posterior: posterior.length > 0 ? posterior : prior, renders };
}

/** MBR by section (mbrDecode.ts) over equally weighted samples, composed into one verbalization. */
const decide = (samples: readonly Verbalization[]) => composeVerbalization(samples, mbrSectionChoice(samples));

const records = readTestRecords(instrDir).filter((r) => r.type <= 2 && r.variant === "behavior");
const limit = limitArg ? Number(limitArg) : Infinity;
type Row = { kpi: VerbalizationMetrics; nokpi: VerbalizationMetrics; shortPosterior: number; renders: number; logKpiGain: number };
const byDataset = new Map<string, Map<string, Row[]>>();
const started = Date.now();
let done = 0;
for (const record of records) {
  const where = postOf(record);
  if (!where) throw new Error(`${record.id}: cannot tell its post`);
  const buckets = byDataset.get(record.kind) ?? byDataset.set(record.kind, new Map()).get(record.kind)!;
  const rows = buckets.get(record.bucket) ?? buckets.set(record.bucket, []).get(record.bucket)!;
  if (rows.length >= limit) continue;
  const evidence = evidenceFor(record, where[0], where[1]);
  const { prior, posterior, renders } = oracleSamples(record, evidence);
  const truth = parseCanonicalText(record.verbalization);
  const nokpi = decide(prior);
  const kpi = decide(posterior);
  rows.push({
    kpi: verbalizationMetrics(truth, kpi), nokpi: verbalizationMetrics(truth, nokpi), shortPosterior: posterior.length < CANDIDATES ? 1 : 0,
    renders, logKpiGain: evidence.logKpi(kpi) - evidence.logKpi(nokpi),
  });
  if (++done % 100 === 0) console.error(`${done} images, ${Math.round((Date.now() - started) / 1000)} s`);
}

console.log(`KPI oracle vs no-KPI oracle, ${CANDIDATES} posterior samples each per image, MBR by section (${instrDir})`);
for (const [kind, buckets] of byDataset) {
  const order = [...buckets.keys()].sort();
  const rows = order.map((b) => buckets.get(b)!);
  const kpiAll = macroAverage(rows.map((r) => aggregateMetrics(r.map((x) => x.kpi))));
  const nokpiAll = macroAverage(rows.map((r) => aggregateMetrics(r.map((x) => x.nokpi))));
  const wins = countWins(kpiAll, nokpiAll);
  const intervals = advantageIntervals(rows.map((r) => ({ ours: r.map((x) => x.kpi), other: r.map((x) => x.nokpi) })));
  const short = rows.flat().reduce((s, r) => s + r.shortPosterior, 0);
  const renders = rows.flat().reduce((s, r) => s + r.renders, 0) / rows.flat().length;
  console.log(`\n${kind}: ${order.map((b, i) => `${b} ${rows[i]!.length}`).join(", ")} images; mean renders per image ${renders.toFixed(0)}; KPI oracle short of ${CANDIDATES} samples after ${MAX_RENDERS} renders: ${short}`);
  const gain = order.map((b, i) => `${b} ${(rows[i]!.reduce((s, r) => s + r.logKpiGain, 0) / rows[i]!.length).toFixed(3)}`).join(", ");
  console.log(`the KPI oracle's answer vs the no-KPI oracle's, mean change of log expected KPI in the post's context: ${gain}`);
  console.log(`wins ${wins.wins}/9; 95% interval above zero on ${intervals.surelyBetter}, below on ${intervals.surelyWorse}`);
  for (const name of METRIC_NAMES) {
    const a = intervals.metrics[name];
    const f = (x: number | null) => (x === null ? "n/a" : x.toFixed(4));
    console.log(`  ${name.padEnd(24)} kpi ${f(kpiAll.metrics[name].mean)}  nokpi ${f(nokpiAll.metrics[name].mean)}  advantage ${f(a.value)} (${f(a.low)} .. ${f(a.high)})`);
  }
}
