/**
 * `boig world`: writes a simulated world in exactly the import format of SPEC §3.2, so the demo
 * goes through the same importer a real user's folder does:
 *   social/posts.csv    post_id,account,posted_at,text,keywords,likes,media
 *   stock/posts.csv     asset_id,caption,keywords,released_at,downloads,forward_actions,impressions,media
 *   {social,stock}/media/*.png, {social,stock}/scenes.jsonl (ground truth, one line per image),
 *   world.json          the hidden parameters (worldModel.ts), enough to evaluate expectedKpi later.
 * Output is built in DIR/.partial and moved into place at the end: an interrupted run never
 * leaves a folder that looks complete. Deterministic: same options, byte-identical files.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { badInput } from "../errors";
import { parseInput } from "../services/validation";
import { MAX_BRANDS } from "./brands";
import { csvLine } from "./csv";
import { encodePng } from "./render";
import { simulateSocialPosts, simulateStockAssets, socialPostCount, type SimulatedImage } from "./simulate";
import { buildWorldModel, type WorldModel } from "./worldModel";

export const generateWorldInput = z.object({
  seed: z.number().int().min(0).max(2 ** 31 - 1),
  brands: z.number().int().min(1).max(MAX_BRANDS).default(24),
  postsPerBrand: z.number().int().min(1).max(5000).default(250),
  /** Default: half as many assets as social posts (brands * postsPerBrand / 2). */
  stockAssets: z.number().int().min(0).max(100_000).optional(),
  size: z.number().int().min(16).max(512).default(64),
  outDir: z.string().min(1, "an output folder is required"),
});
export type GenerateWorldOptions = z.input<typeof generateWorldInput> & {
  onProgress?: (fraction: number, message: string) => void;
};
export type WorldSummary = {
  outDir: string; seed: number; brands: number; socialPosts: number; socialImages: number;
  stockAssets: number; span: { start: string; end: string }; seconds: number;
};

const SOCIAL_HEADER = ["post_id", "account", "posted_at", "text", "keywords", "likes", "media"];
const STOCK_HEADER = ["asset_id", "caption", "keywords", "released_at", "downloads", "forward_actions", "impressions", "media"];
const OUTPUTS = ["social", "stock", "world.json"];
const PARTIAL = ".partial";

/** Refuses a non-empty folder that is not a previous world (never deletes someone's files). */
function prepareOutDir(outDir: string): string {
  if (fs.existsSync(outDir)) {
    if (!fs.statSync(outDir).isDirectory()) throw badInput(`outDir: ${outDir} exists and is not a folder`);
    const entries = fs.readdirSync(outDir).filter((e) => e !== PARTIAL);
    if (entries.length > 0 && !entries.includes("world.json"))
      throw badInput(`outDir: ${outDir} is not empty and holds no world.json; choose an empty or new folder`);
  }
  const partial = path.join(outDir, PARTIAL);
  fs.rmSync(partial, { recursive: true, force: true });
  for (const dataset of ["social", "stock"]) fs.mkdirSync(path.join(partial, dataset, "media"), { recursive: true });
  return partial;
}

function writeImage(datasetDir: string, image: SimulatedImage, size: number, scenes: number) {
  fs.writeFileSync(path.join(datasetDir, image.media), encodePng(image.rgba, size));
  fs.writeSync(scenes, JSON.stringify({ media: image.media, scene: image.scene, verbalization: image.verbalization }) + "\n");
}

/** Opens DIR/posts.csv (with its header) and DIR/scenes.jsonl around `write`, and always closes them. */
async function withDatasetFiles(dir: string, header: string[], write: (dir: string, csv: number, scenes: number) => Promise<void>) {
  const csv = fs.openSync(path.join(dir, "posts.csv"), "w");
  const scenes = fs.openSync(path.join(dir, "scenes.jsonl"), "w");
  try {
    fs.writeSync(csv, csvLine(header));
    await write(dir, csv, scenes);
  } finally {
    fs.closeSync(csv);
    fs.closeSync(scenes);
  }
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function generateWorld(options: GenerateWorldOptions): Promise<WorldSummary> {
  const started = performance.now();
  const input = parseInput(generateWorldInput, options);
  const onProgress = options.onProgress ?? (() => {});
  const outDir = path.resolve(input.outDir);
  const world: WorldModel = buildWorldModel({
    seed: input.seed, brands: input.brands, postsPerBrand: input.postsPerBrand, imageSize: input.size,
    stockAssets: input.stockAssets ?? Math.round((input.brands * input.postsPerBrand) / 2),
  });
  const partial = prepareOutDir(outDir);
  const totalPosts = socialPostCount(world);
  const total = totalPosts + world.stockAssets;
  const every = Math.max(1, Math.floor(total / 100));
  let done = 0, socialImages = 0;

  const tick = async (message: string) => {
    if (++done % every === 0) { onProgress(done / total, message); await yieldToEventLoop(); }
  };
  await withDatasetFiles(path.join(partial, "social"), SOCIAL_HEADER, async (dir, csv, scenes) => {
    for (const post of simulateSocialPosts(world)) {
      for (const image of post.images) writeImage(dir, image, world.imageSize, scenes);
      socialImages += post.images.length;
      fs.writeSync(csv, csvLine([post.postId, post.account, post.postedAt.toISOString(), post.text,
        post.keywords.join(";"), post.likes, post.images.map((i) => i.media).join(";")]));
      await tick(`social post ${done + 1} of ${totalPosts}`);
    }
  });
  await withDatasetFiles(path.join(partial, "stock"), STOCK_HEADER, async (dir, csv, scenes) => {
    for (const asset of simulateStockAssets(world)) {
      writeImage(dir, asset.image, world.imageSize, scenes);
      fs.writeSync(csv, csvLine([asset.assetId, asset.caption, asset.keywords.join(";"), asset.releasedAt.toISOString(),
        asset.kpi.downloads, asset.kpi.forwardActions, asset.kpi.impressions, asset.image.media]));
      await tick(`stock asset ${done + 1 - totalPosts} of ${world.stockAssets}`);
    }
  });

  fs.writeFileSync(path.join(partial, "world.json"), JSON.stringify(world, null, 1) + "\n");
  for (const name of OUTPUTS) fs.rmSync(path.join(outDir, name), { recursive: true, force: true });
  for (const name of OUTPUTS) fs.renameSync(path.join(partial, name), path.join(outDir, name));
  fs.rmSync(partial, { recursive: true, force: true });
  onProgress(1, "done");
  return {
    outDir, seed: world.seed, brands: world.brands.length, socialPosts: totalPosts, socialImages,
    stockAssets: world.stockAssets, span: world.span, seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}
