/**
 * Teacher-forced likelihood of a target text after a prompt under BoigLLM: the log-probability
 * of every target token and of <eos> (the same tokens the trainer's loss covers,
 * docs/boigllm.md §2). The reward (SPEC §4) is built from these. Batched by token length (no
 * padding, so batch-invariant): one forward pass per batch, no cache needed (the whole text is known).
 */
import { emptyCache, forward, type BoigLlm } from "../ml/boigLlm";

export type TargetPair = { prompt: string; target: string };
export type TargetLikelihood = {
  /** Target tokens followed by "<eos>". */
  tokens: string[];
  /** Natural-log probability of each of `tokens` given everything before it. */
  logProbs: number[];
};

export async function targetLikelihoods(
  llm: BoigLlm,
  pairs: readonly TargetPair[],
  options: { batchSize?: number } = {},
): Promise<TargetLikelihood[]> {
  const batchSize = Math.max(1, options.batchSize ?? 32);
  // One forward pass only ever holds rows of the same token length: with no padding, a pair's
  // numbers do not depend on what else is scored with it (left padding changed float32 rounding
  // by ~1e-6 per token), so an image's reward is the same alone, in a DDPO batch or with its
  // breakdown (SPEC §5: the reward trained on equals the reward served).
  const byLength = new Map<number, number[]>();
  pairs.forEach((pair, i) => {
    const length = llm.tokenizer.encodeExample(pair.prompt, pair.target).ids.length;
    const rows = byLength.get(length);
    if (rows) rows.push(i);
    else byLength.set(length, [i]);
  });
  const out: TargetLikelihood[] = new Array(pairs.length);
  for (const rows of byLength.values()) {
    for (let start = 0; start < rows.length; start += batchSize) {
      const chunk = rows.slice(start, start + batchSize);
      const scored = await scoreBatch(llm, chunk.map((i) => pairs[i]!));
      chunk.forEach((i, k) => (out[i] = scored[k]!));
    }
  }
  return out;
}

async function scoreBatch(llm: BoigLlm, pairs: readonly TargetPair[]): Promise<TargetLikelihood[]> {
  const tk = llm.tokenizer;
  const examples = pairs.map((p) => tk.encodeExample(p.prompt, p.target));
  const length = Math.max(...examples.map((e) => e.ids.length));
  if (length > llm.context) throw new Error(`a prompt and target of ${length} tokens do not fit the model's context of ${llm.context}`);
  const ids = examples.map((e) => [...Array<number>(length - e.ids.length).fill(tk.padId), ...e.ids]);
  const mask = examples.map((e) => [...Array<number>(length - e.ids.length).fill(0), ...Array<number>(e.ids.length).fill(1)]);
  const { logits } = await forward(llm, ids, mask, emptyCache(llm, pairs.length));
  const vocab = tk.size;
  return examples.map((e, b) => {
    const pad = length - e.ids.length;
    const tokens: string[] = [];
    const logProbs: number[] = [];
    // logits at column c predict the token at column c + 1.
    for (let i = e.targetStart; i < e.ids.length; i++) {
      const column = pad + i - 1;
      const row = logits.subarray((b * length + column) * vocab, (b * length + column + 1) * vocab);
      tokens.push(tk.tokens[e.ids[i]!]!);
      logProbs.push(logSoftmaxAt(row, e.ids[i]!));
    }
    return { tokens, logProbs };
  });
}

function logSoftmaxAt(row: Float32Array, index: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i]! > max) max = row[i]!;
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max);
  return row[index]! - max - Math.log(sum);
}
