/**
 * The FID-like distance of SPEC §6 (Table 2: generated images vs the real test images of a
 * bucket): the Fréchet distance between Gaussians fitted to two sets of image features,
 *
 *   FD = ‖μA − μB‖² + tr(CA) + tr(CB) − 2 tr √(CA·CB),
 *
 * with features from the ImageNet MobileNetV2 inside nsfwjs@4.4.0 (1280-d, server/ml/imageFeatures.ts)
 * instead of Inception-v3's 2048-d pool3. The numbers are therefore NOT comparable to published
 * (Inception) FID values — only to each other (same features, similar sample sizes: FD is biased
 * upward for small sets).
 *
 * Covariances are unbiased (divide by n − 1; a single sample has covariance 0). tr √(CA·CB) is the
 * sum of the square roots of the eigenvalues of CA·CB, which are real and ≥ 0 (product of two PSD
 * matrices). Two exact ways to get them, both via a symmetric eigen-solver (Householder
 * tridiagonalization + implicit QL, in float64):
 * - "covariance" (n ≥ dim): CA = V Λ Vᵀ; with Y = V Λ^½ (dropping eigenvalues at rounding-noise
 *   level, so a rank-deficient CA — fewer samples than dimensions — costs nothing extra),
 *   √CA·CB·√CA = V (Yᵀ CB Y) Vᵀ, so its eigenvalues are those of the small symmetric PSD matrix
 *   Yᵀ CB Y = Zᵀ Z / (nB − 1) with Z = XB Y (XB: centered B features).
 * - "samples" (nA + nB ≤ dim): with centered XA, XB the nonzero eigenvalues of CA·CB are the
 *   squared singular values of K = XB XAᵀ / √((nA − 1)(nB − 1)), so tr √(CA·CB) = Σ σ(K), read off
 *   the symmetric (nA + nB)² matrix [[0, Kᵀ], [K, 0]] whose eigenvalues are ±σ. No dim³ work, and no
 *   squaring of small singular values.
 * "auto" picks the cheaper one. Tiny negative eigenvalues (rounding) are clamped to 0, and so is
 * the final distance; inputs must be finite (NaN / ±Infinity features are refused, never propagated).
 */
import type { RgbaImage } from "../verbalize/types";
import { imageFeatures } from "../ml/imageFeatures";

/** How a FID-like number must be labelled wherever it is shown. */
export const FID_LIKE_LABEL = "FID-like (MobileNetV2 features of nsfwjs@4.4.0; not comparable to Inception FID)";

export type FeatureSet = readonly ArrayLike<number>[];
export type FidLikeMethod = "auto" | "covariance" | "samples";
export type FidLikeOptions = { method?: FidLikeMethod };

export type FidLikeDetails = {
  /** The FID-like distance, ≥ 0. */
  distance: number;
  /** ‖μA − μB‖². */
  meanTerm: number;
  /** tr(CA) + tr(CB) − 2 tr √(CA·CB). */
  covarianceTerm: number;
  traceA: number;
  traceB: number;
  traceSqrtProduct: number;
  nA: number;
  nB: number;
  dim: number;
  method: Exclude<FidLikeMethod, "auto">;
};

// ------------------------------------------------------------------------------------------------
// Symmetric eigen-decomposition (JAMA's tred2 + tql2, EISPACK lineage), on a transposed view so
// the O(n³) inner loops walk memory contiguously.
// ------------------------------------------------------------------------------------------------

const EPS = 2 ** -52;
const MAX_QL_ITERATIONS = 100; // per eigenvalue; typical is 1-3

export type SymmetricEigen = {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** With `vectors: true`: row j (n values from j·n) is the unit eigenvector of values[j]. */
  vectors?: Float64Array;
};

