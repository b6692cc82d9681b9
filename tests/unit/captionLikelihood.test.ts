import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { productWords, productWordsBound, productWordsLikelihood } from "@/server/world/captionLikelihood";
import { writePostCaption } from "@/server/world/captions";
import { createRng } from "@/server/world/random";
import { sampleScene, type Scene } from "@/server/world/scene";
import { brandTendencies } from "@/server/world/simulate";
import { buildWorldModel } from "@/server/world/worldModel";

const world = buildWorldModel({ seed: 7, brands: 24, postsPerBrand: 40, stockAssets: 10, imageSize: 64 });
const postedAt = new Date("2024-05-05T10:00:00Z");
const DRAWS = 20_000;

/** Empirical frequencies of each product-word list writePostCaption draws for one brand and scene. */
function captionFrequencies(brandIndex: number, scene: Scene, label: string) {
  const brand = world.brands[brandIndex]!;
  const counts = new Map<string, number>();
  for (let i = 0; i < DRAWS; i++) {
    const { keywords } = writePostCaption(createRng(3, `${label}:${i}`), brand, scene, postedAt);
    const key = JSON.stringify(productWords(brand, keywords));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return { brand, counts };
}

const scenes: [number, Scene][] = [0, 5, 11, 17].flatMap((b) =>
  [0, 1].map((s): [number, Scene] => [b, sampleScene(createRng(1, `scene:${b}:${s}`), brandTendencies(world.brands[b]!))]));
const emptyScene: Scene = { background: { color: "white", tone: "plain" }, objects: [] };

describe("productWordsLikelihood", () => {
  it.each([...scenes, [3, emptyScene] as [number, Scene]])("matches the caption generator's frequencies (brand %i)", (b, scene) => {
    const { brand, counts } = captionFrequencies(b, scene, `b${b}:${JSON.stringify(scene).length}`);
    let covered = 0;
    for (const [key, n] of counts) {
      const p = productWordsLikelihood(brand, JSON.parse(key), scene);
      covered += p;
      // Binomial count within 4.5 standard deviations (+1 for rare lists): a wrong branch weight fails by far more.
      expect(Math.abs(n - DRAWS * p)).toBeLessThanOrEqual(4.5 * Math.sqrt(DRAWS * p * (1 - p)) + 1);
      expect(p).toBeLessThanOrEqual(productWordsBound(brand, JSON.parse(key)) + 1e-12);
    }
    // Every list that occurred has its probability; together they are almost all of the mass (invariant: sums to 1).
    expect(covered).toBeGreaterThan(0.97);
    expect(covered).toBeLessThanOrEqual(1 + 1e-9);
  });

  it("gives zero to a caption the scene cannot produce, and the noun branch the same weight for any scene", () => {
    const brand = world.brands[0]!;
    const scene = scenes[0]![1];
    const hero = scene.objects[0]!;
    // The hero's label with a color the scene already uses elsewhere and not the hero's: neither truth nor mismatch.
    const other = scene.background.color !== hero.color ? scene.background.color : undefined;
    if (other) expect(productWordsLikelihood(brand, { label: hero.label, color: other }, scene)).toBe(0);
    const noun = { noun: brand.category === "beverage" ? "soda" : "collection" };
    expect(productWordsLikelihood(brand, noun, scene)).toBe(productWordsLikelihood(brand, noun, emptyScene));
  });

  it("refuses keywords that are not a world caption's", () => {
    const brand = world.brands[0]!;
    expect(() => productWords(brand, ["launch", "spring", brand.category])).toThrow(AppError);
    expect(() => productWords(brand, ["launch", "spring", brand.category, "a", "b", "c"])).toThrow(/1–2 product words/);
  });
});
