/**
 * Does the reward track the true KPI? (SPEC §4: "report which one tracks the true KPI better".)
 * On the test split of an instruction folder (types 1–2, behavior), every real image is scored
 * with both reward variants given its own post's prompt (the record's prompt with the KPI label
 * replaced by high / low; withKpi). Per dataset:
 *   - AUC of high vs low posts (stock: also high vs medium and medium vs low) for paper,
 *     paperMean and calibrated — the buckets are the ground truth the model was trained on;
 *   - with a world folder: Spearman rank correlation of each reward with the world's expected
 *     KPI of the image (server/world/engagement.ts expectedKpi: likes for social, forward actions
 *     for stock — the KPI the buckets are cut on, SPEC §3.3), and the AUC the expected KPI itself
 *     reaches on the buckets (the ceiling a perfect image-only score could approach, given the
 *     world's noise and the non-image terms).
 * The expected KPI uses the image's ground-truth verbalization from the world's scenes.jsonl (what
 * the simulator used), not the detector's (which the reward reads), so detector errors count
 * against the reward; and the image alone in its post's context (a multi-image post is the mean
 * of its images, engagement.ts) because the reward, too, judges one image.
 */
import path from "node:path";
import type { Bucket, DatasetKind } from "../db/schema";
import { computeRewards, withKpi, type Reward } from "../llm/reward";
import type { BoigLlm } from "../ml/boigLlm";
import { parseCanonicalText } from "../verbalize/canonical";
import { expectedKpi } from "../world/engagement";
import { rocAuc, spearman } from "./rankStatistics";
import { datasetFolder, openWorld, postOf, readPosts, readScenes, readTestRecords, type OpenWorld, type TestRecord } from "./worldTestSplit";

export const REWARD_VARIANTS = ["paper", "paperMean", "calibrated"] as const;
export type RewardVariant = (typeof REWARD_VARIANTS)[number];
type PerVariant = Record<RewardVariant, number | null>;

export type DatasetRewardReport = {
  dataset: string;
  kind: DatasetKind;
  images: number;
  buckets: { bucket: Bucket; images: number; mean: Record<RewardVariant, number> }[];
  auc: { highVsLow: PerVariant; highVsMedium?: PerVariant; mediumVsLow?: PerVariant };
  /** Null without a world folder. */
  trueKpi: {
    name: "likes" | "forward actions";
    /** Images whose post was found in the world folder (the others are left out of this part). */
    matched: number;
    spearman: PerVariant;
    /** AUC of the expected KPI itself, high vs low: the reference for the rewards' AUC. */
    aucHighVsLow: number | null;
  } | null;
  /** The variant with the highest Spearman with the true KPI (else the highest AUC high vs low). */
  tracksBest: RewardVariant | null;
};

export type RewardEvalReport = {
  data: string;
  world: string | null;
  model: { name: string; version: string; dir: string };
  limitPerDataset: number | null;
  datasets: DatasetRewardReport[];
  seconds: number;
};

export type EvalRewardOptions = {
  /** Instruction folder (boig instructions) with test.jsonl. */
  data: string;
  /** The `boig world` folder the instructions were built from (for the true expected KPI). */
  world?: string;
  /** At most this many test images per dataset, taken in turn from each bucket (takeAcrossBuckets). */
  limit?: number;
  batchSize?: number;
  onProgress?: (fraction: number, message: string) => void;
};

