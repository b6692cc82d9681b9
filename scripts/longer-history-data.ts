/**
 * Reward training data from a LONGER post history of the same world, without the test split.
 *
 * The same seed with more posts and assets (`npx boig world --seed 7 --posts 500 --stock 6000`) is
 * the same world with more draws (server/eval/freshDraws.ts). Writes OUT with the extended world's
 * train records MINUS every record whose image is an original TEST image (social post numbers run
 * brand by brand, so each is mapped back to its original number), and the ORIGINAL test.jsonl, so a
 * model trained on OUT is tested on exactly the images the other models are. vocab.json and
 * meta.json come from the extended instructions (same 389 tokens).
 *
 *   node --import tsx scripts/longer-history-data.ts ORIG_WORLD ORIG_INSTR EXT_WORLD EXT_INSTR OUT
 *
 * Why: the reward is data-limited — trained on twice the history it orders one prompt's samples by
 * true KPI about twice as well (docs/results.md, "A reward from a longer history").
 */
import fs from "node:fs";
import path from "node:path";
import { originalRecordKey } from "../server/eval/freshDraws";
import { loadWorldModel } from "../server/world/worldModel";

const [origWorld, origInstr, extWorld, extInstr, out] = process.argv.slice(2);
if (!origWorld || !origInstr || !extWorld || !extInstr || !out) {
  console.error("usage: node --import tsx scripts/longer-history-data.ts ORIG_WORLD ORIG_INSTR EXT_WORLD EXT_INSTR OUT");
  process.exit(2);
}
const originalKey = originalRecordKey(
  loadWorldModel(path.join(origWorld, "world.json")),
  loadWorldModel(path.join(extWorld, "world.json")),
);
const key = (id: string) => id.split("#")[0]!;
const lines = (f: string) => fs.readFileSync(f, "utf8").split("\n").filter(Boolean);
const test = new Set(lines(path.join(origInstr, "test.jsonl")).map((l) => key(JSON.parse(l).id as string)));
let kept = 0;
let dropped = 0;
const train = lines(path.join(extInstr, "train.jsonl")).filter((l) => {
  const k = originalKey(JSON.parse(l).id as string);
  const keep = k === null || !test.has(k);
  if (keep) kept++;
  else dropped++;
  return keep;
});
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, "train.jsonl"), train.join("\n") + "\n");
fs.copyFileSync(path.join(origInstr, "test.jsonl"), path.join(out, "test.jsonl"));
for (const f of ["vocab.json", "meta.json"]) fs.copyFileSync(path.join(extInstr, f), path.join(out, f));
console.log({ kept, dropped, originalTestImages: test.size });
