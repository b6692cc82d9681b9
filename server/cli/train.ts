import path from "node:path";
import type { Command } from "commander";
import { runTrainer } from "../jobs/trainerProcess";
import { launchTrainerRunInput, trainerArgs } from "../services/launchTrainerRun";
import { parseInput } from "../services/validation";
import { createProgress } from "./progress";

/** `--set key=value` pairs as launch settings: numbers where the value reads as one (validated by launchTrainerRunInput). */
function settingsFromFlags(pairs: string[]): Record<string, number | string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf("=");
      const [key, raw] = at > 0 ? [pair.slice(0, at), pair.slice(at + 1)] : [pair, ""];
      return [key, raw.trim() !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw];
    }),
  );
}

/** `boig train <task>`: runs the Python trainer in the foreground with a progress bar. */
export function registerTrain(program: Command) {
  program
    .command("train")
    .description("train a model with the PyTorch trainer (tasks: tiny, detector, llm, sd-base, sd-sft, ddpo, clip)")
    .argument("<task>", "what to train")
    .requiredOption("--out <dir>", "run folder (checkpoints, artifact/)")
    .option("--preset <name>", "tiny | default (default: tiny; with --resume, the checkpoint's)")
    .option("--steps <n>", "override the preset's step count (ddpo: epochs)")
    .option("--seed <n>", "random seed (default: 0; with --resume, the checkpoint's)")
    .option("--device <device>", "cpu | cuda", "cpu")
    .option("--resume", "continue from the run folder's last checkpoint", false)
    .option("--data <dir>", "detector, sd-base, sd-sft, ddpo, clip: a `boig world` folder; llm: an exported instruction folder")
    .option("--arch <name>", "detector: centernet | dilated")
    .option("--variant <name>", "llm: behavior | nokpi")
    .option("--only-bucket <name>", "sd-base: train on this KPI bucket's images only (high | medium | low)")
    .option("--init <dir>", "sd-sft, ddpo: the BoigSD artifact to start from (sd-sft: default models/artifacts/boigsd-base; ddpo: models/artifacts/boigsd-sft)")
    .option("--reward-variant <name>", "ddpo: calibrated | paper (default calibrated)")
    .option("--lora-rank <n>", "ddpo: LoRA rank on the UNet (0 = full fine-tune; default: the preset's, tiny 0, default 4)")
    .option("--boigllm <dir>", "ddpo: the BoigLLM artifact the reward uses (default: the served reward model)")
    .option("--set <key=value...>", "override a preset setting (the Runs form's settings, e.g. learning_rate=3e-4, kpi_contrast_weight=1)")
    .action(async (task: string, opts) => {
      const json = program.opts().json as boolean;
      const run = parseInput(launchTrainerRunInput, {
        task,
        preset: opts.preset,
        ...(opts.seed !== undefined ? { seed: Number(opts.seed) } : {}),
        device: opts.device,
        ...(opts.steps !== undefined ? { steps: Number(opts.steps) } : {}),
        ...(opts.data !== undefined ? { data: path.resolve(opts.data) } : {}),
        ...(opts.arch !== undefined ? { arch: opts.arch } : {}),
        ...(opts.variant !== undefined ? { variant: opts.variant } : {}),
        ...(opts.onlyBucket !== undefined ? { onlyBucket: opts.onlyBucket } : {}),
        ...(opts.init !== undefined ? { init: path.resolve(opts.init) } : {}),
        ...(opts.rewardVariant !== undefined ? { rewardVariant: opts.rewardVariant } : {}),
        ...(opts.loraRank !== undefined ? { loraRank: Number(opts.loraRank) } : {}),
        ...(opts.boigllm !== undefined ? { boigllm: path.resolve(opts.boigllm) } : {}),
        ...(opts.set !== undefined ? { settings: settingsFromFlags(opts.set as string[]) } : {}),
      });
      const outDir = path.resolve(opts.out);
      const fromCheckpoint = (["preset", "seed"] as const).filter((name) => opts[name] === undefined);
      const args = trainerArgs(run, outDir, opts.resume, fromCheckpoint);
      const progress = createProgress({ json, label: `train ${run.task}` });
      const abort = new AbortController();
      const onSignal = () => abort.abort(new Error("interrupted"));
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        let done: Record<string, unknown> = {};
        await runTrainer(args, {
          signal: abort.signal,
          onStderr: (line) => !json && process.stderr.isTTY === false && process.stderr.write(`${line}\n`),
          onEvent: (e) => {
            if (e.type === "progress") {
              const p = e as { step: number; total: number; message?: string };
              progress.update(p.step / p.total, p.message);
            } else if (e.type === "artifact") progress.info(`artifact: ${(e as { dir: string }).dir}`);
            else if (e.type === "done") done = e as Record<string, unknown>;
          },
        });
        progress.stop();
        progress.result({ runDir: outDir, artifact: path.join(outDir, "artifact"), metrics: done.metrics ?? {} });
      } finally {
        progress.stop();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
