import { describe, expect, it } from "vitest";
import type { Verbalization } from "@/server/verbalize/types";
import { analyzeWorld } from "@/server/world/analysis";
import { expectedKpi, explainSocialKpi, type SocialContext } from "@/server/world/engagement";
import { sceneToVerbalization } from "@/server/world/groundTruth";
import { createRng } from "@/server/world/random";
import { sampleScene } from "@/server/world/scene";
import { brandTendencies, simulateSocialPosts } from "@/server/world/simulate";
import { detectTopic } from "@/server/world/stockEngagement";
import { buildWorldModel } from "@/server/world/worldModel";

const world = buildWorldModel({ seed: 7, brands: 24, postsPerBrand: 40, stockAssets: 150, imageSize: 64 });
const at = (iso: string) => new Date(iso);
const social = (account: string, postedAt = at("2024-06-15T18:00:00Z")): SocialContext => ({
  account, postedAt, text: "Meet our newest release, in stores now. #launch", keywords: ["launch", "summer"],
});
const likes = (context: SocialContext, v: Verbalization | Verbalization[]) => expectedKpi(world, context, v).likes;
const brandOf = (category: string) => world.brands.find((b) => b.category === category)!;

/** 60 ground-truth verbalizations of scenes in many brands' styles. */
const variants: Verbalization[] = (() => {
  const rng = createRng(7, "engagement-test");
  return Array.from({ length: 60 }, (_, i) => sceneToVerbalization(sampleScene(rng, brandTendencies(world.brands[i % 24]!))));
})();

describe("expectedKpi (social)", () => {
  it("responds to the image in brand-specific ways: the same two images rank differently for different brands", () => {
    const ranks = world.brands.map((b) => variants.map((v) => likes(social(b.account), v)));
    let reversals = 0;
    for (let x = 0; x < ranks.length; x++) for (let y = x + 1; y < ranks.length; y++)
      for (let i = 0; i < variants.length; i += 3) for (let j = i + 1; j < variants.length; j += 3)
        if (Math.sign(ranks[x]![i]! - ranks[x]![j]!) !== Math.sign(ranks[y]![i]! - ranks[y]![j]!)) reversals++;
    expect(reversals).toBeGreaterThan(0);

    const darkTech: Verbalization = {
      colors: [{ name: "navy", coverage: 0.8 }, { name: "silver", coverage: 0.15 }],
      tones: [{ name: "dark", coverage: 0.8 }, { name: "cool", coverage: 0.8 }],
      objects: [{ label: "phone", box: { x: 0.35, y: 0.2, w: 0.3, h: 0.6 }, score: 1 }], caption: "",
    };
    const warmHome: Verbalization = {
      colors: [{ name: "beige", coverage: 0.8 }, { name: "brown", coverage: 0.15 }],
      tones: [{ name: "light", coverage: 0.8 }, { name: "warm", coverage: 0.95 }],
      objects: [{ label: "dog", box: { x: 0.25, y: 0.3, w: 0.5, h: 0.35 }, score: 1 }], caption: "",
    };
    const tech = social(brandOf("tech").account), home = social(brandOf("home").account);
    expect(likes(tech, darkTech)).toBeGreaterThan(likes(tech, warmHome));
    expect(likes(home, warmHome)).toBeGreaterThan(likes(home, darkTech));
  });

  it("makes the image matter: best over worst variant is several-fold for every brand", () => {
    for (const brand of world.brands) {
      const values = variants.map((v) => likes(social(brand.account), v));
      expect(Math.max(...values) / Math.min(...values), brand.account).toBeGreaterThan(2);
    }
  });

  it("responds to the date: season, weekday and the account's trend", () => {
    const v = variants[0]!;
    const beverage = brandOf("beverage").account; // peaks in July
    expect(likes(social(beverage, at("2024-07-13T18:00:00Z")), v)).toBeGreaterThan(likes(social(beverage, at("2024-01-13T18:00:00Z")), v));
    const b = world.brands[5]!;
    expect(likes(social(b.account, at("2024-06-15T18:00:00Z")), v)) // Saturday vs Monday
      .toBeGreaterThan(likes(social(b.account, at("2024-06-17T18:00:00Z")), v));
    const early = explainSocialKpi(world, social(b.account, at("2021-03-06T18:00:00Z")), v).date.trend;
    const late = explainSocialKpi(world, social(b.account, at("2025-03-08T18:00:00Z")), v).date.trend;
    expect(Math.sign(late - early)).toBe(Math.sign(b.growthPerYear));
  });

  it("rewards captions that agree with the image and gives a post's images equal credit", () => {
    const v = variants.find((x) => x.objects.length > 0)!;
    const label = v.objects[0]!.label;
    const absent = ["person", "bottle", "car"].find((c) => !v.objects.some((o) => o.label === c))!;
    const base = social(world.brands[0]!.account);
    const agree = likes({ ...base, text: `Our ${label}, new today. #launch` }, v);
    const disagree = likes({ ...base, text: `Our ${absent}, new today. #launch` }, v);
    expect(agree).toBeGreaterThan(disagree);
    const [v1, v2] = [variants[1]!, variants[2]!];
    expect(likes(base, [v1, v2])).toBeCloseTo(Math.sqrt(likes(base, v1) * likes(base, v2)), 6);
  });

  it("scores any verbalization (no objects, COCO labels) and rejects unknown accounts", () => {
    const empty: Verbalization = { colors: [], tones: [], objects: [], caption: "" };
    const coco: Verbalization = { ...empty, objects: [{ label: "traffic light", box: { x: 0, y: 0, w: 0.2, h: 0.2 }, score: 0.7 }] };
    expect(likes(social(world.brands[0]!.account), empty)).toBeGreaterThan(0);
    expect(Number.isFinite(likes(social(world.brands[0]!.account), coco))).toBe(true);
    expect(() => likes(social("nobody"), empty)).toThrow(/unknown brand "nobody"/);
    expect(() => likes({ ...social(world.brands[0]!.account), postedAt: new Date("x") }, empty)).toThrow(/postedAt/);
  });
});

