/**
 * Table 2 (SPEC §6): base, SFT and BoigSD compared on the test prompts of each dataset and KPI
 * bucket. For every test post (its brand, date, caption and keywords as written) each model
 * generates `samplesPerPrompt` images with the app's own generation service, and each image gets:
 *   - both BoigLLM rewards (the app's scoreImages: the same numbers a marketer sees);
 *   - the TRUE KPI: the simulator's expected likes / forward actions of the image in its post's
 *     context, verbalized by the independent evaluation detector (estimateTrueKpis) — the metric
 *     the paper could not measure;
 *   - per bucket, a FID-like distance to the real test images of that bucket, an image–text
 *     agreement score and a no-reference quality proxy, where their models are installed
 *     (`extraMetrics`; docs/results.md says which paper metric each stands in for).
 * Prompts and seeds are fixed (prompt p, sample s → seed 1000·p + s), so every model sees the
 * same prompts and noise seeds and reruns are identical.
 */
import fs from "node:fs";
import path from "node:path";
import type { Bucket, DatasetKind } from "../db/schema";
import { estimateTrueKpis, expectedKpisSeenBy, type TrueKpiContext } from "../services/estimateTrueKpis";
import { loadDetector } from "../services/loadDetector";
import { DEFAULT_GENERATION, generateImages } from "../services/generateImages";
import { scoreImages } from "../services/scoreImages";
import { sdPromptText } from "../sd/sdPrompt";
import { decodeImage } from "../verbalize/decodeImage";
import type { RgbaImage } from "../verbalize/types";
import { datasetFolder, openWorld, postOf, readPosts, readTestRecords, type TestRecord } from "./worldTestSplit";
import type { NormalizedRow } from "../import/rowSchemas";

export type SdModelRef = { label: string; dir: string };

/** Per-bucket metrics computed from images (FID-like, agreement, quality), injected so this file
 *  does not depend on which feature models are installed. Each returns null when unavailable. */
export type ExtraMetrics = {
  names: readonly string[];
  /** `prompts[i]` is generated[i]'s diffusion prompt text (sdPromptText). */
  compute(input: { generated: readonly RgbaImage[]; prompts: readonly string[]; real: readonly RgbaImage[] }): Promise<Record<string, number | null>>;
};

export type EvalSdOptions = {
  /** Instruction folder whose test.jsonl names the test posts (boig instructions). */
  data: string;
  /** The `boig world` folder those posts come from (prompts, real images, world.json). */
  world: string;
  models: readonly SdModelRef[];
  promptsPerBucket?: number;
  samplesPerPrompt?: number;
  steps?: number;
  guidance?: number;
  eta?: number;
  /** BoigLLM for the rewards (default: the served one). */
  boigllmDir?: string;
  /** Real test images per bucket for the FID-like reference (default 200). */
  realPerBucket?: number;
  extraMetrics?: ExtraMetrics;
  onProgress?: (fraction: number, message: string) => void;
};

export type SdRow = {
  dataset: string;
  kind: DatasetKind;
  bucket: Bucket;
  model: string;
  prompts: number;
  images: number;
  rewardCalibrated: number;
  rewardPaper: number;
  trueKpi: number;
  /**
   * The world's KPI of the same images as the REWARD's detector verbalizes them (absent in reports
   * from before it). Reward up, this up, true KPI flat: the images fool the reward's detector.
   * Reward up, both flat: the reward model itself is wrong (estimateTrueKpis.ts).
   */
  trueKpiRewardDetector?: number;
  /** Mean true KPI of each prompt's samples, in prompt order (the same prompts for every model: paired); absent in reports stored before it existed. */
  trueKpiPerPrompt?: number[];
  extra: Record<string, number | null>;
};

export type SdEvalReport = {
  data: string;
  world: string;
  models: { label: string; dir: string; name: string; version: string }[];
  settings: { promptsPerBucket: number; samplesPerPrompt: number; steps: number; guidance: number; eta: number };
  trueKpiName: Record<DatasetKind, string>;
  rows: SdRow[];
  seconds: number;
};

type TestPost = { record: TestRecord; post: NormalizedRow; position: number };

const BUCKETS: readonly Bucket[] = ["high", "medium", "low"];
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : Number.NaN);

