/**
 * The world's posts and assets in memory, in a fixed order, each from its own named random
 * stream (so one post never shifts another's randomness). generateWorld writes these to disk;
 * analysis.ts reads the same records (with their hidden log-mean terms) without writing files.
 */
import type { Verbalization } from "../verbalize/types";
import type { BrandProfile } from "./brands";
import { writePostCaption } from "./captions";
import { CATEGORY_PROFILES } from "./categories";
import { explainSocialKpi, sampleLikes, type SocialBreakdown } from "./engagement";
import { sceneToVerbalization } from "./groundTruth";
import { createRng } from "./random";
import { renderScene } from "./render";
import { sampleScene, type Scene, type SceneTendencies } from "./scene";
import { stockTendencies, writeStockCaption } from "./stockCaptions";
import { explainStockKpi, sampleStockKpi, type StockBreakdown, type StockKpi } from "./stockEngagement";
import { STOCK_TOPICS, type WorldModel } from "./worldModel";

export type SimulatedImage = { media: string; scene: Scene; rgba: Uint8Array; verbalization: Verbalization };
export type SimulatedPost = {
  postId: string; account: string; postedAt: Date; text: string; keywords: string[]; likes: number;
  images: SimulatedImage[]; breakdown: SocialBreakdown;
};
export type SimulatedAsset = {
  assetId: string; caption: string; keywords: string[]; releasedAt: Date; kpi: StockKpi;
  image: SimulatedImage; breakdown: StockBreakdown;
};

const IMAGES_PER_POST_WEIGHTS = [0.7, 0.2, 0.1]; // 1, 2 or 3 images
const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(6, "0")}`;

export const postsOfBrand = (world: WorldModel, brand: BrandProfile) => Math.max(1, Math.round(world.postsPerBrand * brand.activity));
export const socialPostCount = (world: WorldModel) => world.brands.reduce((n, b) => n + postsOfBrand(world, b), 0);

export function brandTendencies(brand: BrandProfile): SceneTendencies {
  return {
    palette: brand.palette, paletteRate: brand.paletteRate, products: brand.products, productRate: brand.productRate,
    props: CATEGORY_PROFILES[brand.category].props, objectCountWeights: brand.objectCountWeights,
  };
}

/** Posting times: uniform days over the span, hours around the brand's usual hour; sorted. */
function postingTimes(world: WorldModel, brand: BrandProfile): Date[] {
  const rng = createRng(world.seed, `dates:${brand.account}`);
  const start = Date.parse(world.span.start), days = (Date.parse(world.span.end) - start) / 86_400_000;
  return Array.from({ length: postsOfBrand(world, brand) }, () => {
    const day = rng.int(0, days - 1);
    const minuteOfDay = ((Math.round(rng.normal(brand.postingHour, 2.5) * 60) % 1440) + 1440) % 1440;
    return new Date(start + day * 86_400_000 + minuteOfDay * 60_000);
  }).sort((a, b) => a.getTime() - b.getTime());
}

export function renderImage(scene: Scene, media: string, size: number): SimulatedImage {
  const rgba = renderScene(scene, size);
  return { media, scene, rgba, verbalization: sceneToVerbalization(scene, rgba) };
}

/** Social posts, brand by brand, each brand's posts by date; post ids p000001, p000002, ... */
export function* simulateSocialPosts(world: WorldModel): Generator<SimulatedPost> {
  let n = 0;
  for (const brand of world.brands) {
    const tendencies = brandTendencies(brand);
    for (const [index, postedAt] of postingTimes(world, brand).entries()) {
      const rng = createRng(world.seed, `post:${brand.account}:${index}`);
      const postId = id("p", ++n);
      const imageCount = rng.weightedPick([1, 2, 3], IMAGES_PER_POST_WEIGHTS);
      const images = Array.from({ length: imageCount }, (_, k) =>
        renderImage(sampleScene(rng, tendencies), `media/${postId}_${k}.png`, world.imageSize));
      const { text, keywords } = writePostCaption(rng, brand, images[0]!.scene, postedAt);
      const context = { account: brand.account, postedAt, text, keywords };
      const breakdown = explainSocialKpi(world, context, images.map((image) => image.verbalization));
      yield { postId, ...context, likes: sampleLikes(rng, breakdown.logMean), images, breakdown };
    }
  }
}

/** Stock assets a000001, ... released uniformly over the span, topics uniform. */
export function* simulateStockAssets(world: WorldModel): Generator<SimulatedAsset> {
  const start = Date.parse(world.span.start), span = Date.parse(world.span.end) - start;
  for (let n = 1; n <= world.stockAssets; n++) {
    const rng = createRng(world.seed, `asset:${n}`);
    const assetId = id("a", n);
    const topic = rng.pick(STOCK_TOPICS);
    const releasedAt = new Date(start + Math.floor(rng.next() * (span / 60_000)) * 60_000);
    const image = renderImage(sampleScene(rng, stockTendencies(topic)), `media/${assetId}.png`, world.imageSize);
    const { caption, keywords } = writeStockCaption(rng, topic, image.scene);
    const breakdown = explainStockKpi(world, { releasedAt, caption, keywords }, image.verbalization);
    yield { assetId, caption, keywords, releasedAt, kpi: sampleStockKpi(rng, breakdown), image, breakdown };
  }
}
