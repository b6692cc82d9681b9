/** Small statistics for the world's analysis: moments and R² of an ordinary least-squares fit. */

export const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

export function variance(xs: readonly number[]): number {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
}

export function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position), hi = Math.ceil(position);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (position - lo);
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small and square). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    const p = m[col]![col]!;
    if (Math.abs(p) < 1e-12) continue; // collinear column: leave its coefficient at 0
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / p;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[n]! / row[i]!));
}

/** R² of y regressed on the given columns plus an intercept. */
export function rSquared(columns: readonly (readonly number[])[], y: readonly number[]): number {
  const design = [y.map(() => 1), ...columns];
  const k = design.length;
  const xtx = design.map((a) => design.map((b) => a.reduce((s, v, i) => s + v * b[i]!, 0)));
  const xty = design.map((a) => a.reduce((s, v, i) => s + v * y[i]!, 0));
  const beta = solve(xtx, xty);
  const fitted = y.map((_, i) => design.reduce((s, col, j) => s + beta[j]! * col[i]!, 0));
  const m = mean(y);
  const residual = y.reduce((s, v, i) => s + (v - fitted[i]!) ** 2, 0);
  const totalSum = y.reduce((s, v) => s + (v - m) ** 2, 0);
  return k > 0 && totalSum > 0 ? 1 - residual / totalSum : 0;
}
