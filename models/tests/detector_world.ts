/**
 * A small world for the scene-detector tests (models/tests/test_detector*.py): runs the world
 * simulator (server/world/generateWorld.ts) with few brands and posts, so the trainer reads the
 * real layout: {social,stock}/media/*.png, {social,stock}/scenes.jsonl and world.json.
 * Usage: node --import tsx models/tests/detector_world.ts --out DIR [--seed 3] [--brands 4] [--posts 40] [--stock 40]
 */
import { parseArgs } from "node:util";
import { generateWorld } from "../../server/world/generateWorld";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    seed: { type: "string", default: "3" },
    brands: { type: "string", default: "4" },
    posts: { type: "string", default: "40" },
    stock: { type: "string", default: "40" },
  },
});
if (!values.out) throw new Error("--out DIR is required");
const summary = await generateWorld({
  seed: Number(values.seed),
  brands: Number(values.brands),
  postsPerBrand: Number(values.posts),
  stockAssets: Number(values.stock),
  outDir: values.out,
});
console.log(JSON.stringify(summary));