/**
 * Eigenvalues (and optionally eigenvectors) of the symmetric n×n row-major matrix `matrix`
 * (only its upper triangle is read; the input is not modified). Throws RangeError on a wrong size
 * or a non-finite entry.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number, options: { vectors?: boolean } = {}): SymmetricEigen {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n) throw new RangeError(`symmetricEigen: need ${n}×${n} values, got ${matrix.length}`);
  const accumulate = options.vectors ?? false;
  // w[c·n + r] holds V[r][c] (JAMA's V): the transposed view. For a symmetric input that is the
  // matrix itself, read from its upper triangle (= the lower triangle of the view, which JAMA reads).
  const w = new Float64Array(n * n);
  for (let r = 0; r < n; r++)
    for (let c = r; c < n; c++) {
      const v = Number(matrix[r * n + c]);
      if (!Number.isFinite(v)) throw new RangeError(`symmetricEigen: entry (${r}, ${c}) is ${v}`);
      w[r * n + c] = v;
      w[c * n + r] = v;
    }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(w, n, d, e, accumulate);
  tql2(w, n, d, e, accumulate);
  const order = Array.from(d.keys()).sort((a, b) => d[a]! - d[b]!);
  const values = Float64Array.from(order, (i) => d[i]!);
  if (!accumulate) return { values };
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => vectors.set(w.subarray(from * n, from * n + n), to * n));
  return { values, vectors };
}

/** Householder reduction to tridiagonal form: d = diagonal, e = subdiagonal (e[0] unused). */
function tred2(w: Float64Array, n: number, d: Float64Array, e: Float64Array, accumulate: boolean): void {
  for (let j = 0; j < n; j++) d[j] = w[j * n + n - 1]!; // V[n-1][j]
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = w[j * n + i - 1]!; // V[i-1][j]
        w[j * n + i] = 0; // V[i][j]
        w[i * n + j] = 0; // V[j][i]
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] = d[k]! / scale;
        h += d[k]! * d[k]!;
      }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        w[i * n + j] = f; // V[j][i]
        const col = j * n; // V[k][j] = w[col + k]
        g = e[j]! + w[col + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = w[col + k]!;
          g += v * d[k]!;
          e[k] = e[k]! + v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] = e[j]! / h;
        f += e[j]! * d[j]!;
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        g = e[j]!;
        const col = j * n;
        for (let k = j; k <= i - 1; k++) w[col + k] = w[col + k]! - (f * e[k]! + g * d[k]!);
        d[j] = w[col + i - 1]!; // V[i-1][j]
        w[col + i] = 0; // V[i][j]
      }
    }
    d[i] = h;
  }
  if (accumulate) {
    for (let i = 0; i < n - 1; i++) {
      w[i * n + n - 1] = w[i * n + i]!; // V[n-1][i] = V[i][i]
      w[i * n + i] = 1;
      const h = d[i + 1]!;
      const next = (i + 1) * n; // V[k][i+1] = w[next + k]
      if (h !== 0) {
        for (let k = 0; k <= i; k++) d[k] = w[next + k]! / h;
        for (let j = 0; j <= i; j++) {
          const col = j * n;
          let g = 0;
          for (let k = 0; k <= i; k++) g += w[next + k]! * w[col + k]!;
          for (let k = 0; k <= i; k++) w[col + k] = w[col + k]! - g * d[k]!;
        }
      }
      for (let k = 0; k <= i; k++) w[next + k] = 0;
    }
    for (let j = 0; j < n; j++) {
      d[j] = w[j * n + n - 1]!; // V[n-1][j]
      w[j * n + n - 1] = 0;
    }
    w[(n - 1) * n + n - 1] = 1;
  } else {
    // Without the accumulation pass the tridiagonal's diagonal is still where that pass reads it.
    for (let j = 0; j < n; j++) d[j] = w[j * n + j]!;
  }
  e[0] = 0;
}

