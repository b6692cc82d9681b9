/**
 * Grammar-constrained decoding of BoigLLM in TypeScript (SPEC §4): batched, left-padded,
 * one onnxruntime call per generated token thanks to the KV cache. Greedy (temperature 0) or
 * sampling with temperature and nucleus (top-p), seeded. Every output parses as a verbalization:
 * tokens the grammar (verbalizationGrammar.ts) does not allow are masked before choosing.
 */
import { createRng, type Rng } from "../world/random";
import { emptyCache, forward, type BoigLlm } from "../ml/boigLlm";
import type { Verbalization } from "../verbalize/types";
import { parseCanonicalText } from "../verbalize/canonical";
import { END, VerbalizationGrammar } from "./verbalizationGrammar";
import { allowedLogSoftmax, guidancePrompts, guidedScores } from "./kpiGuidance";

export type GenerateRequest = {
  /** The instruction prompt (buildPrompt), without <bos>/<sep>. */
  prompt: string;
  /** Types 3–4: the answer starts `kpi LABEL ;` with one of these labels. */
  kpiLabels?: readonly string[];
};

export type GenerateOptions = {
  /** 0 = greedy (default); > 0 samples from softmax(logits / temperature). */
  temperature?: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches topP (default 1). */
  topP?: number;
  /** Seed of the sampler; row i of a batch uses stream `${seed}:${i}`. */
  seed?: number;
  /** Upper bound on generated tokens (also bounded by the model's context). Default 96. */
  maxNewTokens?: number;
  /** Requests per onnxruntime batch (× the dataset's labels with kpiGuidance). Default 16. */
  batchSize?: number;
  /**
   * KPI guidance scale γ (kpiGuidance.ts): 0 = off (default); > 0 also runs each prompt with the
   * dataset's other KPI labels and steers every token toward what tells the prompt's KPI apart.
   * Only for type 1/2 behavior prompts (a `kpi LABEL` field; no kpiLabels answer).
   */
  kpiGuidance?: number;
};

export type GeneratedVerbalization = {
  /** Canonical text of the verbalization (sorted by toCanonicalText). */
  canonical: string;
  verbalization: Verbalization;
  /** The raw generated text, as decoded token by token. */
  text: string;
  /** Types 3–4: the label the model stated. */
  kpiLabel: string | null;
  /** Tokens generated (incl. <eos>); `truncated` when the budget ran out first. */
  tokens: number;
  truncated: boolean;
};

export const DEFAULT_MAX_NEW_TOKENS = 96;

export async function generateVerbalizations(
  llm: BoigLlm,
  requests: readonly GenerateRequest[],
  options: GenerateOptions = {},
): Promise<GeneratedVerbalization[]> {
  const batchSize = Math.max(1, options.batchSize ?? 16);
  const out: GeneratedVerbalization[] = [];
  for (let start = 0; start < requests.length; start += batchSize) {
    const chunk = requests.slice(start, start + batchSize);
    out.push(...(await generateBatch(llm, chunk, options, start)));
  }
  return out;
}

