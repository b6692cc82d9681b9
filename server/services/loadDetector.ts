/**
 * The object detector the verbalizer uses: the committed scene detector when its artifact is
 * present (sha256-verified at load), or none (colors and tones only) with a reason.
 */
import fs from "node:fs";
import path from "node:path";
import { defaultSceneDetectorDir, loadSceneDetector } from "../ml/sceneDetector";
import type { ObjectDetector } from "../verbalize/detector";

export const DETECTOR_CHOICES = ["scene", "none"] as const;
export type DetectorChoice = (typeof DETECTOR_CHOICES)[number];

export async function loadDetector(choice: DetectorChoice): Promise<{ detector: ObjectDetector | null; note: string | null }> {
  if (choice === "none") return { detector: null, note: null };
  const dir = defaultSceneDetectorDir();
  if (!fs.existsSync(path.join(dir, "manifest.json")))
    return { detector: null, note: `No scene detector at ${dir}: objects are left out (colors and tones only)` };
  return { detector: await loadSceneDetector(dir), note: null };
}
