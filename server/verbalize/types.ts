import type { ColorName, Tone } from "./vocabulary";

/** A box in normalized image coordinates: x, y (top-left), w, h all in [0, 1]. */
export type Box = { x: number; y: number; w: number; h: number };

export type DetectedObject = {
  /** An OBJECT_CLASSES name for the scene detector; a COCO name for the photo detector. */
  label: string;
  box: Box;
  score: number;
};

/**
 * What an image looks like, in words and numbers (SPEC §3.4). Produced by the verbalizer from
 * pixels, by the world's renderer from its scene graph (ground truth), and by BoigLLM.
 */
export type Verbalization = {
  colors: { name: ColorName; coverage: number }[]; // coverage >= 5%, at most 5, largest first
  tones: { name: Tone; coverage: number }[];
  objects: DetectedObject[];
  caption: string;
};

/** Decoded pixels: row-major RGBA, 4 bytes per pixel, `rgba.length === width * height * 4`. */
export type RgbaImage = { rgba: Uint8Array; width: number; height: number };