/** Implicit QL on the tridiagonal (d, e); eigenvalues end in d, eigenvectors (if asked) in w's rows. */
function tql2(w: Float64Array, n: number, d: Float64Array, e: Float64Array, accumulate: boolean): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > EPS * tst1) m++;
    if (m > l) {
      let iterations = 0;
      do {
        if (++iterations > MAX_QL_ITERATIONS) throw new Error(`symmetricEigen: QL did not converge for eigenvalue ${l} of ${n}`);
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1]!;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (accumulate) {
            const row = i * n, rowNext = (i + 1) * n; // V[k][i] = w[row + k]
            for (let k = 0; k < n; k++) {
              const t = w[rowNext + k]!;
              w[rowNext + k] = s * w[row + k]! + c * t;
              w[row + k] = c * w[row + k]! - s * t;
            }
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > EPS * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

// ------------------------------------------------------------------------------------------------
// Feature statistics
// ------------------------------------------------------------------------------------------------

type Centered = { n: number; dim: number; mean: Float64Array; x: Float64Array; trace: number };

/** Mean, centered rows (n × dim, float64) and tr(C) of a feature set; refuses bad input. */
function center(set: FeatureSet, label: string, dim?: number): Centered {
  const n = set.length;
  if (n === 0) throw new RangeError(`fidLike: feature set ${label} is empty`);
  const d = dim ?? set[0]!.length;
  if (d < 1) throw new RangeError(`fidLike: feature set ${label} has 0-length vectors`);
  const mean = new Float64Array(d);
  set.forEach((row, i) => {
    if (row.length !== d) throw new RangeError(`fidLike: vector ${i} of ${label} has ${row.length} values, expected ${d}`);
    for (let k = 0; k < d; k++) {
      const v = row[k]!;
      if (!Number.isFinite(v)) throw new RangeError(`fidLike: vector ${i} of ${label} has a non-finite value (${v}) at ${k}`);
      mean[k] = mean[k]! + v;
    }
  });
  for (let k = 0; k < d; k++) mean[k] = mean[k]! / n;
  const x = new Float64Array(n * d);
  let sumSquares = 0;
  set.forEach((row, i) => {
    for (let k = 0; k < d; k++) {
      const v = row[k]! - mean[k]!;
      x[i * d + k] = v;
      sumSquares += v * v;
    }
  });
  return { n, dim: d, mean, x, trace: sumSquares / Math.max(1, n - 1) };
}

/** Unbiased covariance Xᵀ X / (n − 1) of centered rows, dim × dim row-major. */
function covariance({ n, dim, x }: Centered): Float64Array {
  const c = new Float64Array(dim * dim);
  for (let s = 0; s < n; s++) {
    const row = s * dim;
    for (let i = 0; i < dim; i++) {
      const xi = x[row + i]!;
      if (xi === 0) continue;
      const ci = i * dim;
      for (let j = i; j < dim; j++) c[ci + j] = c[ci + j]! + xi * x[row + j]!;
    }
  }
  const scale = 1 / Math.max(1, n - 1);
  for (let i = 0; i < dim; i++)
    for (let j = i; j < dim; j++) {
      const v = c[i * dim + j]! * scale;
      c[i * dim + j] = v;
      c[j * dim + i] = v;
    }
  return c;
}

/** tr √(CA·CB) via the eigenbasis of CA (see the module comment, "covariance"). */
function traceSqrtByCovariance(a: Centered, b: Centered): number {
  const { dim } = a;
  const { values, vectors } = symmetricEigen(covariance(a), dim, { vectors: true });
  const largest = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const floor = largest * dim * EPS; // eigenvalues below this are rounding noise around 0
  const kept: number[] = [];
  values.forEach((v, j) => {
    if (v > floor) kept.push(j);
  });
  const r = kept.length;
  if (r === 0 || b.n < 2) return 0;
  // Z = XB · Y, Y's column j = v_j · √λ_j  (nB × r)
  const z = new Float64Array(b.n * r);
  for (let s = 0; s < b.n; s++) {
    const row = s * dim;
    kept.forEach((j, col) => {
      const v = j * dim;
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += b.x[row + k]! * vectors![v + k]!;
      z[s * r + col] = dot * Math.sqrt(values[j]!);
    });
  }
  // M = Zᵀ Z / (nB − 1)  (r × r, symmetric PSD): similar to √CA·CB·√CA restricted to CA's range.
  const m = new Float64Array(r * r);
  for (let s = 0; s < b.n; s++) {
    const row = s * r;
    for (let i = 0; i < r; i++) {
      const zi = z[row + i]!;
      if (zi === 0) continue;
      for (let j = i; j < r; j++) m[i * r + j] = m[i * r + j]! + zi * z[row + j]!;
    }
  }
  const scale = 1 / (b.n - 1);
  for (let i = 0; i < r; i++) for (let j = i; j < r; j++) m[i * r + j] = m[i * r + j]! * scale;
  return symmetricEigen(m, r).values.reduce((sum, mu) => sum + Math.sqrt(Math.max(0, mu)), 0);
}

/** tr √(CA·CB) as the nuclear norm of XB XAᵀ / √((nA−1)(nB−1)) (see the module comment, "samples"). */
function traceSqrtBySamples(a: Centered, b: Centered): number {
  if (a.n < 2 || b.n < 2) return 0; // a single sample: covariance 0
  const { dim } = a;
  const size = a.n + b.n;
  const scale = 1 / Math.sqrt((a.n - 1) * (b.n - 1));
  const jw = new Float64Array(size * size); // [[0, Kᵀ], [K, 0]]; only the upper triangle is read
  for (let i = 0; i < a.n; i++)
    for (let j = 0; j < b.n; j++) {
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += a.x[i * dim + k]! * b.x[j * dim + k]!;
      jw[i * size + a.n + j] = dot * scale;
    }
  return symmetricEigen(jw, size).values.reduce((sum, v) => sum + Math.abs(v), 0) / 2;
}

// ------------------------------------------------------------------------------------------------
// The metric
// ------------------------------------------------------------------------------------------------

/** The FID-like distance and its parts (see the module comment). */
export function fidLikeDetails(featuresA: FeatureSet, featuresB: FeatureSet, options: FidLikeOptions = {}): FidLikeDetails {
  const a = center(featuresA, "A");
  const b = center(featuresB, "B", a.dim);
  const { dim } = a;
  const method = options.method === undefined || options.method === "auto" ? (a.n + b.n <= dim ? "samples" : "covariance") : options.method;
  if (method !== "samples" && method !== "covariance") throw new RangeError(`fidLike: unknown method ${String(method)}`);
  let meanTerm = 0;
  for (let k = 0; k < dim; k++) meanTerm += (a.mean[k]! - b.mean[k]!) ** 2;
  const traceSqrtProduct = method === "samples" ? traceSqrtBySamples(a, b) : traceSqrtByCovariance(a, b);
  const covarianceTerm = a.trace + b.trace - 2 * traceSqrtProduct;
  return {
    distance: Math.max(0, meanTerm + covarianceTerm),
    meanTerm,
    covarianceTerm,
    traceA: a.trace,
    traceB: b.trace,
    traceSqrtProduct,
    nA: a.n,
    nB: b.n,
    dim,
    method,
  };
}

/** FID-like distance between two feature sets (vectors of equal length; ≥ 1 vector each). */
export function fidLike(featuresA: FeatureSet, featuresB: FeatureSet, options: FidLikeOptions = {}): number {
  return fidLikeDetails(featuresA, featuresB, options).distance;
}

/**
 * FID-like distance between two sets of decoded images (any sizes), via the MobileNetV2 features
 * of server/ml/imageFeatures.ts. `artifactDir` overrides the committed feature model.
 */
export async function fidLikeForImages(
  imagesA: readonly RgbaImage[],
  imagesB: readonly RgbaImage[],
  options: FidLikeOptions & { artifactDir?: string; batchSize?: number } = {},
): Promise<number> {
  const { artifactDir, batchSize, ...fidOptions } = options;
  const featuresA = await imageFeatures(imagesA, { artifactDir, batchSize });
  const featuresB = await imageFeatures(imagesB, { artifactDir, batchSize });
  return fidLike(featuresA, featuresB, fidOptions);
}
