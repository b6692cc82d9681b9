import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FID_LIKE_LABEL, fidLike, fidLikeDetails, fidLikeForImages, symmetricEigen, type FeatureSet } from "../../server/eval/fidLike";
import { decodeImage } from "../../server/verbalize/decodeImage";
import type { RgbaImage } from "../../server/verbalize/types";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const artifact = path.join(repoRoot, "models/artifacts/mobilenet-v2-features");
const photo = (file: string): RgbaImage => decodeImage(readFileSync(path.join(repoRoot, "tests/fixtures/photos", file)));

/** Seeded uniform(-0.5, 0.5). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** n vectors of dim, correlated (a few latent factors) and anisotropic, plus `shift` everywhere. */
function sampleSet(seed: number, n: number, dim: number, shift = 0): Float32Array[] {
  const next = rng(seed);
  const mixing = Array.from({ length: 4 }, () => Float64Array.from({ length: dim }, () => next()));
  return Array.from({ length: n }, () => {
    const factors = [next(), next(), next(), next()];
    return Float32Array.from({ length: dim }, (_, k) => {
      let v = next() * (1 + (k % 5)) + shift;
      for (let f = 0; f < 4; f++) v += 3 * factors[f]! * mixing[f]![k]!;
      return v;
    });
  });
}

const METHODS = ["covariance", "samples"] as const;

// ------------------------------------------------------------------------------------------------
// Independent reference for small dims: tr √(CA·CB) by the Denman–Beavers iteration on the
// (non-symmetric) product itself, with plain Gauss–Jordan inverses.
// ------------------------------------------------------------------------------------------------

type Mat = number[][];
const matMul = (a: Mat, b: Mat): Mat => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const identity = (n: number): Mat => Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
function inverse(m: Mat): Mat {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...identity(n)[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const p = a[c]![c]!;
    a[c] = a[c]!.map((v) => v / p);
    for (let r = 0; r < n; r++) if (r !== c) a[r] = a[r]!.map((v, j) => v - a[r]![c]! * a[c]![j]!);
  }
  return a.map((row) => row.slice(n));
}
function sqrtmTrace(m: Mat): number {
  let y = m, z = identity(m.length);
  for (let k = 0; k < 60; k++) {
    const yInv = inverse(y), zInv = inverse(z);
    y = y.map((row, i) => row.map((v, j) => (v + zInv[i]![j]!) / 2));
    z = z.map((row, i) => row.map((v, j) => (v + yInv[i]![j]!) / 2));
  }
  return y.reduce((s, row, i) => s + row[i]!, 0);
}
function statistics(set: FeatureSet): { mean: number[]; cov: Mat } {
  const n = set.length, d = set[0]!.length;
  const mean = Array.from({ length: d }, (_, k) => set.reduce((s, v) => s + v[k]!, 0) / n);
  const cov = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => set.reduce((s, v) => s + (v[i]! - mean[i]!) * (v[j]! - mean[j]!), 0) / (n - 1)),
  );
  return { mean, cov };
}

describe("fidLike: hand-computed cases", () => {
  it("1-d: (m1 - m2)^2 + s1 + s2 - 2 sqrt(s1 s2) with unbiased variances", () => {
    const a = [[1], [2], [3], [4]]; // mean 2.5, variance 5/3
    const b = [[2], [6], [10]]; // mean 6, variance 16
    const expected = (2.5 - 6) ** 2 + 5 / 3 + 16 - 2 * Math.sqrt((5 / 3) * 16);
    for (const method of METHODS) expect(fidLike(a, b, { method })).toBeCloseTo(expected, 12);
    expect(fidLike(a, b)).toBeCloseTo(19.588711, 5);
  });

  it("2-d with non-commuting covariances: tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)) for 2x2", () => {
    // A: mean 0, C1 = [[0.8, 0.4], [0.4, 0.8]]; B: mean (1, 3), C2 = diag(8/3, 2/3).
    const a = [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, -1]];
    const b = [[2, 0], [-2, 0], [0, 1], [0, -1]].map(([x, y]) => [x! + 1, y! + 3]);
    const detProduct = (0.8 * 0.8 - 0.4 * 0.4) * ((8 / 3) * (2 / 3));
    const traceProduct = 0.8 * (8 / 3) + 0.8 * (2 / 3); // tr(C1 C2), C2 diagonal
    const traceSqrt = Math.sqrt(traceProduct + 2 * Math.sqrt(detProduct));
    const expected = 1 + 9 + 1.6 + 10 / 3 - 2 * traceSqrt;
    for (const method of METHODS) {
      const details = fidLikeDetails(a, b, { method });
      expect(details.traceSqrtProduct).toBeCloseTo(traceSqrt, 12);
      expect(details.distance).toBeCloseTo(expected, 12);
      expect(details).toMatchObject({ nA: 6, nB: 4, dim: 2, method });
    }
    expect(expected).toBeCloseTo(10.684, 3);
  });

  it("matches an independent Denman–Beavers sqrtm of CA·CB on random 5-d sets", () => {
    const a = sampleSet(1, 40, 5), b = sampleSet(2, 30, 5, 0.3);
    const sa = statistics(a), sb = statistics(b);
    const meanTerm = sa.mean.reduce((s, m, k) => s + (m - sb.mean[k]!) ** 2, 0);
    const trace = (m: Mat) => m.reduce((s, row, i) => s + row[i]!, 0);
    const expected = meanTerm + trace(sa.cov) + trace(sb.cov) - 2 * sqrtmTrace(matMul(sa.cov, sb.cov));
    for (const method of METHODS) expect(fidLike(a, b, { method })).toBeCloseTo(expected, 9);
  });
});