export async function evalSd(options: EvalSdOptions): Promise<SdEvalReport> {
  const started = performance.now();
  const world = openWorld(options.world);
  const promptsPerBucket = options.promptsPerBucket ?? 16;
  const samplesPerPrompt = options.samplesPerPrompt ?? 2;
  const settings = {
    promptsPerBucket, samplesPerPrompt,
    steps: options.steps ?? DEFAULT_GENERATION.steps, guidance: options.guidance ?? DEFAULT_GENERATION.guidance, eta: options.eta ?? DEFAULT_GENERATION.eta,
  };
  const groups = await testPostGroups(options.data, world, promptsPerBucket);
  const rewardDetector = (await loadDetector("scene")).detector; // what scoreImages verbalizes with below
  const rows: SdRow[] = [];
  const models: SdEvalReport["models"] = [];
  const totalSteps = groups.length * options.models.length;
  let done = 0;
  for (const group of groups) {
    const real = readRealImages(world, group.dataset, group.all, options.realPerBucket ?? 200);
    for (const model of options.models) {
      const generated: RgbaImage[] = [];
      const pngs: Uint8Array[] = [];
      const fields: TestPost[] = [];
      for (const [p, item] of group.posts.entries()) {
        const generation = await generateImages(
          { ...promptFields(item), variants: samplesPerPrompt, seed: 1000 * p, steps: settings.steps, guidance: settings.guidance, eta: settings.eta },
          { modelDir: model.dir },
        );
        if (!models.some((m) => m.label === model.label))
          models.push({ label: model.label, dir: generation.model.dir, name: generation.model.name, version: generation.model.version });
        for (const image of generation.images) {
          generated.push(image.image);
          pngs.push(image.png);
          fields.push(item);
        }
      }
      const scored = await scoreImages(
        pngs.map((png, i) => ({ ...promptFields(fields[i]!), image: png, detector: "scene" as const })),
        { modelDir: options.boigllmDir, breakdown: false },
      );
      const contexts = fields.map(trueKpiContext);
      const truth = await estimateTrueKpis(world.model, contexts, generated);
      const seenByReward = await expectedKpisSeenBy(world.model, contexts, generated, rewardDetector);
      const extra = options.extraMetrics
        ? await options.extraMetrics.compute({ generated, prompts: fields.map(sdPromptOf), real })
        : {};
      rows.push({
        dataset: group.dataset, kind: group.kind, bucket: group.bucket, model: model.label,
        prompts: group.posts.length, images: generated.length,
        rewardCalibrated: mean(scored.map((s) => s.reward.calibrated)),
        rewardPaper: mean(scored.map((s) => s.reward.paper)),
        trueKpi: mean(truth.map((t) => t.kpi)),
        trueKpiRewardDetector: mean(seenByReward.map((t) => t.kpi)),
        trueKpiPerPrompt: group.posts.map((_, p) => mean(truth.slice(p * samplesPerPrompt, (p + 1) * samplesPerPrompt).map((t) => t.kpi))),
        extra,
      });
      done++;
      options.onProgress?.(done / totalSteps, `${group.dataset} ${group.bucket}: ${model.label} (${generated.length} images)`);
    }
  }
  return {
    data: path.resolve(options.data),
    world: path.resolve(options.world),
    models,
    settings,
    trueKpiName: { social: "expected likes", stock: "expected forward actions" },
    rows,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}

type Group = { dataset: string; kind: DatasetKind; bucket: Bucket; posts: TestPost[]; all: TestPost[] };

/** Per dataset and bucket: the first `limit` distinct test posts in file order (a multi-image post
 *  is one prompt), and every test image of the bucket (the FID-like reference). */
export async function testPostGroups(data: string, world: ReturnType<typeof openWorld>, limit: number): Promise<Group[]> {
  const records = readTestRecords(data);
  const datasets = [...new Set(records.map((r) => r.dataset))].sort();
  const groups: Group[] = [];
  for (const dataset of datasets) {
    const ofDataset = records.filter((r) => r.dataset === dataset);
    const kind = ofDataset[0]!.kind;
    const posts = await readPosts(path.join(datasetFolder(world, dataset), "posts.csv"), kind);
    for (const bucket of BUCKETS) {
      const all: TestPost[] = [];
      for (const record of ofDataset.filter((r) => r.bucket === bucket)) {
        const where = postOf(record);
        const post = where ? posts.get(where[0]) : undefined;
        if (post && where && post.media[where[1]] !== undefined) all.push({ record, post, position: where[1] });
      }
      if (all.length === 0) continue;
      const seen = new Set<string>();
      const distinct = all.filter((item) => !seen.has(item.post.externalId) && seen.add(item.post.externalId));
      groups.push({ dataset, kind, bucket, posts: distinct.slice(0, limit), all });
    }
  }
  return groups;
}

export function promptFields(item: TestPost) {
  const kind = item.record.kind;
  return {
    kind,
    ...(kind === "social" ? { brand: item.post.account ?? "" } : {}),
    date: item.post.postedAt.toISOString(),
    prompt: item.post.text,
    keywords: item.post.keywords,
  };
}

/** The diffusion prompt text of a test post (what the generator and the image–text model read). */
function sdPromptOf(item: TestPost): string {
  const kind = item.record.kind;
  return sdPromptText({ kind, brand: kind === "social" ? (item.post.account ?? "") : null, caption: item.post.text, keywords: item.post.keywords });
}

export function trueKpiContext(item: TestPost): TrueKpiContext {
  const { post } = item;
  return item.record.kind === "social"
    ? { kind: "social", account: post.account ?? "", postedAt: post.postedAt, text: post.text, keywords: post.keywords }
    : { kind: "stock", releasedAt: post.postedAt, caption: post.text, keywords: post.keywords };
}

function readRealImages(world: ReturnType<typeof openWorld>, dataset: string, items: readonly TestPost[], limit: number): RgbaImage[] {
  const folder = datasetFolder(world, dataset);
  return items.slice(0, limit).flatMap((item) => {
    const file = path.join(folder, item.post.media[item.position]!);
    return fs.existsSync(file) ? [decodeImage(new Uint8Array(fs.readFileSync(file)))] : [];
  });
}
