/**
 * Scores images for a saved generation or upload and prepares their `generation_images` rows:
 * the BoigLLM reward with its per-attribute breakdown (scoreImages), the percentile of each
 * reward among the brand's own posts (getRewardBaseline; null with too few posts), the true KPI
 * when the brand's data is the simulator's (estimateTrueKpis), and the file stored
 * content-addressed under BOIG_DATA_DIR before any row points at it.
 */
import { createHash } from "node:crypto";
import type { Db } from "../db/client";
import type { DatasetKind, generationImages } from "../db/schema";
import { storeImage } from "../import/imageStore";
import { decodeImage } from "../verbalize/decodeImage";
import { estimateTrueKpis } from "./estimateTrueKpis";
import { findSimulatorWorld } from "./findSimulatorWorld";
import { getRewardBaseline, percentileOf } from "./getRewardBaseline";
import { loadServedReward } from "./loadServedBoigLlm";
import { scoreImages, type DetectorMode } from "./scoreImages";

export type HistoryFields = { kind: DatasetKind; brand: string | null; date: string; prompt: string; keywords: string[] };
export type ImageToScore = { bytes: Uint8Array; seed: number | null; fileName: string | null };
export type ScoredImageValues = Omit<typeof generationImages.$inferInsert, "generationId" | "position">;

export async function scoreForHistory(
  db: Db,
  fields: HistoryFields,
  images: readonly ImageToScore[],
  detector: DetectorMode,
): Promise<{ rows: ScoredImageValues[]; models: Record<string, { name: string; version: string }>; baselinePosts: number }> {
  const request = { kind: fields.kind, brand: fields.brand ?? undefined, date: fields.date, prompt: fields.prompt, keywords: fields.keywords };
  const scored = await scoreImages(images.map((image) => ({ ...request, image: image.bytes, detector })));
  const llm = await loadServedReward();
  const baseline = await getRewardBaseline(db, llm, fields.kind, fields.brand);
  const decoded = images.map((image) => decodeImage(image.bytes));
  const world = await findSimulatorWorld(db, fields.kind, fields.brand);
  const postedAt = new Date(fields.date);
  const trueKpis = world
    ? await estimateTrueKpis(
        world,
        decoded.map(() =>
          fields.kind === "social"
            ? { kind: "social" as const, account: fields.brand!, postedAt, text: fields.prompt, keywords: fields.keywords }
            : { kind: "stock" as const, releasedAt: postedAt, caption: fields.prompt, keywords: fields.keywords },
        ),
        decoded,
      )
    : null;
  const rows: ScoredImageValues[] = [];
  for (const [i, image] of images.entries()) {
    const sha256 = createHash("sha256").update(image.bytes).digest("hex");
    const format = decoded[i]!.format;
    const storedPath = await storeImage(Buffer.from(image.bytes), sha256, format);
    const result = scored[i]!;
    rows.push({
      seed: image.seed,
      fileName: image.fileName,
      sha256,
      storedPath,
      format,
      width: decoded[i]!.width,
      height: decoded[i]!.height,
      canonical: result.canonical,
      verbalization: result.verbalization,
      detector: result.detector,
      rewardPaper: result.reward.paper,
      rewardCalibrated: result.reward.calibrated,
      probabilityHigh: result.reward.probabilityHigh,
      percentilePaper: baseline.sufficient ? percentileOf(baseline.rewardsPaper, result.reward.paper) : null,
      percentileCalibrated: baseline.sufficient ? percentileOf(baseline.rewardsCalibrated, result.reward.calibrated) : null,
      trueKpi: trueKpis ? trueKpis[i]!.kpi : null,
      breakdown: result.breakdown ?? [],
      notes: result.notes,
    });
  }
  const models: Record<string, { name: string; version: string }> = { boigllm: scored[0]!.model };
  const detectorModel = scored[0]!.detector.model;
  if (detectorModel) models.detector = detectorModel;
  return { rows, models, baselinePosts: baseline.posts };
}