export async function evalReward(llm: BoigLlm, options: EvalRewardOptions): Promise<RewardEvalReport> {
  const started = performance.now();
  const byDataset = groupByDataset(readTestRecords(options.data), options.limit);
  const world = options.world ? openWorld(options.world) : null;
  const datasets: DatasetRewardReport[] = [];
  let done = 0;
  const total = [...byDataset.values()].reduce((s, r) => s + r.length, 0);
  for (const [dataset, records] of byDataset) {
    const rewards: Reward[] = [];
    // Chunks only to report progress; each chunk is one batched computeRewards call.
    for (let start = 0; start < records.length; start += 64) {
      const chunk = records.slice(start, start + 64);
      const scored = await computeRewards(
        llm,
        chunk.map((r) => ({ kind: r.kind, promptHigh: withKpi(r.prompt, "high"), promptLow: withKpi(r.prompt, "low"), verbalization: parseCanonicalText(r.verbalization) })),
        { batchSize: options.batchSize },
      );
      rewards.push(...scored.map((s) => s.reward));
      done += chunk.length;
      options.onProgress?.(done / total, `${dataset}: ${Math.min(start + 64, records.length)} of ${records.length} images`);
    }
    const truth = world ? await expectedKpis(world, dataset, records) : null;
    datasets.push(datasetReport(dataset, records, rewards, truth));
  }
  return {
    data: path.resolve(options.data),
    world: options.world ? path.resolve(options.world) : null,
    model: { name: llm.name, version: llm.version, dir: llm.artifactDir },
    limitPerDataset: options.limit ?? null,
    datasets,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}

function groupByDataset(records: readonly TestRecord[], limit?: number): Map<string, TestRecord[]> {
  const groups = new Map<string, TestRecord[]>();
  for (const r of records) groups.set(r.dataset, [...(groups.get(r.dataset) ?? []), r]);
  const sorted = [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(sorted.map(([dataset, list]) => [dataset, limit === undefined ? list : takeAcrossBuckets(list, limit)]));
}

/** At most `limit` records, taken in turn from each bucket (file order within one), so a small
 *  limit still has high and low images to compute an AUC on; returned in file order. */
function takeAcrossBuckets(records: readonly TestRecord[], limit: number): TestRecord[] {
  const queues = (["high", "medium", "low"] as const).map((bucket) => records.filter((r) => r.bucket === bucket)).filter((q) => q.length > 0);
  const chosen = new Set<TestRecord>();
  for (let round = 0; chosen.size < Math.min(limit, records.length); round++)
    for (const queue of queues) if (queue[round] && chosen.size < limit) chosen.add(queue[round]!);
  return records.filter((r) => chosen.has(r));
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const pick = (rewards: readonly Reward[], variant: RewardVariant) => rewards.map((r) => r[variant]);

function aucOf(records: readonly TestRecord[], rewards: readonly Reward[], positive: Bucket, negative: Bucket): PerVariant {
  const side = (bucket: Bucket) => rewards.filter((_, i) => records[i]!.bucket === bucket);
  return Object.fromEntries(REWARD_VARIANTS.map((v) => [v, rocAuc(pick(side(positive), v), pick(side(negative), v))])) as PerVariant;
}

function datasetReport(dataset: string, records: readonly TestRecord[], rewards: readonly Reward[], truth: (number | null)[] | null): DatasetRewardReport {
  const kind = records[0]!.kind;
  const buckets = (["high", "medium", "low"] as const)
    .map((bucket) => ({ bucket, rewards: rewards.filter((_, i) => records[i]!.bucket === bucket) }))
    .filter((b) => b.rewards.length > 0)
    .map((b) => ({
      bucket: b.bucket,
      images: b.rewards.length,
      mean: Object.fromEntries(REWARD_VARIANTS.map((v) => [v, mean(pick(b.rewards, v))])) as Record<RewardVariant, number>,
    }));
  const auc: DatasetRewardReport["auc"] = { highVsLow: aucOf(records, rewards, "high", "low") };
  if (kind === "stock") {
    auc.highVsMedium = aucOf(records, rewards, "high", "medium");
    auc.mediumVsLow = aucOf(records, rewards, "medium", "low");
  }
  let trueKpi: DatasetRewardReport["trueKpi"] = null;
  if (truth) {
    const matched = truth.flatMap((kpi, i) => (kpi === null ? [] : [{ kpi, reward: rewards[i]!, bucket: records[i]!.bucket }]));
    const kpis = matched.map((m) => m.kpi);
    trueKpi = {
      name: kind === "social" ? "likes" : "forward actions",
      matched: matched.length,
      spearman: Object.fromEntries(REWARD_VARIANTS.map((v) => [v, spearman(matched.map((m) => m.reward[v]), kpis)])) as PerVariant,
      aucHighVsLow: rocAuc(matched.filter((m) => m.bucket === "high").map((m) => m.kpi), matched.filter((m) => m.bucket === "low").map((m) => m.kpi)),
    };
  }
  const criterion = trueKpi ? trueKpi.spearman : auc.highVsLow;
  const ranked = REWARD_VARIANTS.filter((v) => criterion[v] !== null).sort((a, b) => criterion[b]! - criterion[a]!);
  return { dataset, kind, images: records.length, buckets, auc, trueKpi, tracksBest: ranked[0] ?? null };
}

/**
 * The world's expected KPI of each record's image, or null where its post is not in the world
 * folder. The dataset `NAME/social` of an imported world lives in the folder's `social/`.
 */
async function expectedKpis(world: OpenWorld, dataset: string, records: readonly TestRecord[]): Promise<(number | null)[]> {
  const kind = records[0]!.kind;
  const folder = datasetFolder(world, dataset);
  const posts = await readPosts(path.join(folder, "posts.csv"), kind);
  const truth = readScenes(path.join(folder, "scenes.jsonl"));
  return records.map((record) => {
    const where = postOf(record);
    const post = where ? posts.get(where[0]) : undefined;
    const media = post?.media[where![1]];
    if (!post || media === undefined) return null;
    const v = truth.get(media) ?? parseCanonicalText(record.verbalization);
    return kind === "social"
      ? expectedKpi(world.model, { account: post.account!, postedAt: post.postedAt, text: post.text, keywords: post.keywords }, v).likes
      : expectedKpi(world.model, { releasedAt: post.postedAt, caption: post.text, keywords: post.keywords }, v).forwardActions;
  });
}
