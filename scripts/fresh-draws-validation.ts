/**
 * A validation set for choosing how Table 1 decodes, without touching the test split.
 *
 * The same seed with more posts and assets (`npx boig world --seed 7 --posts 500 --stock 6000`) is
 * the same world with more draws; server/eval/freshDraws.ts says which of its images are fresh.
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
import { freshRecordFilter } from "../server/eval/freshDraws";
import { loadWorldModel } from "../server/world/worldModel";

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

const isFresh = freshRecordFilter(
  loadWorldModel(path.join(originalWorldDir, "world.json")),
  loadWorldModel(path.join(extendedWorldDir, "world.json")),
);

const fresh = readInstructionSplit(extended, "test").filter((r) => isFresh(r.id));
fs.mkdirSync(out, { recursive: true });
for (const file of ["train.jsonl", "vocab.json", "meta.json"]) fs.copyFileSync(path.join(original, file), path.join(out, file));
fs.writeFileSync(path.join(out, "test.jsonl"), fresh.map((r) => JSON.stringify(r)).join("\n") + "\n");
const counts: Record<string, number> = {};
for (const r of fresh) if (r.type <= 2 && r.variant === "behavior") counts[`${r.kind}:${r.bucket}`] = (counts[`${r.kind}:${r.bucket}`] ?? 0) + 1;
console.log(JSON.stringify({ out, records: fresh.length, images: counts }, null, 1));
