import type { Command } from "commander";
import { z } from "zod";
import { parseInput } from "../services/validation";
import { analyzeWorld } from "../world/analysis";
import { generateWorld, generateWorldInput } from "../world/generateWorld";
import { createProgress } from "./progress";

/** Numbers from the command line: digits only, so "12abc" or "1e3" is an error, not a guess. */
const wholeNumber = z.string().regex(/^\d+$/, "must be a whole number").transform(Number);

const worldArgs = z.object({
  seed: wholeNumber,
  out: z.string().min(1),
  brands: wholeNumber.optional(),
  posts: wholeNumber.optional(),
  stock: wholeNumber.optional(),
  size: wholeNumber.optional(),
  analyze: z.boolean().default(false),
});

/** `boig world`: writes a simulated brand-post world in the import format (SPEC §3.1, §3.2). */
export function registerWorld(program: Command) {
  program
    .command("world")
    .description("write a simulated brand-post world (social + stock) in the import format")
    .requiredOption("--seed <n>", "random seed: the same seed writes byte-identical files")
    .requiredOption("--out <dir>", "output folder (new, empty, or a previous world to replace)")
    .option("--brands <k>", "number of brand accounts (1-32)", undefined)
    .option("--posts <m>", "mean social posts per brand", undefined)
    .option("--stock <n>", "stock assets (default: half the number of social posts)", undefined)
    .option("--size <px>", "image side in pixels (16-512)", undefined)
    .option("--analyze", "also report variance shares and best/worst image ratios (docs/world.md)", false)
    .action(async (opts) => {
      const json = program.opts().json as boolean;
      const args = parseInput(worldArgs, opts);
      const input = parseInput(generateWorldInput, {
        seed: args.seed, outDir: args.out, brands: args.brands, postsPerBrand: args.posts, stockAssets: args.stock, size: args.size,
      });
      const progress = createProgress({ json, label: "world" });
      try {
        const summary = await generateWorld({ ...input, onProgress: (fraction, message) => progress.update(fraction, message) });
        progress.stop();
        const analysis = args.analyze
          ? analyzeWorld({ seed: input.seed, brands: input.brands, postsPerBrand: input.postsPerBrand, imageSize: input.size, stockAssets: summary.stockAssets })
          : undefined;
        progress.result({ ...summary, ...(analysis ? { analysis: { variance: analysis.variance, bestWorst: { ...analysis.bestWorst, perBrand: undefined } } } : {}) });
      } finally {
        progress.stop();
      }
    });
}
