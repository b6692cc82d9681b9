/**
 * Dev/CI helper: a world folder (`npx boig world --out DIR`, generated here if missing) →
 * in-memory database → import → verbalize (pixels only) → exportInstructions. For real data,
 * call exportInstructions on the app's database instead.
 *   node --import tsx server/llm/instructionsFromWorld.ts --world DIR --out INSTR_DIR
 *        [--seed 7 --brands 24 --posts 250 --stock N] [--noise-seed 0] [--detector ARTIFACT_DIR]
 * Without --detector the images are verbalized from pixels only (colors and tones, no objects);
 * pass the scene detector's artifact (models/artifacts/scene-detector) to get objects too.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openPglite } from "../db/client";
import { resetEnv } from "../env";
import { importFolder } from "../services/importFolder";
import { verbalizeImages } from "../services/verbalizeImages";
import { loadSceneDetector } from "../ml/sceneDetector";
import type { ObjectDetector } from "../verbalize/detector";
import { generateWorld } from "../world/generateWorld";
import { exportInstructions, type ExportInstructionsResult } from "./exportInstructions";

export async function instructionsFromWorld(options: {
  world: string;
  out: string;
  seed?: number;
  brands?: number;
  posts?: number;
  stock?: number;
  noiseSeed?: number;
  detector?: ObjectDetector | null;
}): Promise<ExportInstructionsResult> {
  if (!fs.existsSync(path.join(options.world, "world.json"))) {
    await generateWorld({ seed: options.seed ?? 7, brands: options.brands, postsPerBrand: options.posts, stockAssets: options.stock, outDir: options.world });
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "boig-llm-instr-"));
  const saved = process.env.BOIG_DATA_DIR;
  process.env.BOIG_DATA_DIR = dataDir;
  resetEnv();
  const handle = await openPglite(null);
  try {
    await importFolder(handle.db, { dir: options.world, name: "world" });
    await verbalizeImages(handle.db, { detector: options.detector ?? null });
    return await exportInstructions(handle.db, options.out, { seed: options.noiseSeed ?? 0 });
  } finally {
    await handle.close();
    if (saved === undefined) delete process.env.BOIG_DATA_DIR;
    else process.env.BOIG_DATA_DIR = saved;
    resetEnv();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join("server", "llm", "instructionsFromWorld.ts"));
if (isMain) {
  const { values } = parseArgs({
    options: {
      world: { type: "string" }, out: { type: "string" }, seed: { type: "string" }, brands: { type: "string" },
      posts: { type: "string" }, stock: { type: "string" }, "noise-seed": { type: "string" }, detector: { type: "string" },
    },
  });
  const { world, out } = values;
  if (!world || !out) {
    console.error("usage: node --import tsx server/llm/instructionsFromWorld.ts --world DIR --out INSTR_DIR [--seed N --brands N --posts N --stock N --noise-seed N --detector ARTIFACT_DIR]");
    process.exit(2);
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const started = Date.now();
  const detector = values.detector ? loadSceneDetector(values.detector) : Promise.resolve(null);
  detector.then((loaded) => instructionsFromWorld({
    world, out, seed: num(values.seed), brands: num(values.brands), posts: num(values.posts),
    stock: num(values.stock), noiseSeed: num(values["noise-seed"]), detector: loaded,
  })).then(
    (result) => {
      console.log(JSON.stringify({ ...result, seconds: (Date.now() - started) / 1000 }, null, 2));
      process.exit(0);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