describe("expectedKpi (stock)", () => {
  it("returns impressions > forward actions > downloads and reads the topic from the text", () => {
    const kpi = expectedKpi(world, { releasedAt: at("2024-05-01T00:00:00Z"), caption: "A red car on a dark road", keywords: ["automotive", "car", "red"] }, variants[0]!);
    expect(kpi.impressions).toBeGreaterThan(kpi.forwardActions);
    expect(kpi.forwardActions).toBeGreaterThan(kpi.downloads);
    expect(detectTopic("Fitness concept", ["training", "running"])).toBe("sports");
    expect(detectTopic("Abstract shapes", ["minimal"])).toBe("general");
  });
});

describe("simulated likes", () => {
  it("are heavy-tailed: the top 1% of posts hold a large share of all likes", () => {
    const all = [...simulateSocialPosts(world)].map((p) => p.likes).sort((a, b) => b - a);
    const top = all.slice(0, Math.ceil(all.length / 100)).reduce((s, v) => s + v, 0);
    expect(top / all.reduce((s, v) => s + v, 0)).toBeGreaterThan(0.07);
    expect(all[0]! / all[Math.floor(all.length / 2)]!).toBeGreaterThan(20);
  });

  it("have image attributes explaining 20-50% of the variance of log-likes", () => {
    const { variance } = analyzeWorld({ seed: 7, brands: 24, postsPerBrand: 40, stockAssets: 100, imageSize: 32 }, 5);
    expect(variance.shares.image).toBeGreaterThan(0.2);
    expect(variance.shares.image).toBeLessThan(0.5);
    expect(variance.rSquared.imageIncrement).toBeGreaterThan(0.2);
    expect(variance.shares.brand + variance.shares.date).toBeGreaterThan(0.2);
  });
});
