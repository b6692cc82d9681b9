import { describe, expect, it } from "vitest";
import { COLOR_NAMES, OBJECT_CLASSES, PALETTE, type ObjectClass } from "@/server/verbalize/vocabulary";
import { sceneToVerbalization } from "@/server/world/groundTruth";
import { nearestPaletteColor } from "@/server/verbalize/colors";
import { createRng } from "@/server/world/random";
import { backgroundRgb, renderScene } from "@/server/world/render";
import { BACKGROUND_TONES, sampleScene, type Scene } from "@/server/world/scene";
import { partAt, SILHOUETTES } from "@/server/world/silhouettes";
import { brandTendencies } from "@/server/world/simulate";
import { buildBrands } from "@/server/world/brands";

const SIZE = 64;
const BG = PALETTE.white;

/** A single object of `label`, at its natural aspect, centered and 90% of the canvas on its long side. */
function soloScene(label: ObjectClass): Scene {
  const aspect = SILHOUETTES[label].aspect;
  const [w, h] = aspect > 1 ? [0.9, 0.9 / aspect] : [0.9 * aspect, 0.9];
  return { background: { color: "white", tone: "plain" }, objects: [{ label, color: "red", box: { x: (1 - w) / 2, y: (1 - h) / 2, w, h } }] };
}

const isBackground = (rgba: Uint8Array, i: number) => rgba[i * 4] === BG[0] && rgba[i * 4 + 1] === BG[1] && rgba[i * 4 + 2] === BG[2];

describe("random", () => {
  it("is deterministic per seed and label, and named streams are independent", () => {
    const a = createRng(5, "x"), b = createRng(5, "x"), c = createRng(6, "x"), d = createRng(5, "y");
    const draw = (r: ReturnType<typeof createRng>) => Array.from({ length: 5 }, () => r.next());
    const first = draw(a);
    expect(draw(b)).toEqual(first);
    expect(draw(c)).not.toEqual(first);
    expect(draw(d)).not.toEqual(first);
    expect(draw(createRng(5).fork("z"))).toEqual(draw(createRng(5).fork("z")));
  });

  it("has sane distributions", () => {
    const rng = createRng(1);
    const normals = Array.from({ length: 20_000 }, () => rng.normal(2, 3));
    const mean = normals.reduce((s, x) => s + x, 0) / normals.length;
    const sd = Math.sqrt(normals.reduce((s, x) => s + (x - mean) ** 2, 0) / normals.length);
    expect(mean).toBeCloseTo(2, 1);
    expect(sd).toBeCloseTo(3, 1);
    const ints = Array.from({ length: 5000 }, () => rng.int(1, 3));
    expect(new Set(ints)).toEqual(new Set([1, 2, 3]));
    const picks = Array.from({ length: 5000 }, () => rng.weightedPick(["a", "b"], [1, 3]));
    expect(picks.filter((p) => p === "b").length / 5000).toBeCloseTo(0.75, 1);
    const poisson = Array.from({ length: 5000 }, () => rng.poisson(4));
    expect(poisson.reduce((s, x) => s + x, 0) / 5000).toBeCloseTo(4, 0);
    expect(rng.shuffle([1, 2, 3, 4]).sort()).toEqual([1, 2, 3, 4]);
  });
});

