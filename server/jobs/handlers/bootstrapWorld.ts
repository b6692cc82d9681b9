/**
 * Job `data.bootstrap` (first start, SPEC §3.1): generate the default demo world into the data
 * dir, then import and verbalize it through the same importer a real user's data goes through.
 */
import fs from "node:fs";
import path from "node:path";
import { env } from "../../env";
import { generateWorld } from "../../world/generateWorld";
import type { JobHandler } from "../types";
import { dataImportHandler } from "./dataImport";

export const DEFAULT_WORLD_SEED = 7;

export const bootstrapWorldHandler: JobHandler<{ seed?: number; postsPerBrand?: number }> = async (ctx) => {
  const seed = ctx.payload?.seed ?? DEFAULT_WORLD_SEED;
  const postsPerBrand = ctx.payload?.postsPerBrand ?? 250;
  const outDir = path.join(env().dataDir, "worlds", `demo-seed${seed}-posts${postsPerBrand}`);
  if (!fs.existsSync(path.join(outDir, "world.json"))) {
    await ctx.log(`Generating the demo world (seed ${seed}) into ${outDir}`);
    await generateWorld({ seed, postsPerBrand, outDir, onProgress: (f, m) => void ctx.progress(f * 0.3, m) });
  }
  const progress = ctx.progress;
  return dataImportHandler({
    ...ctx,
    payload: { dir: outDir, name: "demo" },
    progress: (f, m) => progress(0.3 + 0.7 * f, m),
  });
};
