/**
 * Consensus decoding (minimum-Bayes-risk over the model's own samples): draw `samples`
 * verbalizations per prompt with temperature/top-p sampling and return the medoid — the sample
 * that agrees most with the others (mean of colors IoU and objects IoU, the same agreement the
 * retrieval baselines' medoid uses, server/llm/retrievalBaseline.ts). Greedy decoding picks the
 * most likely token at each step, which for a small model is often the data's most common answer
 * ("white 90") rather than the most typical whole verbalization; the medoid of samples estimates
 * the latter. Deterministic for a given seed.
 */
import type { BoigLlm } from "../ml/boigLlm";
import { generateVerbalizations, type GeneratedVerbalization, type GenerateRequest } from "./decode";
import { medoidShot } from "./retrievalBaseline";

export type ConsensusOptions = {
  samples?: number; temperature?: number; topP?: number; seed?: number; batchSize?: number;
  /** KPI guidance scale for every draw (decode.ts GenerateOptions.kpiGuidance); 0/unset = off. */
  kpiGuidance?: number;
};
export const DEFAULT_CONSENSUS = { samples: 8, temperature: 1, topP: 0.95 } as const;

export async function generateConsensus(
  llm: BoigLlm,
  requests: readonly GenerateRequest[],
  options: ConsensusOptions = {},
): Promise<GeneratedVerbalization[]> {
  const perRequest = await drawSamples(llm, requests, withSamplingDefaults(options, DEFAULT_CONSENSUS));
  return perRequest.map((drawn) => medoidShot(drawn));
}

/** The options with each sampling setting left unset (or undefined) taken from `defaults`. */
export function withSamplingDefaults(options: ConsensusOptions, defaults: { samples: number; temperature: number; topP: number }) {
  return {
    samples: options.samples ?? defaults.samples,
    temperature: options.temperature ?? defaults.temperature,
    topP: options.topP ?? defaults.topP,
    seed: options.seed,
    batchSize: options.batchSize,
    kpiGuidance: options.kpiGuidance,
  };
}

/** `samples` seeded samples per request, grouped by request (row r·samples + s is sample s of request r, each row its own stream). */
export async function drawSamples(
  llm: BoigLlm,
  requests: readonly GenerateRequest[],
  options: Required<Pick<ConsensusOptions, "samples" | "temperature" | "topP">> & Pick<ConsensusOptions, "seed" | "batchSize" | "kpiGuidance">,
): Promise<GeneratedVerbalization[][]> {
  const samples = Math.max(1, options.samples);
  const expanded = requests.flatMap((request) => Array.from({ length: samples }, () => request));
  const drawn = await generateVerbalizations(llm, expanded, { temperature: options.temperature, topP: options.topP, seed: options.seed ?? 0, batchSize: options.batchSize, kpiGuidance: options.kpiGuidance });
  return requests.map((_, r) => drawn.slice(r * samples, (r + 1) * samples));
}
