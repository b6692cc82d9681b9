/**
 * The BoigLLM reward of an image for a prompt (SPEC §4; paper §4 "reward"), batched: DDPO scores
 * many images per step, so every (prompt, verbalization) pair of a call goes through ONE
 * targetLikelihoods call (which batches pairs of equal token length, `batchSize` at most, so a
 * pair's numbers never depend on what else is scored with it).
 *
 * Two variants, both from teacher-forced likelihoods of the image's canonical verbalization v
 * (its tokens and <eos>, exactly what the trainer's loss covers; docs/boigllm.md §2):
 *
 * - paper: build [KPI = high, prompt, v] and sum the token probabilities exp(log p). The paper sums
 *   over "the tokens of that text"; we sum over v's tokens only. The prompt's own tokens come
 *   before v in a causal LM, so their probabilities do not depend on the image: they would add
 *   the same constant to every image of a prompt and change no comparison (and DDPO normalizes
 *   advantages per prompt anyway, SPEC §5). `paperMean` divides by the token count, so
 *   verbalizations of different lengths (more objects = more tokens = a larger sum) can be
 *   compared fairly.
 * - calibrated: log-odds of high vs low KPI,
 *       Σ log p(v | kpi high, prompt) − Σ log p(v | kpi low, prompt) + log prior odds,
 *   the two prompts identical except for the kpi label (stock: high vs low too; medium is left
 *   out, as the social buckets leave out their middle). By Bayes, the likelihood ratio plus the
 *   prior log-odds is the posterior log-odds log P(high | v, prompt) / P(low | v, prompt). The
 *   model cannot supply the prior (the KPI is an input of its prompt, never predicted in types
 *   1–2), so we take it from the bucket definition the training data was built with (SPEC §3.3):
 *   social high = top 10% and low = bottom 60% of an account's posts → log(0.1 / 0.6); stock
 *   terciles → log(1) = 0. The prior is a constant per kind: it moves no ranking, AUC or DDPO
 *   advantage, but it makes `probabilityHigh` = sigmoid(calibrated) read as a probability.
 *
 * Breakdown (optional, `breakdown: true`): for each color, tone and object of v, the same scoring
 * of v without it; contribution = reward(v) − reward(v without it), for both variants (positive =
 * the attribute raises the score). Removing an attribute leaves the other coverages as they are:
 * "the same image as described, minus this one thing".
 */
import type { Bucket, DatasetKind } from "../db/schema";
import { badInput } from "../errors";
import type { BoigLlm } from "../ml/boigLlm";
import { placement } from "../verbalize/caption";
import { parseCanonicalText, toCanonicalText } from "../verbalize/canonical";
import type { Verbalization } from "../verbalize/types";
import { BUCKET_SHARE, buildPrompt, type PromptFields } from "./instructions";
import { targetLikelihoods, type TargetPair } from "./scoreTargets";

/** The buckets the calibrated variant compares (SPEC §4 "log-odds of high vs low KPI"). */
export const REWARD_LABELS = ["high", "low"] as const satisfies readonly Bucket[];

/** P(high) / P(low) of the bucket definition (SPEC §3.3), as log-odds: see the header. */
export const PRIOR_LOG_ODDS: Record<DatasetKind, number> = {
  social: Math.log(BUCKET_SHARE.social.high! / BUCKET_SHARE.social.low!),
  stock: Math.log(BUCKET_SHARE.stock.high! / BUCKET_SHARE.stock.low!),
};

export const DEFAULT_REWARD_BATCH_SIZE = 32;

/** The prompt fields of a reward: everything of an instruction prompt but the KPI label. */
export type RewardPromptFields = Omit<PromptFields, "kpi" | "check">;

export type RewardRequest = {
  kind: DatasetKind;
  /** The type 1/2 instruction prompt with `kpi high`, and the same with `kpi low`. */
  promptHigh: string;
  promptLow: string;
  /** The image's verbalization (quantized to its canonical form before scoring). */
  verbalization: Pick<Verbalization, "colors" | "tones" | "objects">;
};

export type Reward = {
  /** Paper: Σ over v's tokens (incl. <eos>) of p(token | kpi high, prompt, tokens before). */
  paper: number;
  /** paper / tokens: the mean token probability, comparable across lengths. */
  paperMean: number;
  /** Posterior log-odds of high vs low KPI: logLikelihood.high − logLikelihood.low + priorLogOdds. */
  calibrated: number;
  /** sigmoid(calibrated): P(high | v, prompt), given the post is high or low. */
  probabilityHigh: number;
  logLikelihood: { high: number; low: number };
  priorLogOdds: number;
  /** Target tokens scored (v's tokens + <eos>). */
  tokens: number;
};

export type AttributeKind = "color" | "tone" | "object";

export type AttributeContribution = {
  kind: AttributeKind;
  /** In plain words: "color blue 45%", "tone warm 80%", "object person at the top left". */
  label: string;
  /** reward(v) − reward(v without this attribute); positive = it raises the score. */
  paper: number;
  paperMean: number;
  calibrated: number;
};

export type RewardResult = {
  /** The canonical text that was scored. */
  canonical: string;
  reward: Reward;
  /** Present when `breakdown: true`: one entry per color, tone and object of v, in v's order. */
  breakdown: AttributeContribution[] | null;
};

