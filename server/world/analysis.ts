/**
 * How much the image matters in a world (issue 3 "must show"; numbers in docs/world.md):
 * (a) shares of the variance of log(1 + likes) carried by each hidden term of the log-mean,
 *     and R² of nested regressions (brand + date + campaign, then + image + agreement);
 * (b) the ratio of expected likes between the best and worst image for one brand, date and
 *     caption, found by searching scene variants (a lower bound on the true range).
 */
import { CATEGORY_PROFILES } from "./categories";
import { expectedKpi, type SocialContext } from "./engagement";
import { sceneToVerbalization } from "./groundTruth";
import { createRng } from "./random";
import { renderScene } from "./render";
import { sampleScene, type SceneTendencies } from "./scene";
import { brandTendencies, simulateSocialPosts, simulateStockAssets } from "./simulate";
import { mean, quantile, rSquared, variance } from "./stats";
import { FORWARD_RATE_IMAGE_WEIGHT, IMPRESSIONS_IMAGE_WEIGHT } from "./stockEngagement";
import { buildWorldModel, type WorldModel, type WorldOptions } from "./worldModel";
import { COLOR_NAMES, OBJECT_CLASSES } from "../verbalize/vocabulary";

const round3 = (value: number) => Math.round(value * 1000) / 1000;

export type VarianceReport = {
  posts: number;
  varianceOfLogLikes: number;
  /** Var(term) / Var(log(1 + likes)); the rest is noise (and the terms' covariances). */
  shares: { brand: number; date: number; campaign: number; image: number; agreement: number; noise: number };
  /** R² of log(1 + likes) on brand + date + campaign terms, and with image + agreement added. */
  rSquared: { brandDate: number; withImage: number; imageIncrement: number };
  /** Mean over brands of Var(image term) / Var(log(1 + likes)) within the brand. */
  imageShareWithinBrand: number;
  /** Share of all likes held by the top 1% of posts (heavy tail). */
  top1PercentLikeShare: number;
  /** Var of the image's part of log forward actions / Var(log(1 + forward actions)), stock dataset. */
  stockImageShareOfForwardActions: number;
};

export function varianceDecomposition(world: WorldModel): VarianceReport {
  const terms = { brand: [] as number[], date: [] as number[], campaign: [] as number[], image: [] as number[], agreement: [] as number[] };
  const y: number[] = [], likes: number[] = [], accounts: string[] = [];
  for (const post of simulateSocialPosts(world)) {
    const b = post.breakdown;
    terms.brand.push(b.brand); terms.date.push(b.date.total); terms.campaign.push(b.campaign);
    terms.image.push(b.image.total); terms.agreement.push(b.agreement);
    y.push(Math.log1p(post.likes)); likes.push(post.likes); accounts.push(post.account);
  }
  const vy = variance(y);
  const share = (xs: number[]) => round3(variance(xs) / vy);
  const noise = y.map((v, i) => v - terms.brand[i]! - terms.date[i]! - terms.campaign[i]! - terms.image[i]! - terms.agreement[i]!);
  const base = rSquared([terms.brand, terms.date, terms.campaign], y);
  const full = rSquared([terms.brand, terms.date, terms.campaign, terms.image, terms.agreement], y);
  const within = world.brands.map((brand) => {
    const idx = accounts.flatMap((a, i) => (a === brand.account ? [i] : []));
    return variance(idx.map((i) => terms.image[i]!)) / variance(idx.map((i) => y[i]!));
  });
  const sorted = [...likes].sort((a, b) => b - a);
  const top = sorted.slice(0, Math.max(1, Math.round(sorted.length / 100)));
  const stockImage: number[] = [], stockForward: number[] = [];
  for (const asset of simulateStockAssets(world)) {
    stockImage.push((IMPRESSIONS_IMAGE_WEIGHT + FORWARD_RATE_IMAGE_WEIGHT) * asset.breakdown.image.total);
    stockForward.push(Math.log1p(asset.kpi.forwardActions));
  }
  return {
    posts: y.length,
    varianceOfLogLikes: round3(vy),
    shares: { brand: share(terms.brand), date: share(terms.date), campaign: share(terms.campaign), image: share(terms.image), agreement: share(terms.agreement), noise: share(noise) },
    rSquared: { brandDate: round3(base), withImage: round3(full), imageIncrement: round3(full - base) },
    imageShareWithinBrand: round3(mean(within)),
    top1PercentLikeShare: round3(top.reduce((s, v) => s + v, 0) / sorted.reduce((s, v) => s + v, 0)),
    stockImageShareOfForwardActions: stockImage.length ? round3(variance(stockImage) / variance(stockForward)) : 0,
  };
}

