/**
 * Scene → RGBA pixels → PNG. Flat PALETTE colors and no anti-aliasing, so a nearest-palette
 * verbalizer recovers the scene's colors exactly; the background tone shifts lightness or
 * saturation only as far as the shade keeps its palette name (recognizable colors).
 */
import { PNG } from "pngjs";
import { COLOR_NAMES, PALETTE, type ColorName } from "../verbalize/vocabulary";
import { nearestPaletteColor } from "../verbalize/colors";

export type Rgb = readonly [number, number, number];
import type { BackgroundTone, Scene } from "./scene";
import { SILHOUETTES, partAt } from "./silhouettes";

export const DEFAULT_IMAGE_SIZE = 64;

const mix = (a: Rgb, b: Rgb, f: number): Rgb =>
  [0, 1, 2].map((i) => Math.round(a[i]! + (b[i]! - a[i]!) * f)) as unknown as Rgb;

const TONE_TARGETS: Record<Exclude<BackgroundTone, "plain">, (c: Rgb) => Rgb> = {
  dark: () => [0, 0, 0],
  light: () => [255, 255, 255],
  muted: (c) => { const m = (c[0] + c[1] + c[2]) / 3; return [m, m, m]; },
  vivid: (c) => { // away from its own gray: more saturated
    const m = (c[0] + c[1] + c[2]) / 3;
    return c.map((v) => Math.max(0, Math.min(255, v + (v - m) * 1.5))) as unknown as Rgb;
  },
};

/** The strongest shade toward the tone (mix factor up to 0.6) that still reads as `color`. */
function shade(color: ColorName, tone: BackgroundTone): Rgb {
  const base = PALETTE[color];
  if (tone === "plain") return base;
  const target = TONE_TARGETS[tone](base);
  for (const f of [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]) {
    const candidate = mix(base, target, f);
    if (nearestPaletteColor(...candidate) === color) return candidate; // what the verbalizer will name it
  }
  return base;
}

const SHADES = new Map<string, Rgb>();
export function backgroundRgb(color: ColorName, tone: BackgroundTone): Rgb {
  const key = `${color}:${tone}`;
  let rgb = SHADES.get(key);
  if (!rgb) SHADES.set(key, (rgb = shade(color, tone)));
  return rgb;
}

/** A secondary part's fixed color, unless it would vanish into the object or the background. */
function partColor(wanted: ColorName, main: ColorName, background: ColorName): ColorName {
  if (wanted !== main && wanted !== background) return wanted;
  return (["black", "white", "gray", "gold"] as const).find((c) => c !== main && c !== background) ?? COLOR_NAMES[0]!;
}

/** RGBA bytes, row-major, size × size. Objects paint in scene order (later ones on top). */
export function renderScene(scene: Scene, size = DEFAULT_IMAGE_SIZE): Uint8Array {
  const rgba = new Uint8Array(size * size * 4);
  const [br, bg, bb] = backgroundRgb(scene.background.color, scene.background.tone);
  for (let i = 0; i < rgba.length; i += 4) {
    rgba[i] = br; rgba[i + 1] = bg; rgba[i + 2] = bb; rgba[i + 3] = 255;
  }
  for (const object of scene.objects) {
    const silhouette = SILHOUETTES[object.label];
    const colors = {
      main: PALETTE[object.color],
      accent: PALETTE[partColor(silhouette.accent, object.color, scene.background.color)],
      detail: PALETTE[partColor(silhouette.detail, object.color, scene.background.color)],
    };
    const { x, y, w, h } = object.box;
    const [px0, px1] = [Math.max(0, Math.floor(x * size)), Math.min(size, Math.ceil((x + w) * size))];
    const [py0, py1] = [Math.max(0, Math.floor(y * size)), Math.min(size, Math.ceil((y + h) * size))];
    for (let py = py0; py < py1; py++) {
      const v = ((py + 0.5) / size - y) / h;
      if (v < 0 || v > 1) continue;
      for (let px = px0; px < px1; px++) {
        const u = ((px + 0.5) / size - x) / w;
        if (u < 0 || u > 1) continue;
        const part = partAt(object.label, u, v);
        if (!part) continue;
        const offset = (py * size + px) * 4;
        const [r, g, b] = colors[part];
        rgba[offset] = r; rgba[offset + 1] = g; rgba[offset + 2] = b;
      }
    }
  }
  return rgba;
}

/** PNG bytes, 8-bit RGB (the scenes are opaque; smaller and faster than RGBA); deterministic. */
export function encodePng(rgba: Uint8Array, size: number): Buffer {
  const png = new PNG({ width: size, height: size });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputHasAlpha: true });
}
