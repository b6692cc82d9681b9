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

/** A predicate on instruction record ids (world/social/p000014/0#1, world/stock/a000123/0#2). */
export function freshRecordFilter(original: WorldModel, extended: WorldModel): (recordId: string) => boolean {
  if (original.seed !== extended.seed || original.brands.length !== extended.brands.length)
    throw badInput("the two worlds must share seed and brands (the same world, more draws)");
  // Social post numbers run brand by brand (simulateSocialPosts): per brand, [first, last] and where fresh posts start.
  const ranges: { freshFrom: number; last: number }[] = [];
  let first = 1;
  extended.brands.forEach((brand, b) => {
    const count = postsOfBrand(extended, brand);
    ranges.push({ freshFrom: first + postsOfBrand(original, original.brands[b]!), last: first + count - 1 });
    first += count;
  });
  return (recordId) => {
    const social = /\/p(\d+)\//.exec(recordId);
    if (social) {
      const n = Number(social[1]);
      return ranges.some((r) => n >= r.freshFrom && n <= r.last);
    }
    const stock = /\/a(\d+)/.exec(recordId);
    if (stock) return Number(stock[1]) > original.stockAssets;
    throw badInput(`cannot tell which post record ${recordId} belongs to`);
  };
}