describe("fidLike: properties", () => {
  it("is 0 for identical sets, both methods, full rank and rank-deficient", () => {
    for (const [n, dim] of [[200, 16], [12, 64], [30, 1280]] as const) {
      const set = sampleSet(3, n, dim);
      for (const method of dim > 100 ? (["samples"] as const) : METHODS) {
        const details = fidLikeDetails(set, set, { method });
        expect(details.meanTerm).toBe(0);
        expect(details.distance, `${method} n=${n} dim=${dim}`).toBeLessThan(1e-9 * (details.traceA + details.traceB));
      }
    }
  });

  it("is symmetric", () => {
    const a = sampleSet(4, 50, 20), b = sampleSet(5, 35, 20, 0.2);
    for (const method of METHODS) {
      const ab = fidLike(a, b, { method }), ba = fidLike(b, a, { method });
      expect(ab).toBeGreaterThan(0);
      expect(Math.abs(ab - ba)).toBeLessThan(1e-10 * ab);
    }
  });

  it("both methods agree (full rank, fewer samples than dimensions, and one sample each)", () => {
    for (const [nA, nB, dim] of [[60, 70, 40], [15, 25, 40], [8, 90, 40], [1, 1, 30], [1, 20, 30]] as const) {
      const a = sampleSet(6, nA, dim), b = sampleSet(7, nB, dim, 0.1);
      const covariance = fidLike(a, b, { method: "covariance" });
      const samples = fidLike(a, b, { method: "samples" });
      expect(Number.isFinite(covariance)).toBe(true);
      expect(Math.abs(covariance - samples), `nA=${nA} nB=${nB} dim=${dim}`).toBeLessThan(1e-8 * Math.max(1, samples));
    }
  });

  it("one sample per set: the covariance terms vanish and only the squared mean distance is left", () => {
    const a = [[1, 2, 3]], b = [[2, 0, 3]];
    for (const method of METHODS) expect(fidLike(a, b, { method })).toBeCloseTo(1 + 4, 12);
  });

  it("grows with a shift of one set: exactly dim * shift^2 for a translated copy, monotone in the shift", () => {
    const dim = 24;
    const base = sampleSet(8, 80, dim);
    const other = sampleSet(9, 80, dim);
    let previous = fidLike(base, other);
    for (const shift of [0.25, 0.5, 1, 2]) {
      const moved = base.map((v) => v.map((x) => x + shift));
      for (const method of METHODS) expect(fidLike(base, moved, { method })).toBeCloseTo(dim * shift ** 2, 6);
      const distance = fidLike(base, other.map((v) => v.map((x) => x + shift)));
      expect(distance).toBeGreaterThan(previous);
      previous = distance;
    }
  });

  it("grows when one set is spread out (same mean, larger covariance)", () => {
    const a = sampleSet(10, 100, 10);
    const mean = statistics(a).mean;
    let previous = 0;
    for (const factor of [1.5, 2, 4]) {
      const spread = a.map((v) => v.map((x, k) => mean[k]! + (x - mean[k]!) * factor));
      const distance = fidLike(a, spread);
      expect(distance).toBeGreaterThan(previous);
      previous = distance;
    }
  });

  it("has no NaN with far fewer samples than the 1280 feature dimensions (auto method)", () => {
    const a = sampleSet(11, 10, 1280), b = sampleSet(12, 14, 1280, 0.05);
    const details = fidLikeDetails(a, b);
    expect(details.method).toBe("samples");
    for (const value of Object.values(details)) if (typeof value === "number") expect(Number.isFinite(value)).toBe(true);
    expect(details.distance).toBeGreaterThan(0);
    // The rank-deficient covariance path gives the same number (on a smaller dim, to stay quick).
    const small = [sampleSet(11, 10, 200), sampleSet(12, 14, 200, 0.05)] as const;
    const viaCovariance = fidLikeDetails(small[0], small[1], { method: "covariance" });
    expect(Number.isFinite(viaCovariance.distance)).toBe(true);
    expect(viaCovariance.distance).toBeCloseTo(fidLike(small[0], small[1], { method: "samples" }), 8);
  });

  it("refuses empty sets, mismatched lengths and non-finite features instead of returning NaN", () => {
    expect(() => fidLike([], [[1]])).toThrow(RangeError);
    expect(() => fidLike([[1, 2]], [[1]])).toThrow(RangeError);
    expect(() => fidLike([[1, 2], [3]], [[1, 2]])).toThrow(RangeError);
    expect(() => fidLike([[1, Number.NaN]], [[1, 2]])).toThrow(/non-finite/);
    expect(() => fidLike([[1, 2]], [[Infinity, 2]])).toThrow(/non-finite/);
  });

  it("says how it must be labelled", () => {
    expect(FID_LIKE_LABEL).toMatch(/not comparable to Inception FID/);
  });
});

