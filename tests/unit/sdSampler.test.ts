/**
 * The TypeScript DDIM sampler (server/sd/sampleLatents.ts) against PyTorch's on the committed tiny
 * BoigSD's golden_ddim.json: the same prompt ids and noises give the same per-step latents,
 * per-step Gaussian log-probabilities (eta 1) and decoded images; eta 0 is deterministic; the
 * empty prompt for classifier-free guidance is the trainer's; seeded sampling is reproducible.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { loadBoigSd, type BoigSd } from "@/server/ml/boigSd";
import { ddimTimesteps } from "@/server/sd/ddim";
import { sampleLatents } from "@/server/sd/sampleLatents";

const artifact = fileURLToPath(new URL("../fixtures/sd/boigsd-tiny", import.meta.url));
type T = { dims: number[]; data: number[] };
const golden = JSON.parse(fs.readFileSync(path.join(artifact, "golden_ddim.json"), "utf8")) as {
  sampler: { steps: number; timesteps: number[]; etas: number[]; guidance_scale: number };
  inputs: Record<string, T>;
  outputs: Record<string, T>;
  rtol: number;
  atol: number;
};

let sd: BoigSd;
beforeAll(async () => {
  sd = await loadBoigSd(artifact);
});

const rowsOf = (t: T) => Array.from({ length: t.dims[0]! }, (_, b) => t.data.slice((b * t.data.length) / t.dims[0]!, ((b + 1) * t.data.length) / t.dims[0]!));

function expectClose(actual: ArrayLike<number>, expected: readonly number[], label: string) {
  expect(actual.length, label).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(Number(actual[i]) - expected[i]!);
    expect(diff <= golden.atol + golden.rtol * Math.abs(expected[i]!), `${label}[${i}]: ${actual[i]} vs ${expected[i]}`).toBe(true);
    worst = Math.max(worst, diff);
  }
  return worst;
}

describe("BoigSD DDIM sampler (TypeScript) vs PyTorch", () => {
  it("uses SD's leading timesteps", () => {
    expect(ddimTimesteps(1000, golden.sampler.steps).map((s) => s.t)).toEqual(golden.sampler.timesteps);
    expect(() => ddimTimesteps(1000, 0)).toThrow(/steps must be/);
  });

  it("builds the trainer's empty prompt for classifier-free guidance", () => {
    const uncond = rowsOf(golden.inputs.uncond_input_ids!);
    expect(uncond[0]).toEqual([sd.tokenizer.bosId, sd.tokenizer.eosId, ...Array(sd.maxTokens - 2).fill(sd.tokenizer.padId)]);
  });

  for (const eta of [1, 0]) {
    it(`eta ${eta}: per-step latents${eta ? ", log-probabilities" : ""} and the image equal PyTorch's`, async () => {
      const stepNoise = golden.inputs.step_noises!;
      const perStep = stepNoise.data.length / golden.sampler.steps;
      const result = await sampleLatents(sd, {
        inputIds: rowsOf(golden.inputs.input_ids!),
        steps: golden.sampler.steps,
        eta,
        guidanceScale: golden.sampler.guidance_scale,
        noise: {
          init: Float32Array.from(golden.inputs.init_noise!.data),
          steps: Array.from({ length: golden.sampler.steps }, (_, i) => Float32Array.from(stepNoise.data.slice(i * perStep, (i + 1) * perStep))),
        },
      });
      const suffix = `eta${eta}`;
      expectClose(result.latents.flatMap((l) => Array.from(l)), golden.outputs[`latents_${suffix}`]!.data, "latents");
      if (eta > 0) expectClose(result.logProbs.flatMap((l) => Array.from(l!)), golden.outputs[`log_probs_${suffix}`]!.data, "log_probs");
      else expect(result.logProbs.every((l) => l === null)).toBe(true);
      expectClose(result.images, golden.outputs[`image_${suffix}`]!.data, "image");
    });
  }

  it("seeded sampling is reproducible and differs across seeds", async () => {
    const inputIds = rowsOf(golden.inputs.input_ids!);
    const a = await sampleLatents(sd, { inputIds, steps: 3, eta: 1, seed: 4 });
    const b = await sampleLatents(sd, { inputIds, steps: 3, eta: 1, seed: 4 });
    const c = await sampleLatents(sd, { inputIds, steps: 3, eta: 1, seed: 5 });
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    expect(Array.from(a.images)).not.toEqual(Array.from(c.images));
    expect(a.logProbs).toHaveLength(3);
  });
});
