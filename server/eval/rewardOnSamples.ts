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
 * evaluation detector (estimateTrueKpis, as Table 2). Reported per dataset and reward variant: the
 * mean over prompts of the within-prompt Spearman correlation, and the pooled Spearman over all
 * images (which also credits ranking across prompts).
 */
import { estimateTrueKpis } from "../services/estimateTrueKpis";
import { generateImages } from "../services/generateImages";
import { scoreImages } from "../services/scoreImages";
import { promptFields, testPostGroups, trueKpiContext } from "./evalSd";
import { spearman } from "./rankStatistics";
import { openWorld } from "./worldTestSplit";

export const SAMPLE_REWARD_VARIANTS = ["calibrated", "paper"] as const;
type Variant = (typeof SAMPLE_REWARD_VARIANTS)[number];

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
  /** Mean over prompts of Spearman(reward, true KPI) among that prompt's samples (prompts whose samples tie are left out). */
  withinPrompt: Record<Variant, number | null>;
  pooled: Record<Variant, number | null>;
  meanTrueKpi: number;
};

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
    const within: Record<Variant, number[]> = { calibrated: [], paper: [] };
    const pooled = { calibrated: [] as number[], paper: [] as number[], kpi: [] as number[] };
    for (const [p, item] of group.posts.entries()) {
      const generation = await generateImages({ ...promptFields(item), variants: samples, seed: 1000 * p }, { modelDir: options.sdModelDir });
      const images = generation.images;
      const scored = await scoreImages(
        images.map((image) => ({ ...promptFields(item), image: image.png, detector: "scene" as const })),
        { modelDir: options.boigllmDir, breakdown: false },
      );
      const kpi = (await estimateTrueKpis(world.model, images.map(() => trueKpiContext(item)), images.map((i) => i.image))).map((t) => t.kpi);
      pooled.kpi.push(...kpi);
      for (const variant of SAMPLE_REWARD_VARIANTS) {
        const rewards = scored.map((s) => s.reward[variant]);
        pooled[variant].push(...rewards);
        const rho = spearman(rewards, kpi);
        if (rho !== null && Number.isFinite(rho)) within[variant].push(rho);
      }
      options.onProgress?.(++done / total, `${group.dataset}: prompt ${p + 1}/${group.posts.length}`);
    }
    reports.push({
      dataset: group.dataset,
      prompts: group.posts.length,
      images: pooled.kpi.length,
      withinPrompt: { calibrated: mean(within.calibrated), paper: mean(within.paper) },
      pooled: { calibrated: spearman(pooled.calibrated, pooled.kpi), paper: spearman(pooled.paper, pooled.kpi) },
      meanTrueKpi: mean(pooled.kpi) ?? Number.NaN,
    });
  }
  return reports;
}
