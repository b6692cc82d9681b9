/**
 * KPI guidance: classifier-free guidance (Ho & Salimans 2022; for language models Sanchez et al.
 * 2023) over BoigLLM's kpi token, at decode time.
 *
 * BoigLLM is trained on prompts that state the KPI (paper §3, instruction types 1–2), but the
 * next-token loss leaves it only weakly dependent on that token (docs/results.md: 0.03–0.04 nats
 * per token). Guidance sharpens what the model did learn about the KPI, without retraining: per
 * decoding step, over the tokens the grammar allows,
 *
 *   score(t) = log p(t | x, k) + γ · (log p(t | x, k) − log p(t | x)),
 *   p(t | x) = Σ_k' prior(k') · p(t | x, k')
 *
 * i.e. p(t | x, k)^(1+γ) / p(t | x)^γ: γ = 0 is plain decoding; γ > 0 moves each choice toward what
 * distinguishes KPI k from the other labels. p(t | x) is the same model with each label of the
 * dataset (the prompt's `kpi` field swapped, reward.ts withKpi) mixed by the bucket definition
 * (BUCKET_SHARE) — no second model, so the contrast is the kpi token's effect and nothing else.
 */
import type { DatasetKind } from "../db/schema";
import { BUCKET_SHARE, KPI_LABELS } from "./instructions";
import { promptKpi } from "./kpiPosterior";
import { withKpi } from "./reward";

/** The prompts to run for one guided request: every label of its dataset, and which is its own. */
export function guidancePrompts(prompt: string): { prompts: string[]; own: number; logPrior: number[] } {
  const { kind, label } = promptKpi(prompt);
  const labels = KPI_LABELS[kind];
  return { prompts: labels.map((l) => withKpi(prompt, l)), own: labels.indexOf(label), logPrior: logPriorOf(kind) };
}

function logPriorOf(kind: DatasetKind): number[] {
  const shares = KPI_LABELS[kind].map((l) => BUCKET_SHARE[kind][l]!);
  const total = shares.reduce((a, b) => a + b, 0);
  return shares.map((s) => Math.log(s / total));
}

/** Log-softmax of `logits` restricted to `ids` (the grammar's allowed tokens). */
export function allowedLogSoftmax(logits: Float32Array, ids: readonly number[]): Float64Array {
  const out = new Float64Array(ids.length);
  let max = -Infinity;
  for (const id of ids) max = Math.max(max, logits[id]!);
  let total = 0;
  for (const id of ids) total += Math.exp(logits[id]! - max);
  const logTotal = max + Math.log(total);
  ids.forEach((id, i) => (out[i] = logits[id]! - logTotal));
  return out;
}

/**
 * Guided scores over the allowed tokens: `rows` holds one logits row per label (in
 * guidancePrompts' order), `own` the prompt's label. Returns log-probability-scale scores (higher
 * = better) for argmax, or for a softmax at a temperature.
 */
export function guidedScores(rows: readonly Float32Array[], ids: readonly number[], own: number, logPrior: readonly number[], scale: number): Float64Array {
  const perLabel = rows.map((row) => allowedLogSoftmax(row, ids)); // [labels][allowed]
  const scores = new Float64Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    // log Σ_k' prior(k') p(t | x, k'), shifted by the max for stability.
    const terms = perLabel.map((lp, k) => logPrior[k]! + lp[i]!);
    const top = Math.max(...terms);
    const unconditional = top + Math.log(terms.reduce((a, x) => a + Math.exp(x - top), 0));
    const conditional = perLabel[own]![i]!;
    scores[i] = conditional + scale * (conditional - unconditional);
  }
  return scores;
}
