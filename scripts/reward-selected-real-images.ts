/**
 * How much of a brand's taste does the reward see in REAL images? A diagnostic for issue 5.
 *
 * Among the social high-KPI images of one split, per brand, keep the top fraction by the reward's
 * calibrated variant (each image under its own post's prompt, as `eval reward` scores it) and
 * compare the world's image term of what was kept with that of all of the brand's high images:
 * exp(image effect + caption–image agreement), the part of expected likes an image controls
 * (server/world/engagement.ts). The oracle keeps the top fraction by that term itself. Ratios are
 * averaged over brands, weighted by their number of high images. Also prints how much richer the
 * high bucket is than high + low together (what SFT's data selection is worth, paper §3.3).
 *
 *   node --import tsx scripts/reward-selected-real-images.ts INSTR_DIR train|test WORLD_DIR REWARD_DIR
 *
 * Why: if training on reward-selected real images (an SFT-style anchor) were to beat SFT by the
 * 15% issue 5 asks, the reward would have to find images this much richer than the bucket average.
 */
import path from "node:path";
import { readInstructionSplit, type InstructionSplit } from "../server/llm/readInstructionFolder";
import { computeRewards, withKpi } from "../server/llm/reward";
import { loadBoigLlm } from "../server/ml/boigLlm";
import { datasetFolder, openWorld, postOf, readPosts, readScenes } from "../server/eval/worldTestSplit";
import { parseCanonicalText } from "../server/verbalize/canonical";
import { explainSocialKpi } from "../server/world/engagement";

const [instr, split, worldDir, rewardDir] = process.argv.slice(2);
if (!instr || (split !== "train" && split !== "test") || !worldDir || !rewardDir) {
  console.error("usage: node --import tsx scripts/reward-selected-real-images.ts INSTR_DIR train|test WORLD_DIR REWARD_DIR");
  process.exit(2);
}

type Image = { brand: string; bucket: string; reward: number; imageTerm: number };

const records = readInstructionSplit(instr, split as InstructionSplit).filter(
  (r) => r.kind === "social" && r.variant === "behavior" && r.type <= 2 && (r.bucket === "high" || r.bucket === "low"),
);
const world = openWorld(worldDir);
const folder = datasetFolder(world, "world/social");
const posts = await readPosts(path.join(folder, "posts.csv"), "social");
const scenes = readScenes(path.join(folder, "scenes.jsonl"));
const llm = await loadBoigLlm(rewardDir);

const images: Image[] = [];
for (let start = 0; start < records.length; start += 64) {
  const chunk = records.slice(start, start + 64);
  // Only high images need a reward; low ones enter the high-vs-all reference only.
  const high = chunk.filter((r) => r.bucket === "high");
  const scored = await computeRewards(llm, high.map((r) => ({
    kind: r.kind, promptHigh: withKpi(r.prompt, "high"), promptLow: withKpi(r.prompt, "low"), verbalization: parseCanonicalText(r.verbalization),
  })));
  const rewardOf = new Map(high.map((r, i) => [r, scored[i]!.reward.calibrated]));
  for (const r of chunk) {
    const where = postOf(r);
    const post = where ? posts.get(where[0]) : undefined;
    const truth = post ? scenes.get(post.media[where![1]]!) : undefined;
    if (!post || !truth) throw new Error(`${r.id}: not in ${worldDir} (use the world the instructions were built from)`);
    const breakdown = explainSocialKpi(world.model, { account: post.account!, postedAt: post.postedAt, text: post.text, keywords: post.keywords }, truth);
    images.push({ brand: post.account!, bucket: r.bucket, reward: rewardOf.get(r) ?? 0, imageTerm: Math.exp(breakdown.image.total + breakdown.agreement) });
  }
}

const mean = (xs: readonly Image[]) => xs.reduce((s, x) => s + x.imageTerm, 0) / xs.length;
const brands = new Map<string, Image[]>();
for (const image of images) {
  const list = brands.get(image.brand) ?? [];
  list.push(image);
  brands.set(image.brand, list);
}

/** Mean over brands (weighted by high images) of mean(selected) / mean(reference). */
function ratio(select: (high: Image[]) => Image[], reference: (all: Image[], high: Image[]) => Image[]): number {
  let weighted = 0, count = 0;
  for (const all of brands.values()) {
    const high = all.filter((i) => i.bucket === "high");
    if (high.length === 0) continue;
    weighted += (mean(select(high)) / mean(reference(all, high))) * high.length;
    count += high.length;
  }
  return weighted / count;
}
const top = (fraction: number, key: (i: Image) => number) => (high: Image[]) =>
  [...high].sort((a, b) => key(b) - key(a)).slice(0, Math.max(1, Math.round(high.length * fraction)));

const highCount = images.filter((i) => i.bucket === "high").length;
console.log(`${split} split, social: ${highCount} high and ${images.length - highCount} low images of ${brands.size} brands`);
console.log(`  high bucket vs high + low: x${ratio((h) => h, (a) => a).toFixed(3)}`);
for (const fraction of [0.5, 0.25])
  console.log(`  top ${fraction * 100}% of each brand's high images vs all its high images: by reward x${ratio(top(fraction, (i) => i.reward), (_, h) => h).toFixed(3)}, by the image term itself (oracle) x${ratio(top(fraction, (i) => i.imageTerm), (_, h) => h).toFixed(3)}`);
