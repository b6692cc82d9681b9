import { z } from "zod";
import type { Db } from "../db/client";
import { servedDirInDb } from "./activeModels";
import { enqueueJob } from "./enqueueJob";
import { parseInput } from "./validation";
import { recordAudit } from "./recordAudit";

/** The trainer tasks a run can launch. */
export const TRAINER_TASKS = ["tiny", "detector", "llm", "sd-base", "sd-sft", "ddpo", "clip"] as const;
export const DETECTOR_ARCHES = ["centernet", "dilated"] as const;

/**
 * The main settings the Runs form offers per task, passed to the trainer as `--set key=value`
 * (models/boig_trainer/config_overrides.py; its manifests write them into the reproduce command).
 * Names are the trainer's config fields; the trainer rejects anything else too.
 */
export const TRAINER_SETTINGS = {
  tiny: ["learning_rate", "batch_size"],
  detector: ["learning_rate", "batch_size"],
  llm: ["learning_rate", "batch_size", "kpi_contrast_weight", "kpi_pair_weight"],
  "sd-base": ["unet_learning_rate", "unet_batch_size"],
  "sd-sft": ["unet_learning_rate", "unet_batch_size"],
  ddpo: ["learning_rate", "sample_batch_size", "batches_per_epoch", "ddim_steps", "clip_range", "train_batch_size", "inner_epochs", "prompt_set", "anchor_weight", "anchor_bucket", "lora_learning_rate"],
  clip: ["learning_rate", "batch_size"],
} as const satisfies Record<(typeof TRAINER_TASKS)[number], readonly string[]>;
/** The string-valued settings and what each accepts; every other setting is a positive number. */
const CHOICE_SETTINGS: Record<string, readonly string[]> = {
  prompt_set: ["all", "social", "stock"],
  anchor_bucket: ["all", "high", "medium", "low"],
};
const INTEGER_SETTINGS = new Set(["batch_size", "unet_batch_size", "sample_batch_size", "batches_per_epoch", "ddim_steps", "train_batch_size", "inner_epochs"]);

export const launchTrainerRunInput = z
  .object({
    task: z.enum(TRAINER_TASKS),
    preset: z.enum(["tiny", "default"]).default("tiny"),
    steps: z.number().int().min(1).max(1_000_000).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    device: z.enum(["cpu", "cuda"]).default("cpu"),
    /** detector, sd-base, clip: a `boig world` folder (renders + scene graphs / prompts); llm: an exported instruction folder. */
    data: z.string().min(1).optional(),
    /** llm: `behavior` (BoigLLM, KPI in the prompt) or `nokpi` (the paper's fine-tuned baseline without it). */
    variant: z.enum(["behavior", "nokpi"]).optional(),
    /** llm behavior: the registry role the artifact fills: `boigllm` (writes verbalizations, default) or `reward` (scores images). */
    servesAs: z.enum(["boigllm", "reward"]).optional(),
    /** detector: network architecture (the evaluation detector uses another one than the default). */
    arch: z.enum(DETECTOR_ARCHES).optional(),
    /** sd-base: train on images of this KPI bucket only (the paper's SFT baseline uses `high`). */
    onlyBucket: z.enum(["high", "medium", "low"]).optional(),
    /** sd-sft, ddpo: the BoigSD artifact folder to start from (default: the committed base). */
    init: z.string().min(1).optional(),
    /** ddpo: which BoigLLM reward to maximize (SPEC §4: the paper's sum of token probabilities, or calibrated log-odds);
     *  `ceiling` is a diagnostic on world data only (the world's hidden expected KPI: what a perfect reward would buy). */
    rewardVariant: z.enum(["calibrated", "paper", "ceiling"]).optional(),
    /** ddpo: LoRA rank on the UNet (0 = full fine-tune). */
    loraRank: z.number().int().min(0).max(64).optional(),
    /** ddpo: the BoigLLM artifact folder the reward uses (default: the served one). */
    boigllm: z.string().min(1).optional(),
    /** TRAINER_SETTINGS of the task: learning rates, batch sizes, DDIM steps, clip range, prompt set, anchor. */
    settings: z.record(z.string(), z.union([z.number(), z.string().max(40)])).default({}),
  })
  .superRefine((v, ctx) => {
    if (v.task === "detector" && !v.data) ctx.addIssue({ code: "custom", path: ["data"], message: "is required to train a detector (a `boig world` folder)" });
    if (v.task === "llm" && !v.data) ctx.addIssue({ code: "custom", path: ["data"], message: "is required to train the LLM (an instruction folder)" });
    if ((v.task === "sd-base" || v.task === "sd-sft" || v.task === "ddpo") && !v.data)
      ctx.addIssue({ code: "custom", path: ["data"], message: "is required to train the diffusion model (a `boig world` folder)" });
    if (v.task !== "sd-sft" && v.task !== "ddpo" && v.init) ctx.addIssue({ code: "custom", path: ["init"], message: "applies to the sd-sft and ddpo tasks only" });
    for (const key of ["rewardVariant", "loraRank", "boigllm"] as const)
      if (v.task !== "ddpo" && v[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: "applies to the ddpo task only" });
    if (v.task === "clip" && !v.data) ctx.addIssue({ code: "custom", path: ["data"], message: "is required to train the image-text model (a `boig world` folder)" });
    if (v.task !== "sd-base" && v.onlyBucket) ctx.addIssue({ code: "custom", path: ["onlyBucket"], message: "applies to the sd-base task only" });
    if (v.task === "tiny" && v.data) ctx.addIssue({ code: "custom", path: ["data"], message: "does not apply to the tiny task" });
    if (v.task !== "detector" && v.arch) ctx.addIssue({ code: "custom", path: ["arch"], message: "applies to the detector task only" });
    if (v.task !== "llm" && v.variant) ctx.addIssue({ code: "custom", path: ["variant"], message: "applies to the llm task only" });
    if (v.servesAs && (v.task !== "llm" || v.variant === "nokpi"))
      ctx.addIssue({ code: "custom", path: ["servesAs"], message: "applies to BoigLLM behavior runs only" });
    else if (v.servesAs === "reward" && !(Number(v.settings.kpi_contrast_weight) > 0))
      ctx.addIssue({
        code: "custom",
        path: ["settings", "kpi_contrast_weight"],
        message: "is required for a reward model (the committed one uses 1): without it the KPI label barely changes the scores",
      });
    if (v.variant === "nokpi" && v.settings.kpi_contrast_weight !== undefined)
      ctx.addIssue({ code: "custom", path: ["settings", "kpi_contrast_weight"], message: "needs the behavior variant: the no-KPI baseline has no KPI label to contrast" });
    if (v.variant === "nokpi" && v.settings.kpi_pair_weight !== undefined)
      ctx.addIssue({ code: "custom", path: ["settings", "kpi_pair_weight"], message: "needs the behavior variant: the no-KPI baseline has no KPI label to rank by" });
    const allowed: readonly string[] = TRAINER_SETTINGS[v.task];
    for (const [key, value] of Object.entries(v.settings)) {
      const path = ["settings", key];
      if (!allowed.includes(key)) ctx.addIssue({ code: "custom", path, message: `is not a setting of ${v.task} (one of ${allowed.join(", ")})` });
      else if (CHOICE_SETTINGS[key]) {
        const choices = CHOICE_SETTINGS[key];
        if (!choices.includes(String(value))) ctx.addIssue({ code: "custom", path, message: `must be one of ${choices.join(", ")}` });
      } else if (typeof value !== "number" || !Number.isFinite(value) || value <= 0)
        ctx.addIssue({ code: "custom", path, message: "must be a positive number" });
      else if (INTEGER_SETTINGS.has(key) && !Number.isInteger(value)) ctx.addIssue({ code: "custom", path, message: "must be a whole number" });
    }
  });

