import { describeVerbalization } from "./caption";
import { measureColors } from "./colors";
import type { ObjectDetector } from "./detector";
import { measureTones } from "./tones";
import type { Box, DetectedObject, RgbaImage, Verbalization } from "./types";
import { MAX_OBJECTS } from "./vocabulary";

/**
 * Image → verbalization (SPEC §3.4): colors and tones from the pixels, objects from the detector
 * (none when it is null, e.g. before a detector model is installed), caption built from them.
 * Objects: score ≥ minScore (default 0.5), boxes clipped to the image (degenerate ones dropped),
 * most confident first, then largest (a deterministic order for equal scores), at most
 * maxObjects (default MAX_OBJECTS, the canonical limit). Labels are kept as the detector gave
 * them (COCO names from the photo detector); the canonical text maps them (cocoLabels.ts).
 */
export type VerbalizeOptions = { minScore?: number; maxObjects?: number };

export const DEFAULT_MIN_SCORE = 0.5;

export async function verbalizeImage(image: RgbaImage, detector: ObjectDetector | null, opts: VerbalizeOptions = {}): Promise<Verbalization> {
  const { rgba, width, height } = image;
  const colors = measureColors(rgba, width, height);
  const tones = measureTones(rgba, width, height);
  const detected = detector ? await detector.detect(image) : [];
  const objects = selectObjects(detected, opts.minScore ?? DEFAULT_MIN_SCORE, opts.maxObjects ?? MAX_OBJECTS);
  return { colors, tones, objects, caption: describeVerbalization({ colors, tones, objects }) };
}

export function selectObjects(detected: DetectedObject[], minScore: number, maxObjects: number): DetectedObject[] {
  const area = (b: Box) => b.w * b.h;
  return detected
    .filter((o) => Number.isFinite(o.score) && o.score >= minScore)
    .map((o) => ({ ...o, box: clipBox(o.box) }))
    .filter((o): o is DetectedObject => o.box !== null && area(o.box) > 0)
    .sort((a, b) => b.score - a.score || area(b.box) - area(a.box))
    .slice(0, maxObjects);
}

/** The part of a box inside the unit square; null when a coordinate is not a finite number. */
function clipBox({ x, y, w, h }: Box): Box | null {
  if (![x, y, w, h].every(Number.isFinite)) return null;
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const [x0, y0, x1, y1] = [clamp(x), clamp(y), clamp(x + w), clamp(y + h)];
  return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
}
