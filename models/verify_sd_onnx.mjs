#!/usr/bin/env node
// Verifies a BoigSD artifact (models/boig_trainer/sd_export.py) in onnxruntime-node, the runtime the app uses.
// Usage: node models/verify_sd_onnx.mjs ARTIFACT_DIR
//  1. golden_<graph>.json for text_encoder, unet, vae_decoder, vae_encoder: the graph reproduces
//     PyTorch's outputs on the fixture's inputs (allclose with the fixture's rtol / atol);
//  2. golden_ddim.json: a full DDIM run (classifier-free guidance, eta 1 and eta 0) from the
//     fixture's prompt ids and noises, done here with the ONNX graphs and a plain-JS DDIM step,
//     reproduces PyTorch's per-step latents, per-step Gaussian log-probabilities and final images.
// Exit 0: all ok. 1: a mismatch. 2: bad usage or unreadable files.
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { checkGolden, compare, report, runMain, toTensor } from "./verify_common.mjs";

const GRAPHS = ["text_encoder", "unet", "vae_decoder", "vae_encoder"];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** Rows [start, end) of a float32 tensor's leading axis. */
function rows(tensor, start, end) {
  const inner = tensor.data.length / tensor.dims[0];
  return new ort.Tensor("float32", tensor.data.slice(start * inner, end * inner), [end - start, ...tensor.dims.slice(1)]);
}

function concatRows(a, b) {
  const out = new Float32Array(a.data.length + b.data.length);
  out.set(a.data, 0);
  out.set(b.data, a.data.length);
  return new ort.Tensor("float32", out, [a.dims[0] + b.dims[0], ...a.dims.slice(1)]);
}

/** One DDIM step per row (sd_ddim.py): returns x_prev (float32) and the per-row log-probabilities. */
function ddimStep(sampler, eps, x, t, prevT, eta, noise) {
  const alphas = sampler.alphas_cumprod;
  const aT = alphas[t];
  const aPrev = prevT >= 0 ? alphas[prevT] : sampler.final_alpha_cumprod;
  const std = eta * Math.sqrt(((1 - aPrev) / (1 - aT)) * (1 - aT / aPrev));
  const direction = Math.sqrt(Math.max(0, 1 - aPrev - std * std));
  const batch = x.dims[0];
  const inner = x.data.length / batch;
  const prev = new Float32Array(x.data.length);
  const logProbs = new Float64Array(batch);
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    for (let j = b * inner; j < (b + 1) * inner; j++) {
      const x0 = (x.data[j] - Math.sqrt(1 - aT) * eps[j]) / Math.sqrt(aT);
      const mean = Math.sqrt(aPrev) * x0 + direction * eps[j];
      prev[j] = eta > 0 ? mean + std * noise[j] : mean;
      if (eta > 0) sum += -((prev[j] - mean) ** 2) / (2 * std * std) - Math.log(std) - HALF_LOG_TWO_PI;
    }
    logProbs[b] = sum;
  }
  return { prev: new ort.Tensor("float32", prev, x.dims), logProbs };
}

async function checkDdim(sessions, golden) {
  const { sampler, inputs, outputs, rtol, atol } = golden;
  const cond = toTensor(inputs.input_ids);
  const uncond = toTensor(inputs.uncond_input_ids);
  const batch = cond.dims[0];
  const ids = new ort.Tensor("int64", BigInt64Array.from([...uncond.data, ...cond.data]), [2 * batch, cond.dims[1]]);
  const { last_hidden_state: states } = await sessions.text_encoder.run({ input_ids: ids });
  const initNoise = toTensor(inputs.init_noise);
  const stepNoises = toTensor(inputs.step_noises);
  const checks = [];
  for (const eta of sampler.etas) {
    const suffix = `eta${eta}`;
    let x = initNoise;
    const latents = [];
    const logProbs = [];
    for (let i = 0; i < sampler.steps; i++) {
      const t = sampler.timesteps[i];
      const timestep = new ort.Tensor("int64", new BigInt64Array(2 * batch).fill(BigInt(t)), [2 * batch]);
      const { out_sample: out } = await sessions.unet.run({ sample: concatRows(x, x), timestep, encoder_hidden_states: states });
      const epsUncond = rows(out, 0, batch).data;
      const epsCond = rows(out, batch, 2 * batch).data;
      const eps = epsUncond.map((u, j) => u + sampler.guidance_scale * (epsCond[j] - u));
      const step = ddimStep(sampler, eps, x, t, sampler.prev_timesteps[i], eta, rows(stepNoises, i, i + 1).data);
      x = step.prev;
      latents.push(...x.data);
      logProbs.push(...step.logProbs);
    }
    const scaled = new ort.Tensor("float32", x.data.map((v) => v / sampler.latent_scale), x.dims);
    const { sample: image } = await sessions.vae_decoder.run({ latent_sample: scaled });
    const latentDims = [sampler.steps, ...x.dims];
    checks.push(compare(`ddim latents_${suffix}`, latents, latentDims, outputs[`latents_${suffix}`], rtol, atol));
    if (outputs[`log_probs_${suffix}`]) {
      checks.push(compare(`ddim log_probs_${suffix}`, logProbs, [sampler.steps, batch], outputs[`log_probs_${suffix}`], rtol, atol));
    }
    checks.push(compare(`ddim image_${suffix}`, image.data, image.dims, outputs[`image_${suffix}`], rtol, atol));
  }
  return checks;
}

async function main([artifactDir]) {
  if (!artifactDir) {
    console.error("usage: node models/verify_sd_onnx.mjs ARTIFACT_DIR");
    return 2;
  }
  const sessions = {};
  const goldens = {};
  let ddim;
  try {
    for (const graph of GRAPHS) {
      sessions[graph] = await ort.InferenceSession.create(path.join(artifactDir, `${graph}.onnx`), { intraOpNumThreads: 2 });
      goldens[graph] = JSON.parse(await readFile(path.join(artifactDir, `golden_${graph}.json`), "utf8"));
    }
    ddim = JSON.parse(await readFile(path.join(artifactDir, "golden_ddim.json"), "utf8"));
  } catch (error) {
    console.error(`cannot load: ${error.message}`);
    return 2;
  }
  const checks = [];
  for (const graph of GRAPHS) checks.push(...(await checkGolden(sessions[graph], goldens[graph], graph)));
  checks.push(...(await checkDdim(sessions, ddim)));
  return report(checks);
}

runMain(main);
