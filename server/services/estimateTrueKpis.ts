/**
 * The TRUE KPI of images (SPEC §6): the simulator's expected likes (social) or forward actions
 * (stock) of each image for its post context, with the image verbalized by the independently
 * trained evaluation detector (models/artifacts/scene-detector-eval), so that an image which
 * fools the reward's detector does not fool this number. Only meaningful for world data: it
 * needs the world's hidden parameters (world.json).
 */
import fs from "node:fs";
import { badInput } from "../errors";
import { getActiveModelDir } from "./activeModels";
import { evalSceneDetectorDir, loadSceneDetector, type SceneDetector } from "../ml/sceneDetector";
import type { ObjectDetector } from "../verbalize/detector";
import type { RgbaImage, Verbalization } from "../verbalize/types";
import { verbalizeImage } from "../verbalize/verbalizeImage";
import { expectedKpi } from "../world/engagement";
import type { WorldModel } from "../world/worldModel";

export type TrueKpiContext =
  | { kind: "social"; account: string; postedAt: Date; text: string; keywords: readonly string[] }
  | { kind: "stock"; releasedAt: Date; caption: string; keywords: readonly string[] };

export type TrueKpi = { kpi: number; verbalization: Verbalization };

let cachedDetector: { dir: string; detector: Promise<SceneDetector> } | null = null;

/** The evaluation detector, loaded once per process (sha256-verified by loadSceneDetector). */
export function evalDetector(dir = getActiveModelDir("evaluator") ?? evalSceneDetectorDir()): Promise<SceneDetector> {
  if (!fs.existsSync(`${dir}/manifest.json`)) throw badInput(`no evaluation detector at ${dir}: the true KPI needs models/artifacts/scene-detector-eval`);
  if (cachedDetector?.dir !== dir) cachedDetector = { dir, detector: loadSceneDetector(dir) };
  return cachedDetector.detector;
}

/** One result per image, in order. `images[i]` is scored in `contexts[i]`. */
export async function estimateTrueKpis(world: WorldModel, contexts: readonly TrueKpiContext[], images: readonly RgbaImage[], detectorDir?: string): Promise<TrueKpi[]> {
  return expectedKpisSeenBy(world, contexts, images, await evalDetector(detectorDir));
}

/**
 * The same world KPI with the images verbalized by any detector. With the reward's own detector
 * it tells a fooled detector (this number rises with the reward while the true KPI does not) from
 * a wrong reward model (both KPIs stay put while the reward rises).
 */
export async function expectedKpisSeenBy(world: WorldModel, contexts: readonly TrueKpiContext[], images: readonly RgbaImage[], detector: ObjectDetector | null): Promise<TrueKpi[]> {
  if (contexts.length !== images.length) throw badInput(`${contexts.length} contexts for ${images.length} images`);
  const results: TrueKpi[] = [];
  for (let i = 0; i < images.length; i++) {
    const verbalization = await verbalizeImage(images[i]!, detector);
    results.push({ kpi: expectedKpiOf(world, contexts[i]!, verbalization), verbalization });
  }
  return results;
}

/** The world's expected likes (social) or forward actions (stock) of a verbalized image in its context. */
export function expectedKpiOf(world: WorldModel, context: TrueKpiContext, verbalization: Verbalization): number {
  return context.kind === "social"
    ? expectedKpi(world, { account: context.account, postedAt: context.postedAt, text: context.text, keywords: context.keywords }, verbalization).likes
    : expectedKpi(world, { releasedAt: context.releasedAt, caption: context.caption, keywords: context.keywords }, verbalization).forwardActions;
}
