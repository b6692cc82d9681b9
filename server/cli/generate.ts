import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { badInput } from "../errors";
import { generateImages } from "../services/generateImages";
import { scoreImages } from "../services/scoreImages";

type GenerateOptions = {
  brand?: string; date: string; prompt: string; keywords: string; kind?: string; variants: string; seed: string;
  steps?: string; guidance?: string; eta?: string; model?: string; scoreWith?: string; out: string; score: boolean;
};

/**
 * `boig generate`: image variants for a brand, date and prompt with the served BoigSD, written as
 * PNGs, each scored with the BoigLLM reward (both variants) — the same services as the app.
 */
export function registerGenerate(program: Command) {
  program
    .command("generate")
    .description("generate scored image variants for a brand, date and prompt (BoigSD + BoigLLM reward)")
    .option("--brand <name>", "the brand (account); implies --kind social")
    .requiredOption("--date <iso>", "posting date, ISO 8601 (e.g. 2024-03-15)")
    .requiredOption("--prompt <text>", "the caption text of the post")
    .option("--keywords <list>", "comma-separated keywords", "")
    .option("--kind <kind>", "social | stock (default: social with --brand, else stock)")
    .option("--variants <n>", "how many images (1-8)", "4")
    .option("--seed <n>", "variant i uses seed + i", "0")
    .option("--steps <n>", "DDIM steps (default 10)")
    .option("--guidance <x>", "classifier-free guidance scale (default 3)")
    .option("--eta <x>", "DDIM eta, 0-1 (default 1, the policy DDPO trained)")
    .option("--model <dir>", "BoigSD artifact (default: $BOIG_BOIGSD_DIR or models/artifacts/boigsd)")
    .option("--score-with <dir>", "BoigLLM artifact for the scores (default: the served one)")
    .option("--no-score", "skip the reward scoring")
    .requiredOption("--out <dir>", "folder for the PNGs (created)")
    .action(async (opts: GenerateOptions) => {
      const json = program.opts().json as boolean;
      const keywords = opts.keywords.split(",").map((k) => k.trim()).filter(Boolean);
      const fields = { kind: opts.kind as "social" | "stock" | undefined, brand: opts.brand, date: opts.date, prompt: opts.prompt, keywords };
      const number = (value: string | undefined, name: string) => {
        if (value === undefined) return undefined;
        const n = Number(value);
        if (!Number.isFinite(n)) throw badInput(`--${name}: not a number: ${value}`);
        return n;
      };
      const generation = await generateImages(
        { ...fields, variants: number(opts.variants, "variants"), seed: number(opts.seed, "seed"), steps: number(opts.steps, "steps"), guidance: number(opts.guidance, "guidance"), eta: number(opts.eta, "eta") },
        { modelDir: opts.model ? path.resolve(opts.model) : undefined, onImage: (i) => !json && process.stderr.write(`variant ${i + 1} done\n`) },
      );
      const outDir = path.resolve(opts.out);
      fs.mkdirSync(outDir, { recursive: true });
      const files = generation.images.map((image) => {
        const file = path.join(outDir, `variant-seed${image.seed}.png`);
        fs.writeFileSync(file, image.png);
        return file;
      });
      const scores = opts.score
        ? await scoreImages(generation.images.map((image) => ({ ...fields, image: image.png, detector: "scene" as const })), {
            modelDir: opts.scoreWith ? path.resolve(opts.scoreWith) : undefined,
            breakdown: false,
          })
        : null;
      const results = generation.images.map((image, i) => ({
        file: files[i]!, seed: image.seed,
        reward: scores ? { calibrated: scores[i]!.reward.calibrated, paper: scores[i]!.reward.paper, probabilityHigh: scores[i]!.reward.probabilityHigh } : null,
        verbalization: scores ? scores[i]!.canonical : null,
      }));
      if (json) {
        process.stdout.write(JSON.stringify({ model: generation.model, promptText: generation.promptText, settings: generation.settings, images: results }) + "\n");
        return;
      }
      process.stdout.write(`${generation.model.name} ${generation.model.version}: "${generation.promptText}"${generation.promptTruncated ? " (cut to the model's prompt length)" : ""}\n`);
      for (const r of results)
        process.stdout.write(`  ${r.file}${r.reward ? `  reward calibrated ${r.reward.calibrated.toFixed(3)} (P(high) ${(100 * r.reward.probabilityHigh).toFixed(1)}%), paper ${r.reward.paper.toFixed(3)}\n      ${r.verbalization}` : ""}\n`);
    });
}
