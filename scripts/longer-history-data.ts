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
import { postsOfBrand } from "../server/world/simulate";
import { loadWorldModel } from "../server/world/worldModel";

const [origWorld, origInstr, extWorld, extInstr, out] = process.argv.slice(2);
if (!origWorld || !origInstr || !extWorld || !extInstr || !out) {
  console.error("usage: node --import tsx scripts/longer-history-data.ts ORIG_WORLD ORIG_INSTR EXT_WORLD EXT_INSTR OUT");
  process.exit(2);
}
const original = loadWorldModel(path.join(origWorld, "world.json"));
const extended = loadWorldModel(path.join(extWorld, "world.json"));
// Per brand: where its posts start in each world, and how many the original drew.
const ranges: { extFirst: number; origFirst: number; origCount: number }[] = [];
let ef = 1;
let of = 1;
extended.brands.forEach((brand, b) => {
  const oc = postsOfBrand(original, original.brands[b]!);
  ranges.push({ extFirst: ef, origFirst: of, origCount: oc });
  ef += postsOfBrand(extended, brand);
  of += oc;
});
const key = (id: string) => id.split("#")[0]!;
/** The original world's record key of an extended record's image, or null for a fresh image. */
const originalKey = (id: string): string | null => {
  const social = /^(.*\/p)(\d+)(\/.*)$/.exec(key(id));
  if (social) {
    const n = Number(social[2]);
    const r = ranges.find((x) => n >= x.extFirst && n < x.extFirst + x.origCount);
    return r ? `${social[1]}${String(r.origFirst + n - r.extFirst).padStart(social[2]!.length, "0")}${social[3]}` : null;
  }
  const stock = /\/a(\d+)/.exec(id);
  if (stock) return Number(stock[1]) <= original.stockAssets ? key(id) : null;
  throw new Error(id);
};
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
