/**
 * Fresh draws of the same world: which records of a world generated with MORE posts and assets
 * (same seed and brands) are images the original world never drew.
 *
 * The world draws each social post from (seed, brand, post index) and each stock asset from (seed,
 * asset number) (server/world/simulate.ts), and its hidden parameters do not depend on how many are
 * drawn (worldModel.ts). So in the extended world every post at index ≥ the original brand's count,
 * and every asset past the original count, is new. Posts below that index share their scene with
 * an original post and are not fresh. (Posting dates are sorted per brand, so the fresh posts are
 * each brand's later dates.) Used to build a validation set (scripts/fresh-draws-validation.ts).
 */
import { badInput } from "../errors";
import { postsOfBrand } from "../world/simulate";
import type { WorldModel } from "../world/worldModel";

/**
 * The key (record id without `#type`) of the ORIGINAL world's record showing the same image as an
 * extended-world record, or null when the image is fresh. Social post numbers run brand by brand
 * (simulateSocialPosts), so a kept post is renumbered; stock asset numbers are shared.
 */
export function originalRecordKey(original: WorldModel, extended: WorldModel): (recordId: string) => string | null {
  if (original.seed !== extended.seed || original.brands.length !== extended.brands.length)
    throw badInput("the two worlds must share seed and brands (the same world, more draws)");
  // Per brand: where its posts start in each world, and how many the original drew.
  const ranges: { extendedFirst: number; originalFirst: number; originalCount: number }[] = [];
  let extendedFirst = 1;
  let originalFirst = 1;
  extended.brands.forEach((brand, b) => {
    const originalCount = postsOfBrand(original, original.brands[b]!);
    ranges.push({ extendedFirst, originalFirst, originalCount });
    extendedFirst += postsOfBrand(extended, brand);
    originalFirst += originalCount;
  });
  return (recordId) => {
    const key = recordId.split("#")[0]!;
    const social = /^(.*\/p)(\d+)(\/.*)$/.exec(key);
    if (social) {
      const n = Number(social[2]);
      const r = ranges.find((x) => n >= x.extendedFirst && n < x.extendedFirst + x.originalCount);
      return r ? `${social[1]}${String(r.originalFirst + n - r.extendedFirst).padStart(social[2]!.length, "0")}${social[3]}` : null;
    }
    const stock = /\/a(\d+)/.exec(key);
    if (stock) return Number(stock[1]) <= original.stockAssets ? key : null;
    throw badInput(`cannot tell which post record ${recordId} belongs to`);
  };
}

/** A predicate on instruction record ids (world/social/p000014/0#1, world/stock/a000123/0#2): is the image fresh? */
export function freshRecordFilter(original: WorldModel, extended: WorldModel): (recordId: string) => boolean {
  const originalKey = originalRecordKey(original, extended);
  return (recordId) => originalKey(recordId) === null;
}
