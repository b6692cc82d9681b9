/**
 * A validation set for choosing how Table 1 decodes, without touching the test split.
 *
 * The demo world's posts are drawn per (brand, post index) and its stock assets per asset number
 * (server/world/simulate.ts), and the world's hidden parameters do not depend on how many are
 * drawn (worldModel.ts). So the same seed with more posts and assets (`--posts 500 --stock 6000`)
 * is the same world with more draws: every post at index ≥ the original brand's count, and every
 * asset past the original count, is a fresh image no model has seen. (Posts below that index share
 * their scene with an original post, so they are left out; posting dates are sorted per brand, so
 * the fresh posts are that brand's later half of 2021–2025.)
 *
 * Writes OUT with: test.jsonl = the extended world's test-split records of fresh images; train.jsonl,
 * vocab.json and meta.json copied from the ORIGINAL instructions, so the retrieval baselines pick
 * their shots from the data the models were trained on and the vocabulary check still passes.
 *
 *   node --import tsx scripts/fresh-draws-validation.ts --original-world /tmp/w7 --original /tmp/instr-w7 \
 *        --extended-world /tmp/w7x --extended /tmp/instr-w7x --out /tmp/val-w7
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { readInstructionSplit } from "../server/llm/readInstructionFolder";
import { postsOfBrand } from "../server/world/simulate";
import { loadWorldModel, type WorldModel } from "../server/world/worldModel";

const { values } = parseArgs({
  options: {
    "original-world": { type: "string" }, original: { type: "string" },
    "extended-world": { type: "string" }, extended: { type: "string" }, out: { type: "string" },
  },
});
const { "original-world": originalWorldDir, original, "extended-world": extendedWorldDir, extended, out } = values;
if (!originalWorldDir || !original || !extendedWorldDir || !extended || !out) {
  console.error("usage: node --import tsx scripts/fresh-draws-validation.ts --original-world DIR --original INSTR --extended-world DIR --extended INSTR --out DIR");
  process.exit(2);
}

const originalWorld = loadWorldModel(path.join(originalWorldDir, "world.json"));
const extendedWorld = loadWorldModel(path.join(extendedWorldDir, "world.json"));
if (originalWorld.seed !== extendedWorld.seed || originalWorld.brands.length !== extendedWorld.brands.length)
  throw new Error("the two worlds must share seed and brands (the same world, more draws)");

/** Social post number (1-based, brand by brand; simulateSocialPosts) → is it a fresh draw? */
function freshSocialPosts(original: WorldModel, extended: WorldModel): (postNumber: number) => boolean {
  const ranges: { first: number; freshFrom: number; last: number }[] = [];
  let first = 1;
  extended.brands.forEach((brand, b) => {
    const count = postsOfBrand(extended, brand);
    ranges.push({ first, freshFrom: first + postsOfBrand(original, original.brands[b]!), last: first + count - 1 });
    first += count;
  });
  return (n) => ranges.some((r) => n >= r.freshFrom && n <= r.last);
}

const isFreshPost = freshSocialPosts(originalWorld, extendedWorld);
/** Record ids look like world/social/p000014/0#1 and world/stock/a000123#2. */
function isFresh(id: string): boolean {
  const social = /\/p(\d+)\//.exec(id);
  if (social) return isFreshPost(Number(social[1]));
  const stock = /\/a(\d+)/.exec(id);
  if (stock) return Number(stock[1]) > originalWorld.stockAssets;
  throw new Error(`cannot tell which post record ${id} belongs to`);
}

const fresh = readInstructionSplit(extended, "test").filter((r) => isFresh(r.id));
fs.mkdirSync(out, { recursive: true });
for (const file of ["train.jsonl", "vocab.json", "meta.json"]) fs.copyFileSync(path.join(original, file), path.join(out, file));
fs.writeFileSync(path.join(out, "test.jsonl"), fresh.map((r) => JSON.stringify(r)).join("\n") + "\n");
const counts: Record<string, number> = {};
for (const r of fresh) if (r.type <= 2 && r.variant === "behavior") counts[`${r.kind}:${r.bucket}`] = (counts[`${r.kind}:${r.bucket}`] ?? 0) + 1;
console.log(JSON.stringify({ out, records: fresh.length, images: counts }, null, 1));