async function generateBatch(llm: BoigLlm, requests: readonly GenerateRequest[], options: GenerateOptions, offset: number) {
  const tk = llm.tokenizer;
  const temperature = options.temperature ?? 0;
  const topP = options.topP ?? 1;
  const guidance = options.kpiGuidance ?? 0;
  // One row per request, or with guidance one row per KPI label of its dataset (rowsOf[b] lists request b's rows).
  const guided = guidance > 0 ? requests.map((r) => guidancePrompts(r.prompt)) : null;
  if (guided && requests.some((r) => r.kpiLabels)) throw new Error("kpiGuidance applies to type 1/2 prompts, not to answers that state a KPI label");
  const rowPrompts = guided ? guided.flatMap((g) => g.prompts) : requests.map((r) => r.prompt);
  let nextRow = 0;
  const rowsOf: number[][] = guided ? guided.map((g) => g.prompts.map(() => nextRow++)) : requests.map((_, b) => [b]);

  const prompts = rowPrompts.map((p) => [tk.bosId, ...tk.encode(p), tk.sepId]);
  const promptLength = Math.max(...prompts.map((p) => p.length));
  if (promptLength >= llm.context) throw new Error(`prompt of ${promptLength} tokens does not fit the model's context of ${llm.context}`);
  const budget = Math.min(options.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS, llm.context - promptLength);
  // Left padding keeps every row's last prompt token in the same column.
  const inputIds = prompts.map((p) => [...Array<number>(promptLength - p.length).fill(tk.padId), ...p]);
  const mask = prompts.map((p) => [...Array<number>(promptLength - p.length).fill(0), ...Array<number>(p.length).fill(1)]);
  const grammars = requests.map((r) => new VerbalizationGrammar({ kpiLabels: r.kpiLabels }));
  const rngs: Rng[] = requests.map((_, i) => createRng(options.seed ?? 0, `decode:${offset + i}`));
  const generated: string[][] = requests.map(() => []);
  const vocab = tk.size;

  let step = await forward(llm, inputIds, mask, emptyCache(llm, prompts.length));
  const lastLogits = (row: number) => step.logits.subarray((row * step.seq + step.seq - 1) * vocab, (row * step.seq + step.seq) * vocab);
  for (let t = 0; t < budget; t++) {
    const nextIds = new Array<number>(prompts.length).fill(tk.eosId); // finished rows keep the batch rectangular
    for (let b = 0; b < requests.length; b++) {
      const grammar = grammars[b]!;
      if (grammar.finished) continue;
      const allowed = grammar.allowed();
      const candidates = allowed.map((token) => ({ token, id: token === END ? tk.eosId : tk.id(token) })).filter((c): c is Candidate => c.id !== undefined);
      if (candidates.length === 0) throw new Error(`the vocabulary lacks every token the grammar allows (${allowed.slice(0, 5).join(" ")} …)`);
      const ids = candidates.map((c) => c.id);
      const g = guided?.[b];
      const scores = g
        ? guidedScores(rowsOf[b]!.map(lastLogits), ids, g.own, g.logPrior, guidance)
        : allowedLogSoftmax(lastLogits(rowsOf[b]![0]!), ids);
      const choice = temperature <= 0 ? argmax(candidates, scores) : sample(candidates, scores, temperature, topP, rngs[b]!);
      grammar.accept(choice.token);
      generated[b]!.push(choice.token === END ? tk.tokens[tk.eosId]! : choice.token);
      for (const row of rowsOf[b]!) nextIds[row] = choice.id;
    }
    if (grammars.every((g) => g.finished) || t === budget - 1) break;
    mask.forEach((row) => row.push(1));
    step = await forward(llm, nextIds.map((id) => [id]), mask, step.cache);
  }

  return grammars.map((grammar, b) => {
    const canonical = grammar.canonicalText();
    return {
      canonical,
      verbalization: parseCanonicalText(canonical),
      text: generated[b]!.filter((token) => token !== tk.tokens[tk.eosId]).join(" "),
      kpiLabel: grammar.kpiLabel,
      tokens: generated[b]!.length,
      truncated: !grammar.finished,
    };
  });
}

type Candidate = { token: string; id: number };

/** `scores[i]` belongs to `candidates[i]` (log-probability scale); the first maximum wins. */
function argmax(candidates: readonly Candidate[], scores: Float64Array): Candidate {
  let best = 0;
  for (let i = 1; i < candidates.length; i++) if (scores[i]! > scores[best]!) best = i;
  return candidates[best]!;
}

/** Softmax over the allowed tokens' scores at `temperature`, cut to the top-p nucleus, then one draw. */
function sample(candidates: readonly Candidate[], scores: Float64Array, temperature: number, topP: number, rng: Rng): Candidate {
  const scaled = Array.from(scores, (s) => s / temperature);
  const max = Math.max(...scaled);
  const weights = scaled.map((s) => Math.exp(s - max));
  const total = weights.reduce((a, b) => a + b, 0);
  const ranked = candidates.map((c, i) => ({ c, p: weights[i]! / total })).sort((a, b) => b.p - a.p);
  const nucleus: typeof ranked = [];
  let mass = 0;
  for (const entry of ranked) {
    nucleus.push(entry);
    mass += entry.p;
    if (mass >= topP) break;
  }
  let draw = rng.next() * mass;
  for (const entry of nucleus) {
    draw -= entry.p;
    if (draw <= 0) return entry.c;
  }
  return nucleus.at(-1)!.c;
}