describe("symmetricEigen", () => {
  it("reconstructs random symmetric matrices with orthonormal eigenvectors, ascending values", () => {
    const next = rng(13);
    for (const n of [1, 2, 5, 40]) {
      const a = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = next();
      const { values, vectors } = symmetricEigen(a, n, { vectors: true });
      const valuesOnly = symmetricEigen(a, n).values;
      for (let i = 0; i < n; i++) {
        if (i > 0) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
        expect(valuesOnly[i]!).toBeCloseTo(values[i]!, 12);
        for (let j = 0; j < n; j++) {
          let rebuilt = 0, dot = 0;
          for (let k = 0; k < n; k++) {
            rebuilt += vectors![k * n + i]! * values[k]! * vectors![k * n + j]!;
            dot += vectors![i * n + k]! * vectors![j * n + k]!;
          }
          expect(Math.abs(rebuilt - a[i * n + j]!)).toBeLessThan(1e-12);
          expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-12);
        }
      }
    }
  });

  it("handles known spectra: zero matrix, repeated eigenvalues, [[2, 1], [1, 2]]", () => {
    expect(Array.from(symmetricEigen(new Float64Array(9), 3).values)).toEqual([0, 0, 0]);
    const repeated = symmetricEigen([4, 0, 0, 0, 4, 0, 0, 0, 1], 3).values;
    expect(Array.from(repeated)).toEqual([1, 4, 4]);
    const { values } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(1, 14);
    expect(values[1]).toBeCloseTo(3, 14);
    expect(() => symmetricEigen([1, 2, 3], 2)).toThrow(RangeError);
    expect(() => symmetricEigen([1, Number.NaN, Number.NaN, 1], 2)).toThrow(RangeError);
  });
});

describe("fidLikeForImages", () => {
  it("is ~0 for the same photos, and larger for other photos than for resized copies", async () => {
    const [dog, cat, cup, horses] = ["dog.jpg", "chelsea.jpg", "coffee.jpg", "horses.jpg"].map(photo) as [RgbaImage, RgbaImage, RgbaImage, RgbaImage];
    const options = { artifactDir: artifact };
    expect(await fidLikeForImages([dog, cat, cup], [dog, cat, cup], options)).toBeLessThan(1e-6);
    const crop = (image: RgbaImage, keep: number): RgbaImage => {
      // The central `keep` fraction (a different size and framing of the same photo).
      const w = Math.round(image.width * keep), h = Math.round(image.height * keep);
      const x0 = (image.width - w) >> 1, y0 = (image.height - h) >> 1;
      const rgba = new Uint8Array(w * h * 4);
      for (let y = 0; y < h; y++) rgba.set(image.rgba.subarray(((y0 + y) * image.width + x0) * 4, ((y0 + y) * image.width + x0 + w) * 4), y * w * 4);
      return { rgba, width: w, height: h };
    };
    const near = await fidLikeForImages([dog, cat, cup], [dog, cat, cup].map((image) => crop(image, 0.9)), options);
    const far = await fidLikeForImages([dog, cat, cup], [horses, crop(horses, 0.6), crop(horses, 0.8)], options);
    expect(near).toBeGreaterThan(0);
    expect(far).toBeGreaterThan(4 * near); // measured: 112.5 vs 13.0
  });
});
