/**
 * The BoigSD sampler in TypeScript (SPEC §5): text encoder once on [empty prompt; prompt] rows,
 * then DDIM over the ONNX UNet with classifier-free guidance, then the VAE decoder. Returns every
 * step's latents and Gaussian log-probabilities (eta > 0), which DDPO trains on. Seeded: the
 * initial and per-step noises come from `seed` unless given (golden tests inject PyTorch's).
 */
import * as ort from "onnxruntime-node";
import type { BoigSd } from "../ml/boigSd";
import { createRng } from "../world/random";
import { ddimStep, ddimTimesteps, guidedEps } from "./ddim";

export type SampleOptions = {
  /** Prompt token ids, one row per image, each maxTokens long (`<bos> prompt <eos> <pad>…`). */
  inputIds: readonly (readonly number[])[];
  steps: number;
  eta: number;
  guidanceScale?: number;
  seed?: number;
  /** Injected noises (tests): init [B·C·H·W] and one [B·C·H·W] per step. */
  noise?: { init: Float32Array; steps: readonly Float32Array[] };
};

export type SampleResult = {
  /** Latents after each step, [steps][B·C·H·W]. */
  latents: Float32Array[];
  /** Per step, per image: log N(x_prev; mean, sigma²) summed over latent dims (null for eta 0). */
  logProbs: (Float64Array | null)[];
  timesteps: number[];
  /** Decoded images [B, 3, S, S] in [-1, 1]. */
  images: Float32Array;
  batch: number;
};

export async function sampleLatents(sd: BoigSd, options: SampleOptions): Promise<SampleResult> {
  const batch = options.inputIds.length;
  const { channels, size, scale } = sd.latent;
  const perImage = channels * size * size;
  const scaleGuidance = options.guidanceScale ?? sd.defaultGuidance;
  const empty = emptyPromptIds(sd);
  const ids = [...options.inputIds.map(() => empty), ...options.inputIds];
  if (ids.some((row) => row.length !== sd.maxTokens)) throw new Error(`every prompt row must have ${sd.maxTokens} token ids`);
  const idTensor = new ort.Tensor("int64", BigInt64Array.from(ids.flat(), (v) => BigInt(v)), [2 * batch, sd.maxTokens]);
  const { last_hidden_state: states } = await sd.textEncoder.run({ input_ids: idTensor });

  const rng = createRng(options.seed ?? 0, "boigsd-sample");
  const gaussian = () => Float32Array.from({ length: batch * perImage }, () => rng.normal());
  let x = options.noise?.init ?? gaussian();
  const latents: Float32Array[] = [];
  const logProbs: (Float64Array | null)[] = [];
  const schedule = ddimTimesteps(sd.schedule.trainTimesteps, options.steps, sd.schedule.stepsOffset);
  for (const [i, { t, prev }] of schedule.entries()) {
    const doubled = new Float32Array(2 * x.length);
    doubled.set(x, 0);
    doubled.set(x, x.length);
    const { out_sample: out } = await sd.unet.run({
      sample: new ort.Tensor("float32", doubled, [2 * batch, channels, size, size]),
      timestep: new ort.Tensor("int64", new BigInt64Array(2 * batch).fill(BigInt(t)), [2 * batch]),
      encoder_hidden_states: states!,
    });
    const eps = guidedEps(out!.data as Float32Array, batch, scaleGuidance);
    const noise = options.eta > 0 ? (options.noise?.steps[i] ?? gaussian()) : undefined;
    const step = ddimStep(sd.schedule, eps, x, t, prev, options.eta, batch, noise);
    x = step.prev;
    latents.push(x);
    logProbs.push(step.logProbs);
  }
  const unscaled = x.map((v) => v / scale);
  const { sample } = await sd.vaeDecoder.run({ latent_sample: new ort.Tensor("float32", unscaled, [batch, channels, size, size]) });
  return { latents, logProbs, timesteps: schedule.map((s) => s.t), images: sample!.data as Float32Array, batch };
}

/** The classifier-free-guidance prompt: `<bos> <eos> <pad>…`. */
function emptyPromptIds(sd: BoigSd): number[] {
  const tk = sd.tokenizer;
  return [tk.bosId, tk.eosId, ...Array<number>(sd.maxTokens - 2).fill(tk.padId)];
}
