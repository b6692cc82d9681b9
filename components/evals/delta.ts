/**
 * How a number moved since the previous evaluation, in the metric's own direction: an RMSE or a
 * distance that went DOWN is "better" (green), a similarity that went down is "worse" (red).
 */
export type Direction = "higher" | "lower";
export type Tone = "better" | "worse" | "same";

const known = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

export function deltaTone(value: number | null | undefined, previous: number | null | undefined, direction: Direction): Tone | null {
  if (!known(value) || !known(previous)) return null;
  const delta = value - previous;
  // Reports are rounded JSON doubles: a change below 1e-9 is the same number.
  if (Math.abs(delta) < 1e-9) return "same";
  return (delta > 0) === (direction === "higher") ? "better" : "worse";
}

export const TONE_CLASS: Record<Tone, string> = {
  better: "text-green-700",
  worse: "text-red-700",
  same: "text-slate-500",
};

export const formatValue = (x: number | null | undefined, digits: number) => (known(x) ? x.toFixed(digits) : "—");

/** "+0.0123" / "−0.0123" (a real minus sign) / "±0". */
export function formatDelta(value: number, previous: number, digits: number): string {
  const delta = value - previous;
  const text = Math.abs(delta).toFixed(digits);
  if (Number(text) === 0) return "±0";
  return `${delta > 0 ? "+" : "−"}${text}`;
}

export const formatPercent = (x: number | null | undefined) => (known(x) ? `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}%` : "—");
