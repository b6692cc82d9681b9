/**
 * A training run's metric history for the Runs page charts, kept in its run folder next to the
 * checkpoints and sample grids (`metrics.jsonl`, one JSON object per line): `progress` points
 * (step, loss) and DDPO `epoch` records (reward mean/std, true KPI, approx KL, clip fraction,
 * FID-like, the epoch's sample grid). Appending a line is the whole write, so a killed trainer
 * leaves at most a torn last line, which the reader skips. A resumed run repeats the steps after
 * its last checkpoint: the reader keeps the last record per (type, step).
 */
import fs from "node:fs";
import path from "node:path";

export type ProgressPoint = { type: "progress"; step: number; total: number; loss?: number; at: number };
export type EpochPoint = { type: "epoch"; step: number; total: number; metrics: Record<string, number>; grid: string | null; at: number };
export type RunMetric = ProgressPoint | EpochPoint;

export const metricsFile = (runDir: string) => path.join(runDir, "metrics.jsonl");

export function appendRunMetric(runDir: string, metric: RunMetric) {
  fs.appendFileSync(metricsFile(runDir), `${JSON.stringify(metric)}\n`);
}

/** Every metric of the run, deduplicated, in step order (progress and epochs separately). */
export function readRunMetrics(runDir: string): { progress: ProgressPoint[]; epochs: EpochPoint[] } {
  const file = metricsFile(runDir);
  if (!fs.existsSync(file)) return { progress: [], epochs: [] };
  const latest = new Map<string, RunMetric>();
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const metric = JSON.parse(line) as RunMetric;
      if ((metric.type === "progress" || metric.type === "epoch") && Number.isFinite(metric.step)) latest.set(`${metric.type}:${metric.step}`, metric);
    } catch {
      /* a torn last line from a killed process */
    }
  }
  const all = [...latest.values()].sort((a, b) => a.step - b.step);
  return { progress: all.filter((m): m is ProgressPoint => m.type === "progress"), epochs: all.filter((m): m is EpochPoint => m.type === "epoch") };
}

/**
 * Seconds left at the pace of this attempt: (time since the attempt's first step) / (steps done
 * since) × steps left. Null until two steps of this attempt are seen.
 */
export function estimateSecondsLeft(first: { step: number; at: number } | null, now: { step: number; at: number; total: number }): number | null {
  if (!first || now.step <= first.step || now.at <= first.at) return null;
  const perStep = (now.at - first.at) / 1000 / (now.step - first.step);
  return Math.max(0, Math.round(perStep * (now.total - now.step)));
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