/** Any class, any color, any background: the broad search space for best/worst images. */
const ANYTHING: SceneTendencies = {
  palette: COLOR_NAMES, paletteRate: 1, products: OBJECT_CLASSES, productRate: 1, props: OBJECT_CLASSES, objectCountWeights: [1, 1, 1, 1],
};

export type BestWorstReport = {
  variantsPerBrand: number;
  postedAt: string;
  perBrand: { account: string; best: number; worst: number; ratio: number; ownP90OverP10: number }[];
  /** Median and range over brands of best / worst expected likes. */
  ratio: { median: number; min: number; max: number };
  /** Median over brands of the 90th / 10th percentile of expected likes over the brand's own kind of images. */
  ownP90OverP10Median: number;
};

/** Expected likes of many scene variants for each brand at one date with one caption (no visual words). */
export function bestWorstRatios(world: WorldModel, variants = 400, postedAt = new Date("2024-06-15T18:00:00Z")): BestWorstReport {
  const perBrand = world.brands.map((brand) => {
    const noun = CATEGORY_PROFILES[brand.category].productNouns[0]!;
    const context: SocialContext = {
      account: brand.account, postedAt,
      text: `Meet our ${noun}, new this summer. #${brand.account.replace(/_/g, "")} #launch`,
      keywords: ["launch", "summer", brand.category, noun],
    };
    const rng = createRng(world.seed, `analysis:${brand.account}`);
    const score = (tendencies: SceneTendencies) => {
      const scene = sampleScene(rng, tendencies);
      return expectedKpi(world, context, sceneToVerbalization(scene, renderScene(scene, world.imageSize))).likes;
    };
    const own = Array.from({ length: variants }, () => score(brandTendencies(brand)));
    const broad = Array.from({ length: variants }, () => score(ANYTHING));
    const all = [...own, ...broad];
    const best = Math.max(...all), worst = Math.min(...all);
    return { account: brand.account, best: Math.round(best), worst: Math.round(worst), ratio: round3(best / worst), ownP90OverP10: round3(quantile(own, 0.9) / quantile(own, 0.1)) };
  });
  const ratios = perBrand.map((b) => b.ratio);
  return {
    variantsPerBrand: 2 * variants,
    postedAt: postedAt.toISOString(),
    perBrand,
    ratio: { median: round3(quantile(ratios, 0.5)), min: Math.min(...ratios), max: Math.max(...ratios) },
    ownP90OverP10Median: round3(quantile(perBrand.map((b) => b.ownP90OverP10), 0.5)),
  };
}

export type WorldAnalysis = { world: { seed: number; brands: number; postsPerBrand: number }; variance: VarianceReport; bestWorst: BestWorstReport };

/** Both analyses on the world these options describe, without writing any file. */
export function analyzeWorld(options: WorldOptions, variants = 400): WorldAnalysis {
  const world = buildWorldModel(options);
  return {
    world: { seed: world.seed, brands: world.brands.length, postsPerBrand: world.postsPerBrand },
    variance: varianceDecomposition(world),
    bestWorst: bestWorstRatios(world, variants),
  };
}
