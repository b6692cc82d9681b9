/**
 * Minimum-Bayes-risk decoding against Table 1's own metrics. Draw `samples` verbalizations per
 * prompt (temperature / top-p, seeded), add the greedy answer, and return the candidate with the
 * highest expected utility when each sample in turn stands in for the unknown ground truth:
 *
 *   ĉ = argmax_c  mean_{s ≠ c}  U(truth = s, prediction = c)
 *
 * U is the mean of the nine SPEC §6 metrics of server/eval/verbalizationMetrics.ts, each turned so
 * that higher is better (1 − x for the error metrics, all of which lie in [0, 1]); a metric that is
 * undefined for a pair (e.g. no objects in the stand-in truth) is left out of that pair's mean.
 * This is the Bayes decision for the model's own belief over verbalizations (Kumar & Byrne 2004;
 * Freitag et al. 2022 for MBR with the evaluation metric as utility). Greedy decoding picks the
 * likeliest token per step, which for a small model favors short, common answers; consensus
 * decoding (consensusDecode.ts) uses only the two IoUs as agreement. Deterministic for a seed.
 */
import { METRIC_DIRECTION, METRIC_NAMES, verbalizationMetrics, type MetricName, type ScoredVerbalization } from "../eval/verbalizationMetrics";
import type { BoigLlm } from "../ml/boigLlm";
import { drawSamples, withSamplingDefaults } from "./consensusDecode";
import { generateVerbalizations, type GeneratedVerbalization, type GenerateRequest } from "./decode";
import { toCanonicalText } from "../verbalize/canonical";

export type MbrOptions = {
  samples?: number; temperature?: number; topP?: number; seed?: number; batchSize?: number;
  /** KPI guidance scale for the greedy answer and every sample (decode.ts); 0/unset = off. */
  kpiGuidance?: number;
  /** Choose colors, tones and objects separately (mbrSectionChoice) instead of one whole candidate. */
  bySection?: boolean;
  /**
   * With bySection: per request, a weight for each candidate as evidence (greedy first, then the
   * samples), e.g. P(prompt's KPI | candidate) from kpiPosteriors. Default: equal weights.
   */
  weigh?: (requests: readonly GenerateRequest[], candidates: readonly GeneratedVerbalization[][]) => Promise<number[][]>;
};
export const DEFAULT_MBR = { samples: 16, temperature: 0.7, topP: 0.95 } as const;

/** Mean over the defined Table 1 metrics of (truth, prediction), each oriented higher-is-better. */
export function table1Utility(truth: ScoredVerbalization, prediction: ScoredVerbalization): number {
  const metrics = verbalizationMetrics(truth, prediction);
  let total = 0;
  let defined = 0;
  for (const name of METRIC_NAMES) {
    const value = metrics[name];
    if (value === null) continue;
    total += METRIC_DIRECTION[name] === "higher" ? value : 1 - value;
    defined++;
  }
  return defined === 0 ? 0 : total / defined;
}

