/**
 * The BoigLLM the app serves (SPEC §4): `modelDir` if given (CLI --model, tests), else the
 * registry's active boigllm version (Admin → Models), else BOIG_BOIGLLM_DIR, else
 * models/artifacts/boigllm. Loaded lazily and shared (loadBoigLlm caches
 * one session per folder). A missing artifact is the normal state before the first training, so
 * it is an UNAVAILABLE AppError that says how to get one, never a crash; a broken one stays
 * MODEL_INVALID (from loadBoigLlm); the no-KPI baseline cannot serve behavior-conditioned requests.
 */
import fs from "node:fs";
import path from "node:path";
import { env } from "../env";
import { AppError } from "../errors";
import { loadBoigLlm, type BoigLlm } from "../ml/boigLlm";
import { builtInModelDir, getActiveModelDir } from "./activeModels";

export function servedBoigLlmDir(modelDir?: string): string {
  return path.resolve(env().repoRoot, modelDir ?? getActiveModelDir("boigllm") ?? builtInModelDir("boigllm"));
}

export async function loadServedBoigLlm(modelDir?: string): Promise<BoigLlm> {
  const dir = servedBoigLlmDir(modelDir);
  if (!fs.existsSync(path.join(dir, "manifest.json")))
    throw new AppError(
      "UNAVAILABLE",
      `BoigLLM is not available: no model at ${dir}. Train one (npx boig train llm --data INSTR_DIR --variant behavior) or point BOIG_BOIGLLM_DIR at an artifact folder.`,
      { modelDir: dir },
    );
  const llm = await loadBoigLlm(dir);
  if (llm.variant !== "behavior")
    throw new AppError("MODEL_INVALID", `${dir} holds the ${llm.variant} variant of BoigLLM; serving needs the behavior model`, { modelDir: dir });
  return llm;
}

/**
 * The BoigLLM checkpoint that scores images (SPEC §4 reward; scoreImages, the DDPO reward server):
 * `modelDir` if given, else the registry's active reward version, else the built-in one
 * (builtInModelDir: BOIG_REWARD_DIR, else BOIG_BOIGLLM_DIR, else models/artifacts/boigllm-reward,
 * else the BoigLLM itself — one model for both jobs, as in the paper). A separate checkpoint exists
 * because the loss that makes the reward track the KPI (the KPI-contrast term at full weight)
 * degrades verbalizations (docs/results.md), so the app writes with one model and scores with the other.
 */
export function servedRewardDir(modelDir?: string): string {
  return path.resolve(env().repoRoot, modelDir ?? getActiveModelDir("reward") ?? builtInModelDir("reward"));
}


export async function loadServedReward(modelDir?: string): Promise<BoigLlm> {
  return loadServedBoigLlm(servedRewardDir(modelDir));
}

export const modelInfo = (llm: BoigLlm) => ({ name: llm.name, version: llm.version });
