import { describe, expect, it } from "vitest";
import { describeVerbalization, placement } from "@/server/verbalize/caption";
import { COCO_LABELS, COCO_TO_SCENE, toSceneClass } from "@/server/verbalize/cocoLabels";
import type { ObjectDetector } from "@/server/verbalize/detector";
import type { DetectedObject, RgbaImage } from "@/server/verbalize/types";
import { verbalizeImage } from "@/server/verbalize/verbalizeImage";
import { OBJECT_CLASSES, PALETTE } from "@/server/verbalize/vocabulary";

const box = (x: number, y: number, w: number, h: number) => ({ x, y, w, h });

describe("describeVerbalization: the caption (SPEC §3.4: built from colors, tones, objects)", () => {
  it("reads like the documented example", () => {
    expect(
      describeVerbalization({
        colors: [
          { name: "blue", coverage: 0.45 },
          { name: "white", coverage: 0.3 },
        ],
        tones: [
          { name: "cool", coverage: 0.6 },
          { name: "light", coverage: 0.3 },
        ],
        objects: [
          { label: "bottle", box: box(0.4, 0.3, 0.2, 0.4), score: 0.9 },
          { label: "person", box: box(0.05, 0.2, 0.2, 0.6), score: 0.8 },
        ],
      }),
    ).toBe("a cool, light image in blue and white with a bottle at the center and a person on the left");
  });

  it("names at most two non-contradictory tones of ≥ 25%, three colors, three objects", () => {
    expect(
      describeVerbalization({
        colors: [
          { name: "red", coverage: 0.3 },
          { name: "orange", coverage: 0.25 },
          { name: "gold", coverage: 0.2 },
          { name: "black", coverage: 0.1 },
        ],
        tones: [
          { name: "warm", coverage: 0.7 },
          { name: "cool", coverage: 0.5 }, // contradicts warm
          { name: "vivid", coverage: 0.4 },
          { name: "dark", coverage: 0.3 }, // a third tone: not named
        ],
        objects: [
          { label: "burger", box: box(0, 0, 1, 0.8), score: 1 },
          { label: "cup", box: box(0.8, 0.05, 0.1, 0.1), score: 1 },
          { label: "umbrella", box: box(0.1, 0.8, 0.1, 0.1), score: 1 },
          { label: "dog", box: box(0.5, 0.5, 0.1, 0.1), score: 1 },
        ],
      }),
    ).toBe("a warm, vivid image in red, orange and gold with a burger filling the frame, a cup at the top right and an umbrella at the bottom left");
  });

  it("handles empty records and weak tones", () => {
    expect(describeVerbalization({ colors: [], tones: [], objects: [] })).toBe("an image");
    expect(describeVerbalization({ colors: [{ name: "navy", coverage: 1 }], tones: [{ name: "dark", coverage: 0.2 }], objects: [] })).toBe(
      "an image in navy",
    );
  });

  it("places boxes by their center in a 3 × 3 grid", () => {
    expect(placement(box(0, 0, 0.2, 0.2))).toBe("at the top left");
    expect(placement(box(0.4, 0, 0.2, 0.2))).toBe("at the top");
    expect(placement(box(0.8, 0.4, 0.2, 0.2))).toBe("on the right");
    expect(placement(box(0.4, 0.8, 0.2, 0.2))).toBe("at the bottom");
    expect(placement(box(0.1, 0.1, 0.8, 0.8))).toBe("filling the frame");
  });
});

describe("verbalizeImage (SPEC §3.4)", () => {
  // 10×10: left half blue, right half white.
  const image: RgbaImage = { width: 10, height: 10, rgba: new Uint8Array(400) };
  for (let i = 0; i < 100; i++) image.rgba.set([...(i % 10 < 5 ? PALETTE.blue : PALETTE.white), 255], i * 4);

  const detector = (objects: DetectedObject[]): ObjectDetector => ({ name: "fake", version: "0", detect: async () => objects });

  it("measures colors and tones, keeps confident objects (score then area), clips boxes, and captions", async () => {
    const v = await verbalizeImage(
      image,
      detector([
        { label: "cup", box: box(0.1, 0.1, 0.1, 0.1), score: 0.9 },
        { label: "bottle", box: box(0.4, 0.3, 0.2, 0.4), score: 0.9 },
        { label: "person", box: box(-0.1, 0.2, 0.3, 0.6), score: 0.95 },
        { label: "dog", box: box(0.5, 0.5, 0.2, 0.2), score: 0.49 },
        { label: "car", box: box(0.5, 0.5, 0.2, 0.2), score: Number.NaN },
        { label: "sun", box: box(1.2, 0.5, 0.2, 0.2), score: 0.99 }, // entirely outside: dropped
      ]),
    );
    expect(v.colors).toEqual([
      { name: "white", coverage: 0.5 },
      { name: "blue", coverage: 0.5 },
    ]);
    expect(v.tones.map((t) => t.name)).toEqual(expect.arrayContaining(["cool", "light", "muted", "vivid"]));
    expect(v.objects.map((o) => o.label)).toEqual(["person", "bottle", "cup"]);
    expect(v.objects[0]!.box.x).toBe(0);
    expect(v.objects[0]!.box.w).toBeCloseTo(0.2);
    expect(v.caption).toBe(describeVerbalization(v));
  });

  it("has a configurable score threshold and works without a detector", async () => {
    const objects = [{ label: "dog", box: box(0.5, 0.5, 0.2, 0.2), score: 0.3 }];
    expect((await verbalizeImage(image, detector(objects), { minScore: 0.25 })).objects).toHaveLength(1);
    expect((await verbalizeImage(image, detector(objects))).objects).toHaveLength(0);
    expect((await verbalizeImage(image, null)).objects).toEqual([]);
  });
});

describe("COCO labels → scene classes (cocoLabels.ts)", () => {
  it("maps the same things, drops the rest", () => {
    expect(COCO_LABELS).toHaveLength(80);
    expect(toSceneClass("cell phone")).toBe("phone");
    expect(toSceneClass("handbag")).toBe("bag");
    expect(toSceneClass("airplane")).toBe("plane");
    expect(toSceneClass("clock")).toBeNull();
    expect(toSceneClass("traffic light")).toBeNull();
    expect(toSceneClass(" Person ")).toBe("person");
    for (const label of OBJECT_CLASSES) expect(toSceneClass(label)).toBe(label);
    for (const target of Object.values(COCO_TO_SCENE)) if (target !== null) expect(OBJECT_CLASSES).toContain(target);
  });
});
