import type { DetectedObject, RgbaImage } from "./types";

/**
 * The one interface both object-detector backends implement (SPEC §3.4): (a) the scene detector
 * trained on the world's renders (labels are OBJECT_CLASSES), (b) COCO CenterNet for real photos
 * (labels are COCO names; canonical text maps them, see cocoLabels.ts).
 * Contract: boxes normalized to [0, 1] of the input image (x, y = top-left); any image size
 * accepted (the backend resizes); all candidates above the backend's own floor returned —
 * the caller applies its score threshold (verbalizeImage) so one threshold rules everywhere.
 * `name` and `version` identify the model artifact (its manifest), so stored verbalizations
 * can say which detector produced them.
 */
export interface ObjectDetector {
  readonly name: string;
  readonly version: string;
  detect(image: RgbaImage): Promise<DetectedObject[]>;
}
