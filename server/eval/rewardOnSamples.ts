/**
 * Does the reward rank a diffusion model's OWN samples by their true KPI? This is the signal DDPO
 * actually optimizes (SPEC §5): advantages are normalized per prompt, so only the order of the
 * rewards among samples of the same prompt moves the policy. `boig eval reward` on real test images
 * measures the reward across posts; this measures it within a prompt, on generated images.
 *
 * For the first `prompts` distinct high-KPI test posts of each dataset (the target DDPO aims at),
 * the SD model generates `samplesPerPrompt` images with the app's generation service (seed
 * 1000·p + s, as evalSd), each is scored with both rewards by the app's scoreImages conditioned on
 * KPI = high, and its true KPI is the world's expected KPI of the image verbalized by the
 * evaluation detector (estimateTrueKpis, as Table 2). Reported per dataset and ranker: the mean
 * over prompts of the within-prompt Spearman correlation, the pooled Spearman over all images
 * (which also credits ranking across prompts), and best-of-N: the mean true KPI of each prompt's
 * top-ranked sample, against the mean of all samples (what picking by the ranker buys; DDPO can at
 * best learn to produce what the ranker picks).
 *
 * Rankers: the two reward variants, and a CEILING — the world's own expected KPI of the very
 * verbalization the reward read (the scene detector's). No reward that reads that verbalization can
 * rank better than the hidden engagement model itself; the gap between a reward and the ceiling is
 * what a better reward model could still win, the ceiling's own distance from 1 is detector noise.
 */
import { estimateTrueKpis, expectedKpiOf } from "../services/estimateTrueKpis";
import { generateImages } from "../services/generateImages";
import { scoreImages } from "../services/scoreImages";
import { promptFields, testPostGroups, trueKpiContext } from "./evalSd";
import { pairedRatioInterval, type Interval } from "./pairedBootstrap";
import { spearman } from "./rankStatistics";
import { openWorld } from "./worldTestSplit";

export const SAMPLE_REWARD_VARIANTS = ["calibrated", "paper"] as const;
/** The reward variants, then the ceiling (the world's expected KPI of the reward's verbalization). */
export const SAMPLE_RANKERS = [...SAMPLE_REWARD_VARIANTS, "ceiling"] as const;
type Ranker = (typeof SAMPLE_RANKERS)[number];

export type RewardOnSamplesOptions = {
  data: string;
  world: string;
  /** The diffusion model whose samples are ranked (e.g. DDPO's starting point). */
  sdModelDir: string;
  /** BoigLLM for the rewards (default: the served one). */
  boigllmDir?: string;
  prompts?: number;
  samplesPerPrompt?: number;
  onProgress?: (fraction: number, message: string) => void;
};

export type SampleRankingReport = {
  dataset: string;
  prompts: number;
  images: number;
  /** Mean over prompts of Spearman(ranker, true KPI) among that prompt's samples (prompts whose samples tie are left out). */
  withinPrompt: Record<Ranker, number | null>;
  pooled: Record<Ranker, number | null>;
  /** Mean over prompts of the true KPI of the sample the ranker puts first. */
  bestOfN: Record<Ranker, number>;
  /** 95% paired bootstrap interval over prompts of bestOfN / meanTrueKpi − 1: likes are heavy-tailed,
   *  so a few prompts with one very rich pick can carry a best-of-N mean. */
  bestOfNChange: Record<Ranker, Interval | null>;
  meanTrueKpi: number;
};

const rankerRecord = <T>(make: (ranker: Ranker) => T) => Object.fromEntries(SAMPLE_RANKERS.map((r) => [r, make(r)])) as Record<Ranker, T>;
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export async function rewardOnSamples(options: RewardOnSamplesOptions): Promise<SampleRankingReport[]> {
  const prompts = options.prompts ?? 16;
  const samples = options.samplesPerPrompt ?? 8;
  if (samples < 3) throw new Error("samplesPerPrompt must be at least 3 for a within-prompt rank correlation");
  const world = openWorld(options.world);
  const groups = (await testPostGroups(options.data, world, prompts)).filter((g) => g.bucket === "high");
  const reports: SampleRankingReport[] = [];
  const total = groups.reduce((s, g) => s + g.posts.length, 0);
  let done = 0;
  for (const group of groups) {
    const within = rankerRecord((): number[] => []);
    const pooled = rankerRecord((): number[] => []);
    const picked = rankerRecord((): number[] => []);
    const pooledKpi: number[] = [];
    const promptMeanKpi: number[] = [];
    for (const [p, item] of group.posts.entries()) {
      const generation = await generateImages({ ...promptFields(item), variants: samples, seed: 1000 * p }, { modelDir: options.sdModelDir });
      const images = generation.images;
      const scored = await scoreImages(
        images.map((image) => ({ ...promptFields(item), image: image.png, detector: "scene" as const })),
        { modelDir: options.boigllmDir, breakdown: false },
      );
      const context = trueKpiContext(item);
      const kpi = (await estimateTrueKpis(world.model, images.map(() => context), images.map((i) => i.image))).map((t) => t.kpi);
      pooledKpi.push(...kpi);
      promptMeanKpi.push(mean(kpi)!);
      const scores: Record<Ranker, number[]> = {
        calibrated: scored.map((s) => s.reward.calibrated),
        paper: scored.map((s) => s.reward.paper),
        ceiling: scored.map((s) => expectedKpiOf(world.model, context, s.verbalization)),
      };
      for (const ranker of SAMPLE_RANKERS) {
        const values = scores[ranker];
        pooled[ranker].push(...values);
        const rho = spearman(values, kpi);
        if (rho !== null && Number.isFinite(rho)) within[ranker].push(rho);
        picked[ranker].push(kpi[values.indexOf(Math.max(...values))]!);
      }
      options.onProgress?.(++done / total, `${group.dataset}: prompt ${p + 1}/${group.posts.length}`);
    }
    reports.push({
      dataset: group.dataset,
      prompts: group.posts.length,
      images: pooledKpi.length,
      withinPrompt: rankerRecord((r) => mean(within[r])),
      pooled: rankerRecord((r) => spearman(pooled[r], pooledKpi)),
      bestOfN: rankerRecord((r) => mean(picked[r]) ?? Number.NaN),
      bestOfNChange: rankerRecord((r) => pairedRatioInterval(picked[r], promptMeanKpi)),
      meanTrueKpi: mean(pooledKpi) ?? Number.NaN,
    });
  }
  return reports;
}