/**
 * Command-line arguments of `python -m boig_trainer` for a run (shared by the CLI and the job).
 * `fromCheckpoint` names the settings a resumed run takes from its checkpoint instead (the CLI's
 * `--resume` without `--preset`/`--seed`): passing the launch defaults there would conflict with it.
 */
export function trainerArgs(run: TrainerRunPayload, outDir: string, resume: boolean, fromCheckpoint: readonly ("preset" | "seed")[] = []): string[] {
  const args = ["train", run.task, "--out", outDir, "--device", run.device];
  if (!(resume && fromCheckpoint.includes("preset"))) args.push("--preset", run.preset);
  if (!(resume && fromCheckpoint.includes("seed"))) args.push("--seed", String(run.seed));
  if (run.steps) args.push("--steps", String(run.steps));
  if (run.data) args.push("--data", run.data);
  if (run.arch) args.push("--arch", run.arch);
  if (run.variant) args.push("--variant", run.variant);
  if (run.onlyBucket) args.push("--only-bucket", run.onlyBucket);
  if (run.init) args.push("--init", run.init);
  if (run.rewardVariant) args.push("--reward-variant", run.rewardVariant);
  if (run.loraRank !== undefined) args.push("--lora-rank", String(run.loraRank));
  if (run.boigllm) args.push("--boigllm", run.boigllm);
  // A resumed run keeps its checkpoint's config (the trainer refuses --set on --resume).
  if (!resume) for (const [key, value] of Object.entries(run.settings ?? {})) args.push("--set", `${key}=${value}`);
  if (resume) args.push("--resume");
  return args;
}
export type TrainerRunPayload = z.infer<typeof launchTrainerRunInput>;

/**
 * Queues a training run as a durable job (the worker runs the Python trainer as a subprocess).
 * A DDPO run without an explicit reward model is pinned to the reward the app serves at launch
 * (the registry's active reward version, else the built-in one), so a later promotion does not
 * change the reward under a run that resumes, and the manifest's command names it.
 */
export async function launchTrainerRun(db: Db, input: z.input<typeof launchTrainerRunInput>, actorId: string | null) {
  const parsed = parseInput(launchTrainerRunInput, input);
  const payload = parsed.task === "ddpo" && !parsed.boigllm ? { ...parsed, boigllm: await servedDirInDb(db, "reward") } : parsed;
  const job = await enqueueJob(db, { kind: "trainer.run", payload, maxAttempts: 3 }, actorId);
  await recordAudit(db, { actorId, action: "run.launch", target: job.id, details: payload });
  return job;
}