describe("silhouettes", () => {
  it("fill their box tightly: the painted pixels' bounding box is the scene box (±1 px)", () => {
    for (const label of OBJECT_CLASSES) {
      const scene = soloScene(label);
      const rgba = renderScene(scene, SIZE);
      let [x0, y0, x1, y1] = [SIZE, SIZE, -1, -1];
      for (let i = 0; i < SIZE * SIZE; i++) {
        if (isBackground(rgba, i)) continue;
        const [x, y] = [i % SIZE, Math.floor(i / SIZE)];
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      }
      const box = scene.objects[0]!.box;
      expect(Math.abs(x0 - box.x * SIZE), label).toBeLessThanOrEqual(1.5);
      expect(Math.abs(y0 - box.y * SIZE), label).toBeLessThanOrEqual(1.5);
      expect(Math.abs(x1 + 1 - (box.x + box.w) * SIZE), label).toBeLessThanOrEqual(1.5);
      expect(Math.abs(y1 + 1 - (box.y + box.h) * SIZE), label).toBeLessThanOrEqual(1.5);
    }
  });

  it("differ from each other: masks at natural aspect, and part layouts in the same square box", () => {
    const masks = OBJECT_CLASSES.map((label) => {
      const rgba = renderScene(soloScene(label), SIZE);
      return Array.from({ length: SIZE * SIZE }, (_, i) => !isBackground(rgba, i));
    });
    const parts = OBJECT_CLASSES.map((label) =>
      Array.from({ length: SIZE * SIZE }, (_, i) => partAt(label, ((i % SIZE) + 0.5) / SIZE, (Math.floor(i / SIZE) + 0.5) / SIZE)));
    for (let a = 0; a < OBJECT_CLASSES.length; a++) {
      for (let b = a + 1; b < OBJECT_CLASSES.length; b++) {
        const pair = `${OBJECT_CLASSES[a]}/${OBJECT_CLASSES[b]}`;
        let inter = 0, union = 0, samePart = 0, unionParts = 0;
        for (let i = 0; i < SIZE * SIZE; i++) {
          if (masks[a]![i] && masks[b]![i]) inter++;
          if (masks[a]![i] || masks[b]![i]) union++;
          const [pa, pb] = [parts[a]![i], parts[b]![i]];
          if (pa || pb) { unionParts++; if (pa === pb) samePart++; }
        }
        expect(inter / union, pair).toBeLessThan(0.9);
        expect(1 - samePart / unionParts, pair).toBeGreaterThan(0.3);
      }
    }
  });
});

describe("scenes", () => {
  it("sampled over the brands' art directions, use at least 16 classes and 1-4 objects", () => {
    const brands = buildBrands(3, 24);
    const rng = createRng(3, "test");
    const scenes = Array.from({ length: 600 }, (_, i) => sampleScene(rng, brandTendencies(brands[i % 24]!)));
    expect(new Set(scenes.flatMap((s) => s.objects.map((o) => o.label))).size).toBeGreaterThanOrEqual(16);
    for (const s of scenes) {
      expect(s.objects.length).toBeGreaterThanOrEqual(1);
      expect(s.objects.length).toBeLessThanOrEqual(4);
      for (const { box } of s.objects) {
        expect(box.x + box.w).toBeLessThanOrEqual(1);
        expect(box.y + box.h).toBeLessThanOrEqual(1);
      }
    }
  });

  it("keep every background shade's palette name (the verbalizer reads the color the scene says)", () => {
    for (const color of COLOR_NAMES) for (const tone of BACKGROUND_TONES)
      expect(nearestPaletteColor(...backgroundRgb(color, tone)), `${color}/${tone}`).toBe(color);
  });

  it("have a ground-truth verbalization with exact boxes and measured colors and tones", () => {
    const scene: Scene = {
      background: { color: "navy", tone: "dark" },
      objects: [{ label: "car", color: "red", box: { x: 0.1, y: 0.3, w: 0.8, h: 0.36 } }],
    };
    const v = sceneToVerbalization(scene, renderScene(scene, SIZE));
    expect(v.objects).toEqual([{ label: "car", box: scene.objects[0]!.box, score: 1 }]);
    expect(v.colors[0]!.name).toBe("navy");
    expect(v.colors.map((c) => c.name)).toContain("red");
    expect(v.colors.reduce((s, c) => s + c.coverage, 0)).toBeLessThanOrEqual(1.0001);
    expect(v.tones.find((t) => t.name === "dark")!.coverage).toBeGreaterThan(0.5);
    expect(v.caption).toBe("a red car on a dark navy background");
    expect(sceneToVerbalization(scene)).toEqual(v); // renders at the default size when no pixels are given
  });
});