/** Index of the candidate with the highest mean utility against the others (ties: the earliest). */
export function mbrChoice(candidates: readonly ScoredVerbalization[]): number {
  if (candidates.length === 0) throw new Error("mbrChoice needs at least one candidate");
  let best = 0;
  let bestScore = -Infinity;
  for (let c = 0; c < candidates.length; c++) {
    let total = 0;
    for (let s = 0; s < candidates.length; s++) if (s !== c) total += table1Utility(candidates[s]!, candidates[c]!);
    const score = candidates.length > 1 ? total / (candidates.length - 1) : 0;
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

/**
 * The sections a Table 1 metric reads: colors metrics read only the colors, the tones metric only
 * the tones, objects metrics only the objects (verbalizationMetrics). Invariant: every metric is in
 * exactly one section.
 */
export const METRIC_SECTIONS = {
  colors: ["colorsIoU", "colorsSimilarity", "colorsRgbDistance", "colorsCoverageRmse"],
  tones: ["tonesCoverageRmse"],
  objects: ["objectsIoU", "objectsSimilarity", "objectAreaRmse", "relativePositionError"],
} as const satisfies Record<keyof ScoredVerbalization, readonly MetricName[]>;
type Section = keyof typeof METRIC_SECTIONS;
const SECTIONS = Object.keys(METRIC_SECTIONS) as Section[];

/**
 * MBR per section. Table 1 scores each metric on its own and each metric reads one section, so the
 * utility is taken as a sum of per-section utilities (each the mean of that section's defined
 * metrics), and choosing each section's candidate separately maximizes that sum over every
 * combination of the candidates' sections (a superset of mbrChoice's hypotheses, with the same
 * samples as evidence; table1Utility's one mean over all nine weighs the sections 4:1:4 and drops
 * undefined metrics across sections, which this does not). Per section, the score of candidate c is the mean
 * over the other candidates s of the mean of that section's defined metrics (oriented as in
 * table1Utility), weighted by `weights[s]` when given (behavior-weighted MBR, kpiPosterior.ts);
 * ties go to the earliest candidate. Returns, per section, the chosen index.
 */
export function mbrSectionChoice(candidates: readonly ScoredVerbalization[], weights?: readonly number[]): Record<Section, number> {
  if (candidates.length === 0) throw new Error("mbrSectionChoice needs at least one candidate");
  const n = candidates.length;
  if (weights && (weights.length !== n || weights.some((w) => !(w >= 0)))) throw new Error("mbrSectionChoice: one weight ≥ 0 per candidate");
  const weightOf = (s: number) => (weights ? weights[s]! : 1);
  const totals = Object.fromEntries(SECTIONS.map((section) => [section, new Float64Array(n)])) as Record<Section, Float64Array>;
  const evidence = new Float64Array(n); // Σ_{s≠c} w_s: each candidate's score is a weighted mean
  for (let c = 0; c < n; c++) {
    for (let s = 0; s < n; s++) {
      if (s === c) continue;
      evidence[c]! += weightOf(s);
      const metrics = verbalizationMetrics(candidates[s]!, candidates[c]!);
      for (const section of SECTIONS) {
        let total = 0;
        let defined = 0;
        for (const name of METRIC_SECTIONS[section]) {
          const value = metrics[name];
          if (value === null) continue;
          total += METRIC_DIRECTION[name] === "higher" ? value : 1 - value;
          defined++;
        }
        if (defined > 0) totals[section][c]! += (weightOf(s) * total) / defined;
      }
    }
  }
  for (const section of SECTIONS) totals[section].forEach((t, c) => (totals[section][c] = evidence[c]! > 0 ? t / evidence[c]! : 0));
  const argmax = (scores: Float64Array) => scores.reduce((best, score, i) => (score > scores[best]! ? i : best), 0);
  return Object.fromEntries(SECTIONS.map((section) => [section, argmax(totals[section])])) as Record<Section, number>;
}

/** One verbalization from the chosen candidates' sections (every other field from the colors choice). */
export function composeVerbalization<V extends ScoredVerbalization>(candidates: readonly V[], choice: Record<Section, number>): V {
  return { ...candidates[choice.colors]!, tones: candidates[choice.tones]!.tones, objects: candidates[choice.objects]!.objects };
}

/** composeVerbalization for decoded candidates (the caption of the colors choice). */
function composeSections(candidates: readonly GeneratedVerbalization[], choice: Record<Section, number>): GeneratedVerbalization {
  const [colors, tones, objects] = [candidates[choice.colors]!, candidates[choice.tones]!, candidates[choice.objects]!];
  const verbalization = composeVerbalization(candidates.map((c) => c.verbalization), choice);
  const canonical = toCanonicalText(verbalization);
  return {
    canonical, verbalization, text: canonical, kpiLabel: colors.kpiLabel,
    tokens: Math.max(colors.tokens, tones.tokens, objects.tokens),
    truncated: colors.truncated || tones.truncated || objects.truncated,
  };
}

export async function generateMbr(
  llm: BoigLlm,
  requests: readonly GenerateRequest[],
  options: MbrOptions = {},
): Promise<GeneratedVerbalization[]> {
  const greedy = await generateVerbalizations(llm, requests, { temperature: 0, batchSize: options.batchSize, kpiGuidance: options.kpiGuidance });
  const perRequest = await drawSamples(llm, requests, withSamplingDefaults(options, DEFAULT_MBR));
  const candidates = requests.map((_, r) => [greedy[r]!, ...perRequest[r]!]);
  if (options.weigh && !options.bySection) throw new Error("generateMbr: weights are only used with bySection");
  const weights = options.weigh ? await options.weigh(requests, candidates) : null;
  return candidates.map((these, r) => {
    const scored = these.map((c) => c.verbalization);
    return options.bySection ? composeSections(these, mbrSectionChoice(scored, weights?.[r])) : these[mbrChoice(scored)]!;
  });
}