export type RewardOptions = {
  /** Rows per onnxruntime batch (default DEFAULT_REWARD_BATCH_SIZE). */
  batchSize?: number;
  /** Also score v without each attribute (1 + attributes scorings per image). Default false. */
  breakdown?: boolean;
};

/** The reward's two prompts from prompt fields (type 1 social with brand, type 2 stock without). */
export function rewardRequest(fields: RewardPromptFields, verbalization: RewardRequest["verbalization"]): RewardRequest {
  return {
    kind: fields.kind,
    promptHigh: buildPrompt({ ...fields, kpi: "high" }),
    promptLow: buildPrompt({ ...fields, kpi: "low" }),
    verbalization,
  };
}

const KPI_FIELD = /(^| ; )kpi (high|medium|low)( ; |$)/g;

/**
 * An instruction prompt with its KPI label replaced (e.g. a test record's prompt → the reward's
 * high and low prompts). Free text is normalized to [a-z0-9] words, so " ; kpi X ; " can only be
 * the KPI field; a prompt with no or several KPI fields is refused.
 */
export function withKpi(prompt: string, kpi: Bucket): string {
  const found = [...prompt.matchAll(KPI_FIELD)].length;
  if (found !== 1) throw badInput(`prompt: expected exactly one "kpi LABEL" field, found ${found}`, { prompt });
  return prompt.replace(KPI_FIELD, (_, before: string, __: string, after: string) => `${before}kpi ${kpi}${after}`);
}

/** One verbalization to score: the full one, or one with an attribute removed. */
type Variant = { target: string; attribute: { kind: AttributeKind; label: string } | null };

export async function computeRewards(llm: BoigLlm, requests: readonly RewardRequest[], options: RewardOptions = {}): Promise<RewardResult[]> {
  if (llm.variant !== "behavior")
    throw badInput(`the reward needs the behavior model; ${llm.name} (${llm.artifactDir}) is the ${llm.variant} variant, which never saw a KPI label`);
  const perRequest = requests.map((request) => variantsOf(request.verbalization, options.breakdown ?? false));
  // Every pair of the call, in order: for each request, for each variant, [high, low].
  const pairs: TargetPair[] = requests.flatMap((request, r) =>
    perRequest[r]!.flatMap((variant) => [
      { prompt: request.promptHigh, target: variant.target },
      { prompt: request.promptLow, target: variant.target },
    ]),
  );
  const scored = await targetLikelihoods(llm, pairs, { batchSize: options.batchSize ?? DEFAULT_REWARD_BATCH_SIZE });

  let next = 0;
  return requests.map((request, r) => {
    const rewards = perRequest[r]!.map(() => {
      const high = scored[next++]!;
      const low = scored[next++]!;
      return toReward(request.kind, high.logProbs, low.logProbs);
    });
    const full = rewards[0]!;
    const breakdown = options.breakdown
      ? perRequest[r]!.slice(1).map((variant, i) => {
          const without = rewards[i + 1]!;
          return {
            ...variant.attribute!,
            paper: full.paper - without.paper,
            paperMean: full.paperMean - without.paperMean,
            calibrated: full.calibrated - without.calibrated,
          };
        })
      : null;
    return { canonical: perRequest[r]![0]!.target, reward: full, breakdown };
  });
}

export function toReward(kind: DatasetKind, logProbsHigh: readonly number[], logProbsLow: readonly number[]): Reward {
  const paper = logProbsHigh.reduce((sum, lp) => sum + Math.exp(lp), 0);
  const high = logProbsHigh.reduce((sum, lp) => sum + lp, 0);
  const low = logProbsLow.reduce((sum, lp) => sum + lp, 0);
  const priorLogOdds = PRIOR_LOG_ODDS[kind];
  const calibrated = high - low + priorLogOdds;
  return {
    paper,
    paperMean: paper / logProbsHigh.length,
    calibrated,
    probabilityHigh: 1 / (1 + Math.exp(-calibrated)),
    logLikelihood: { high, low },
    priorLogOdds,
    tokens: logProbsHigh.length,
  };
}

const percent = (coverage: number) => `${Math.round(coverage * 100)}%`;

/** The canonical target, then (with breakdown) the target without each attribute, in v's order. */
function variantsOf(verbalization: RewardRequest["verbalization"], breakdown: boolean): Variant[] {
  const v = parseCanonicalText(toCanonicalText(verbalization));
  const full: Variant = { target: toCanonicalText(v), attribute: null };
  if (!breakdown) return [full];
  const without = <K extends "colors" | "tones" | "objects">(key: K, index: number) =>
    toCanonicalText({ ...v, [key]: v[key].filter((_, i) => i !== index) });
  return [
    full,
    ...v.colors.map((c, i) => ({ target: without("colors", i), attribute: { kind: "color" as const, label: `color ${c.name} ${percent(c.coverage)}` } })),
    ...v.tones.map((t, i) => ({ target: without("tones", i), attribute: { kind: "tone" as const, label: `tone ${t.name} ${percent(t.coverage)}` } })),
    ...v.objects.map((o, i) => ({ target: without("objects", i), attribute: { kind: "object" as const, label: `object ${o.label} ${placement(o.box)}` } })),
  ];
}
