import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { badInput } from "../errors";
import { checkBrand, promptFieldsShape } from "../services/promptFieldsInput";
import { parseInput } from "../services/validation";
import { DETECTOR_MODES, scoreImages, type ScoredImage, type ScoreImageInput } from "../services/scoreImages";

type ScoreOptions = { brand?: string; date?: string; prompt?: string; keywords?: string; kind?: string; detector: string; model?: string; top: string };

/**
 * `boig score IMAGE...`: the BoigLLM reward of each image for one prompt (SPEC §4), both variants
 * and the attributes that move it most. The same service as the app's llm.score.
 */
export function registerScore(program: Command) {
  program
    .command("score")
    .description("score images for a brand, date and prompt with the BoigLLM reward (paper and calibrated)")
    .argument("<images...>", "PNG or JPEG files")
    .option("--brand <name>", "the brand (account); implies --kind social")
    .option("--date <iso>", "posting date, ISO 8601 (e.g. 2024-03-15)")
    .option("--prompt <text>", "the caption text of the post")
    .option("--keywords <list>", "comma-separated keywords", "")
    .option("--kind <kind>", "social | stock (default: social with --brand, else stock)")
    .option("--detector <name>", `${DETECTOR_MODES.join(" | ")} (auto: scene for square images ≤ 128 px, else coco)`, "auto")
    .option("--model <dir>", "BoigLLM artifact folder that scores (default: the served reward model: $BOIG_REWARD_DIR or models/artifacts/boigllm-reward)")
    .option("--top <n>", "breakdown items to print per image", "5")
    .action(async (images: string[], opts: ScoreOptions) => {
      const json = program.opts().json as boolean;
      // The prompt fields are shared by every image: check them once, so errors name `date`, not `0.date`.
      parseInput(z.object(promptFieldsShape).superRefine(checkBrand), {
        kind: opts.kind, brand: opts.brand, date: opts.date, prompt: opts.prompt, keywords: splitKeywords(opts.keywords),
      });
      const inputs = images.map((file): ScoreImageInput & { file: string } => {
        if (!fs.existsSync(file)) throw badInput(`${file}: no such file`);
        return {
          file,
          kind: opts.kind as ScoreImageInput["kind"],
          brand: opts.brand,
          date: opts.date as string,
          prompt: opts.prompt as string,
          keywords: splitKeywords(opts.keywords),
          image: new Uint8Array(fs.readFileSync(file)),
          detector: opts.detector as ScoreImageInput["detector"],
        };
      });
      const scored = await scoreImages(
        inputs.map(({ file: _file, ...input }) => input),
        { modelDir: opts.model ? path.resolve(opts.model) : undefined },
      );
      const top = Math.max(0, Number.parseInt(opts.top, 10) || 0);
      scored.forEach((result, i) => {
        if (json) process.stdout.write(JSON.stringify({ image: inputs[i]!.file, ...result }) + "\n");
        else printScore(inputs[i]!.file, result, top);
      });
    });
}

const splitKeywords = (list: string | undefined) => (list ?? "").split(",").map((k) => k.trim()).filter(Boolean);

function printScore(file: string, s: ScoredImage, top: number) {
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const r = s.reward;
  const signed = (x: number, digits: number) => `${x >= 0 ? "+" : ""}${x.toFixed(digits)}`;
  out(`${file}`);
  out(`  verbalization  ${s.canonical}`);
  out(`  detector       ${s.detector.choice}${s.detector.model ? ` (${s.detector.model.name} ${s.detector.model.version})` : " (no model: colors and tones only)"}`);
  out(`  reward paper       ${r.paper.toFixed(4)}  (sum of ${r.tokens} token probabilities; mean ${r.paperMean.toFixed(4)})`);
  out(`  reward calibrated  ${signed(r.calibrated, 3)}  (log-odds high vs low KPI; P(high) ${(r.probabilityHigh * 100).toFixed(1)}%)`);
  for (const note of s.notes) out(`  note: ${note}`);
  if (s.breakdown && s.breakdown.length > 0 && top > 0) {
    out(`  what moves the score most (reward with it − without it):`);
    const ranked = [...s.breakdown].sort((a, b) => Math.abs(b.calibrated) - Math.abs(a.calibrated)).slice(0, top);
    for (const item of ranked) out(`    ${item.label.padEnd(34)} calibrated ${signed(item.calibrated, 3).padStart(8)}   paper ${signed(item.paper, 4).padStart(8)}`);
  }
  out(`  model          ${s.model.name} ${s.model.version}`);
}
