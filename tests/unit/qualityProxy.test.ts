/**
 * The no-reference quality proxy (server/eval/qualityProxy.ts) on world renders: a clean render
 * scores higher than the same render with heavy Gaussian noise or blurred to mush, each component
 * moves the way it is meant to, the score is in [0, 1] and deterministic, and the size does not matter.
 */
import { describe, expect, it } from "vitest";
import { qualityProxy } from "@/server/eval/qualityProxy";
import type { RgbaImage } from "@/server/verbalize/types";
import { buildBrands } from "@/server/world/brands";
import { createRng } from "@/server/world/random";
import { renderScene } from "@/server/world/render";
import { sampleScene, type Scene } from "@/server/world/scene";
import { brandTendencies } from "@/server/world/simulate";

const SIZE = 64;
const render = (scene: Scene): RgbaImage => ({ rgba: renderScene(scene, SIZE), width: SIZE, height: SIZE });

/** Independent N(0, sigma²) on each RGB channel (of 0..1), clipped and rounded; seeded. */
function withNoise(image: RgbaImage, sigma: number, seed = 1): RgbaImage {
  const rng = createRng(seed, "noise");
  const rgba = Uint8Array.from(image.rgba);
  for (let i = 0; i < rgba.length; i++) {
    if (i % 4 !== 3) rgba[i] = Math.min(255, Math.max(0, Math.round(image.rgba[i]! + 255 * rng.normal(0, sigma))));
  }
  return { ...image, rgba };
}

/** `passes` × (horizontal then vertical) box blur of the given radius (3 passes ≈ a Gaussian). */
function blurred(image: RgbaImage, radius: number, passes = 3): RgbaImage {
  const { width, height } = image;
  let data = Float64Array.from(image.rgba);
  for (let p = 0; p < passes; p++)
    for (const [dx, dy] of [[1, 0], [0, 1]] as const) {
      const next = new Float64Array(data.length);
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++)
          for (let c = 0; c < 4; c++) {
            let sum = 0;
            for (let d = -radius; d <= radius; d++) {
              const xx = Math.min(width - 1, Math.max(0, x + d * dx));
              const yy = Math.min(height - 1, Math.max(0, y + d * dy));
              sum += data[(yy * width + xx) * 4 + c]!;
            }
            next[(y * width + x) * 4 + c] = sum / (2 * radius + 1);
          }
      data = next;
    }
  return { width, height, rgba: Uint8Array.from(data, (v) => Math.round(v)) };
}

const teapot: Scene = {
  background: { color: "teal", tone: "plain" },
  objects: [
    { label: "cup", color: "red", box: { x: 0.15, y: 0.2, w: 0.4, h: 0.5 } },
    { label: "sun", color: "yellow", box: { x: 0.6, y: 0.1, w: 0.3, h: 0.3 } },
  ],
};

/** Scenes the simulator itself would draw, one per brand. */
function worldScenes(count: number): Scene[] {
  const brands = buildBrands(7, count);
  return brands.map((brand, i) => sampleScene(createRng(7, `scene-${i}`), brandTendencies(brand)));
}

describe("qualityProxy", () => {
  it("scores a clean render above the same render with heavy noise or blurred to mush", () => {
    const clean = qualityProxy(render(teapot));
    const noisy = qualityProxy(withNoise(render(teapot), 0.15));
    const mush = qualityProxy(blurred(render(teapot), 3));
    expect(clean.score).toBeGreaterThan(0.6);
    expect(noisy.score).toBeLessThan(clean.score - 0.4);
    expect(mush.score).toBeLessThan(clean.score - 0.3);
    // what moved: noise is measured, blur lowers the edge steepness
    expect(clean.components.noise).toBe(0);
    expect(noisy.parts.noise).toBeGreaterThan(0.9);
    expect(mush.components.sharpness).toBeLessThan(clean.components.sharpness / 4);
    expect(mush.components.noise).toBe(0);
  });

  it("orders degradations by strength and holds across the simulator's scenes", () => {
    for (const scene of worldScenes(6)) {
      const image = render(scene);
      const clean = qualityProxy(image).score;
      const lightNoise = qualityProxy(withNoise(image, 0.02)).score;
      const heavyNoise = qualityProxy(withNoise(image, 0.15)).score;
      const lightBlur = qualityProxy(blurred(image, 1, 1)).score;
      const heavyBlur = qualityProxy(blurred(image, 3)).score;
      expect(clean).toBeGreaterThan(lightNoise);
      expect(lightNoise).toBeGreaterThan(heavyNoise);
      expect(clean).toBeGreaterThan(lightBlur);
      expect(lightBlur).toBeGreaterThan(heavyBlur);
    }
  });

  it("reads the noise level: luminance noise sigma on a flat image reads about 0.75 sigma per RGB channel", () => {
    const gray: RgbaImage = { width: SIZE, height: SIZE, rgba: new Uint8Array(SIZE * SIZE * 4).fill(128) };
    for (const sigma of [0.02, 0.05, 0.1]) {
      expect(qualityProxy(withNoise(gray, sigma, 3)).components.noise).toBeCloseTo(0.75 * sigma, 2);
    }
  });

  it("gives a flat image a low score and a one-pixel step edge sharpness 2", () => {
    const flat = qualityProxy({ width: SIZE, height: SIZE, rgba: new Uint8Array(SIZE * SIZE * 4).fill(200) });
    expect(flat.components.sharpness).toBe(0);
    expect(flat.components.contrast).toBe(0);
    expect(flat.score).toBeLessThan(0.1);
    const step = new Uint8Array(SIZE * SIZE * 4).fill(255);
    for (let p = 0; p < SIZE * SIZE; p++) if (p % SIZE < SIZE / 2) step.fill(0, p * 4, p * 4 + 3);
    const edge = qualityProxy({ width: SIZE, height: SIZE, rgba: step });
    // 62 interior rows x (|Laplacian| 1 + 1) over (gradient 0.5 + 0.5 + floor 0.002 x 62): ~1.77 (2 without the floor)
    expect(edge.components.sharpness).toBeCloseTo(2 / (1 + 0.002 * 62), 3);
  });

  it("is deterministic, in [0, 1], and measured at 64 x 64 whatever the input size", () => {
    const image = render(teapot);
    const first = qualityProxy(image);
    expect(qualityProxy(image)).toEqual(first);
    for (const result of [first, qualityProxy(withNoise(image, 0.3)), qualityProxy(blurred(image, 5))]) {
      expect(result.score).toBeGreaterThanOrEqual(0);
      expect(result.score).toBeLessThanOrEqual(1);
      for (const part of Object.values(result.parts)) expect(part >= 0 && part <= 1).toBe(true);
    }
    // a 128 x 128 copy (each pixel doubled) area-resizes back to the same 64 x 64 pixels
    const doubled = new Uint8Array(128 * 128 * 4);
    for (let y = 0; y < 128; y++)
      for (let x = 0; x < 128; x++) {
        const from = ((y >> 1) * SIZE + (x >> 1)) * 4;
        doubled.set(image.rgba.subarray(from, from + 4), (y * 128 + x) * 4);
      }
    expect(qualityProxy({ width: 128, height: 128, rgba: doubled }).score).toBeCloseTo(first.score, 6);
  });
});
