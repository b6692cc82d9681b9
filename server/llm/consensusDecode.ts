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

export type ConsensusOptions = { samples?: number; temperature?: number; topP?: number; seed?: number; batchSize?: number };
export const DEFAULT_CONSENSUS = { samples: 8, temperature: 1, topP: 0.95 } as const;

export async function generateConsensus(
  llm: BoigLlm,
  requests: readonly GenerateRequest[],
  options: ConsensusOptions = {},
): Promise<GeneratedVerbalization[]> {
  const samples = Math.max(1, options.samples ?? DEFAULT_CONSENSUS.samples);
  // Row r·samples + s is sample s of request r; each row has its own seeded stream.
  const expanded = requests.flatMap((request) => Array.from({ length: samples }, () => request));
  const drawn = await generateVerbalizations(llm, expanded, {
    temperature: options.temperature ?? DEFAULT_CONSENSUS.temperature,
    topP: options.topP ?? DEFAULT_CONSENSUS.topP,
    seed: options.seed ?? 0,
    batchSize: options.batchSize,
  });
  return requests.map((_, r) => medoidShot(drawn.slice(r * samples, (r + 1) * samples)));
}
