/**
 * The object detector the verbalizer uses (SPEC §3.4): the scene detector trained on the world's
 * renders (the registry's active verbalizer version, else the committed one), or the COCO detector
 * for real photos, each sha256-verified at load; or none (colors
 * and tones only). A missing artifact is not an error: objects are left out, with a note.
 */
import fs from "node:fs";
import path from "node:path";
import { defaultCocoDetectorDir, loadCocoDetector } from "../ml/cocoDetector";
import { defaultSceneDetectorDir, loadSceneDetector } from "../ml/sceneDetector";
import type { ObjectDetector } from "../verbalize/detector";
import { getActiveModelDir } from "./activeModels";

export const DETECTOR_CHOICES = ["scene", "coco", "none"] as const;
export type DetectorChoice = (typeof DETECTOR_CHOICES)[number];

const BACKENDS = {
  scene: { dir: () => getActiveModelDir("verbalizer") ?? defaultSceneDetectorDir(), load: loadSceneDetector },
  coco: { dir: defaultCocoDetectorDir, load: loadCocoDetector },
} as const;

export async function loadDetector(choice: DetectorChoice): Promise<{ detector: ObjectDetector | null; note: string | null }> {
  if (choice === "none") return { detector: null, note: null };
  const backend = BACKENDS[choice];
  const dir = backend.dir();
  if (!fs.existsSync(path.join(dir, "manifest.json")))
    return { detector: null, note: `No ${choice} detector at ${dir}: objects are left out (colors and tones only)` };
  return { detector: await backend.load(dir), note: null };
}
