/**
 * Seeded randomness for the world simulator (SPEC §3.1: deterministic for a seed).
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 32-bit) seeded through a string
 * hash, so every part of the world draws from its own named stream (`fork("brand:fizzwell")`):
 * adding a brand or a post never shifts the random numbers of another. Never Math.random.
 */

export type Rng = {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(lo: number, hi: number): number;
  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
  chance(probability: number): boolean;
  normal(mean?: number, sd?: number): number;
  /** exp(N(mu, sigma)): mu and sigma are on the log scale. */
  lognormal(mu: number, sigma: number): number;
  poisson(mean: number): number;
  pick<T>(items: readonly T[]): T;
  weightedPick<T>(items: readonly T[], weights: readonly number[]): T;
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream named by `label`, derived from this stream's seed (not its state). */
  fork(label: string): Rng;
};

/** cyrb128-style string hash to four 32-bit words (sfc32 needs 128 bits of state). */
function hashToState(text: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

function sfc32(state: [number, number, number, number]): () => number {
  let [a, b, c, d] = state;
  const step = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) step(); // discard the first outputs: they correlate with the seed
  return step;
}

/** A generator for `seed`, optionally already forked to the stream `label`. */
export function createRng(seed: number, label = ""): Rng {
  return fromKey(`${seed}|${label}`);
}

function fromKey(key: string): Rng {
  const next = sfc32(hashToState(key));
  let spareNormal: number | null = null;
  const rng: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (probability) => next() < probability,
    normal(mean = 0, sd = 1) {
      if (spareNormal !== null) {
        const z = spareNormal;
        spareNormal = null;
        return mean + sd * z;
      }
      // Box-Muller; 1 - next() is in (0, 1], so the log is finite.
      const radius = Math.sqrt(-2 * Math.log(1 - next()));
      const angle = 2 * Math.PI * next();
      spareNormal = radius * Math.sin(angle);
      return mean + sd * radius * Math.cos(angle);
    },
    lognormal: (mu, sigma) => Math.exp(rng.normal(mu, sigma)),
    poisson(mean) {
      if (mean <= 0) return 0;
      if (mean > 50) return Math.max(0, Math.round(rng.normal(mean, Math.sqrt(mean))));
      const limit = Math.exp(-mean); // Knuth: multiply uniforms until below e^-mean
      let count = 0;
      for (let product = next(); product > limit; product *= next()) count++;
      return count;
    },
    pick(items) {
      if (items.length === 0) throw new Error("pick from an empty list");
      return items[Math.floor(next() * items.length)]!;
    },
    weightedPick(items, weights) {
      if (items.length === 0 || items.length !== weights.length) throw new Error("weightedPick: items and weights differ");
      const total = weights.reduce((sum, w) => sum + Math.max(0, w), 0);
      let target = next() * total;
      for (let i = 0; i < items.length; i++) {
        target -= Math.max(0, weights[i]!);
        if (target < 0) return items[i]!;
      }
      return items[items.length - 1]!;
    },
    shuffle(items) {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    fork: (label) => fromKey(`${key}/${label}`),
  };
  return rng;
}
