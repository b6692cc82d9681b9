/**
 * P(the prompt's KPI label | verbalization, prompt) under a behavior model, for many candidate
 * verbalizations of many prompts in one batched targetLikelihoods call:
 *
 *   P(k | v, x) = p(v | x, k) · prior(k) / Σ_k' p(v | x, k') · prior(k')
 *
 * where p(v | x, k) is the model's teacher-forced likelihood of v's canonical text after the prompt
 * x with `kpi k` (the type 1/2 prompt, the label swapped by reward.ts's withKpi) and the prior is
 * the bucket definition (BUCKET_SHARE), as in reward.ts's calibrated variant: for social, this
 * posterior of "high" is that reward's probabilityHigh.
 *
 * Used by behavior-weighted MBR (mbrDecode.ts): by Bayes, p(v | x, k) ∝ p(v | x) · P(k | v, x), so
 * samples of how an image of this prompt looks, weighted by how much they look like KPI k, stand in
 * for samples of how an image with KPI k looks.
 */
import type { Bucket, DatasetKind } from "../db/schema";
import { badInput } from "../errors";
import type { BoigLlm } from "../ml/boigLlm";
import { toCanonicalText } from "../verbalize/canonical";
import type { Verbalization } from "../verbalize/types";
import { BUCKET_SHARE, KPI_LABELS } from "./instructions";
import { withKpi } from "./reward";
import { targetLikelihoods, type TargetPair } from "./scoreTargets";

const KIND_FIELD = /^task (social|stock) ; /;
const KPI_FIELD = / ; kpi (\w+) ; /;

/** The dataset kind and KPI label a type 1/2 behavior prompt states (buildPrompt's layout). */
export function promptKpi(prompt: string): { kind: DatasetKind; label: Bucket } {
  const kind = KIND_FIELD.exec(prompt)?.[1] as DatasetKind | undefined;
  const label = KPI_FIELD.exec(prompt)?.[1] as Bucket | undefined;
  if (!kind || !label) throw badInput(`not a behavior verbalization prompt (needs "task <kind> ;" and "; kpi <label> ;"): ${prompt.slice(0, 80)}`);
  if (!KPI_LABELS[kind].includes(label)) throw badInput(`kpi ${label} is not a ${kind} label (${KPI_LABELS[kind].join(", ")})`);
  return { kind, label };
}

export type PosteriorRequest = { prompt: string; verbalizations: readonly Pick<Verbalization, "colors" | "tones" | "objects">[] };

/** Per request, per verbalization: P(the prompt's label | v, prompt). Each row of numbers is in [0, 1]. */
export async function kpiPosteriors(llm: BoigLlm, requests: readonly PosteriorRequest[], options: { batchSize?: number } = {}): Promise<number[][]> {
  const pairs: TargetPair[] = [];
  const layout = requests.map((request) => {
    const { kind, label } = promptKpi(request.prompt);
    const labels = KPI_LABELS[kind];
    const first = pairs.length;
    for (const v of request.verbalizations) {
      const target = toCanonicalText(v);
      for (const l of labels) pairs.push({ prompt: withKpi(request.prompt, l), target });
    }
    return { kind, labels, own: labels.indexOf(label), first };
  });
  const scored = await targetLikelihoods(llm, pairs, options);
  return requests.map((request, r) => {
    const { kind, labels, own, first } = layout[r]!;
    return request.verbalizations.map((_, c) => {
      // log p(v | x, k) + log prior(k) per label, then a softmax (shifted by the max: stable).
      const logJoint = labels.map((l, i) => {
        const { logProbs } = scored[first + c * labels.length + i]!;
        return logProbs.reduce((a, b) => a + b, 0) + Math.log(BUCKET_SHARE[kind][l]!);
      });
      const top = Math.max(...logJoint);
      const total = logJoint.reduce((a, x) => a + Math.exp(x - top), 0);
      return Math.exp(logJoint[own]! - top) / total;
    });
  });
}
