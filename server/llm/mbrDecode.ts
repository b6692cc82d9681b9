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
import { METRIC_DIRECTION, METRIC_NAMES, verbalizationMetrics, type ScoredVerbalization } from "../eval/verbalizationMetrics";
import type { BoigLlm } from "../ml/boigLlm";
import { drawSamples, withSamplingDefaults } from "./consensusDecode";
import { generateVerbalizations, type GeneratedVerbalization, type GenerateRequest } from "./decode";

export type MbrOptions = { samples?: number; temperature?: number; topP?: number; seed?: number; batchSize?: number };
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

export async function generateMbr(
  llm: BoigLlm,
  requests: readonly GenerateRequest[],
  options: MbrOptions = {},
): Promise<GeneratedVerbalization[]> {
  const greedy = await generateVerbalizations(llm, requests, { temperature: 0, batchSize: options.batchSize });
  const perRequest = await drawSamples(llm, requests, withSamplingDefaults(options, DEFAULT_MBR));
  return requests.map((_, r) => {
    const candidates = [greedy[r]!, ...perRequest[r]!];
    return candidates[mbrChoice(candidates.map((c) => c.verbalization))]!;
  });
}
