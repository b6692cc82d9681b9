/** Image helpers shared by prepare-photos.mjs and verify.mjs (pngjs / jpeg-js from the project). */
import { readFileSync } from "node:fs";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";

/** PNG or JPEG file -> { width, height, rgba }. */
export function decodeFile(file) {
  const bytes = readFileSync(file);
  if (/\.png$/i.test(file)) {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
  }
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return { width: img.width, height: img.height, rgba: img.data };
}

/** Area-average (box) resize to outW x outH with exact coverage weights; alpha set to 255. */
export function areaResize(src, outW, outH) {
  const out = new Uint8Array(outW * outH * 4);
  const sx = src.width / outW;
  const sy = src.height / outH;
  for (let oy = 0; oy < outH; oy++) {
    const y0 = oy * sy, y1 = (oy + 1) * sy;
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * sx, x1 = (ox + 1) * sx;
      const acc = [0, 0, 0];
      let total = 0;
      for (let y = Math.floor(y0); y < Math.min(src.height, Math.ceil(y1)); y++) {
        const wy = Math.min(y1, y + 1) - Math.max(y0, y);
        for (let x = Math.floor(x0); x < Math.min(src.width, Math.ceil(x1)); x++) {
          const w = wy * (Math.min(x1, x + 1) - Math.max(x0, x));
          const p = (y * src.width + x) * 4;
          for (let c = 0; c < 3; c++) acc[c] += src.rgba[p + c] * w;
          total += w;
        }
      }
      const q = (oy * outW + ox) * 4;
      for (let c = 0; c < 3; c++) out[q + c] = Math.round(acc[c] / total);
      out[q + 3] = 255;
    }
  }
  return { width: outW, height: outH, rgba: out };
}

export function encodePng(img) {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.rgba);
  return PNG.sync.write(png, { colorType: 2 });
}
