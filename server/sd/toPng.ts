/**
 * Decoded BoigSD images → PNG files. The VAE decoder's output is [B, 3, S, S] in [-1, 1] (not
 * clamped, as SD); a pixel is clamp((x + 1) / 2, 0, 1) · 255 rounded — the same rule as the
 * trainer's reward bridge (reward_bridge.to_uint8), so the app and DDPO score identical pixels.
 */
import { PNG } from "pngjs";
import type { RgbaImage } from "../verbalize/types";

export function toRgbaImages(images: Float32Array, batch: number, size: number): RgbaImage[] {
  const plane = size * size;
  return Array.from({ length: batch }, (_, b) => {
    const rgba = new Uint8Array(plane * 4);
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) {
        const x = images[(b * 3 + c) * plane + p]!;
        rgba[p * 4 + c] = Math.round(Math.min(1, Math.max(0, (x + 1) / 2)) * 255);
      }
      rgba[p * 4 + 3] = 255;
    }
    return { rgba, width: size, height: size };
  });
}

export function encodePng(image: RgbaImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.rgba.buffer, image.rgba.byteOffset, image.rgba.byteLength);
  return new Uint8Array(PNG.sync.write(png, { colorType: 2 }));
}
