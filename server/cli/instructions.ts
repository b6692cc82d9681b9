import path from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { closeDb, getDb } from "../db/client";
import { exportInstructions } from "../llm/exportInstructions";
import { instructionsFromWorld } from "../llm/instructionsFromWorld";
import { DETECTOR_CHOICES, loadDetector } from "../services/loadDetector";
import { parseInput } from "../services/validation";
import { createProgress } from "./progress";

const optionsSchema = z
  .object({
    out: z.string().min(1),
    world: z.string().min(1).optional(),
    worldSeed: z.coerce.number().int().min(0).default(7),
    detector: z.enum(DETECTOR_CHOICES).default("scene"),
    noiseSeed: z.coerce.number().int().min(0).default(0),
    dataset: z.array(z.string().min(1)).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.world && v.dataset) ctx.addIssue({ code: "custom", path: ["dataset"], message: "applies to the app database only, not with --world" });
  });

/**
 * `boig instructions`: the BoigLLM instruction folder (SPEC §4, docs/boigllm.md §1) that
 * `boig train llm --data` reads. From a world folder (generated with --world-seed if missing,
 * imported and verbalized in a throwaway database) or from the app database's datasets.
 */
export function registerInstructions(program: Command) {
  program
    .command("instructions")
    .description("export BoigLLM behavior fine-tuning instructions (train/test JSONL, vocabulary)")
    .requiredOption("--out <dir>", "instruction folder to write")
    .option("--world <dir>", "build from this `boig world` folder (generated if missing) instead of the app database")
    .option("--world-seed <n>", "seed of the generated world", "7")
    .option("--detector <name>", "objects from: scene | coco | none", "scene")
    .option("--noise-seed <n>", "seed of the 20% KPI-label noise of types 3-4", "0")
    .option("--dataset <name...>", "app database: only these datasets (default: all)")
    .action(async (raw) => {
      const opts = parseInput(optionsSchema, raw);
      const progress = createProgress({ json: program.opts().json as boolean, label: "instructions" });
      try {
        const { detector, note } = await loadDetector(opts.detector);
        if (note) progress.info(note);
        const out = path.resolve(opts.out);
        const result = opts.world
          ? await instructionsFromWorld({ world: path.resolve(opts.world), out, seed: opts.worldSeed, detector, noiseSeed: opts.noiseSeed })
          : await exportInstructions(await getDb(), out, { datasets: opts.dataset, seed: opts.noiseSeed });
        progress.stop();
        progress.result({ outDir: result.outDir, train: result.train, test: result.test, vocabSize: result.vocabSize });
      } finally {
        progress.stop();
        if (!opts.world) await closeDb();
      }
    });
}
