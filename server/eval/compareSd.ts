/**
 * The comparisons issue 5 asks for, from a Table 2 report (evalSd): BoigSD against base and SFT
 * per dataset and bucket — the relative true-KPI change with its paired bootstrap interval, the
 * reward deltas and the FID-like ratio. Shared by `boig eval sd` and the Evaluations page.
 */
import type { SdEvalReport, SdRow } from "./evalSd";
import { pairedRatioInterval, type Interval } from "./pairedBootstrap";

export type SdComparison = {
  dataset: string; bucket: string; versus: string; trueKpiChange: number;
  /** 95% paired bootstrap interval over prompts of trueKpiChange (server/eval/pairedBootstrap.ts). */
  trueKpiChangeInterval: Interval | null;
  rewardCalibratedChange: number; rewardPaperChange: number; fidLikeRatio: number | null;
};

/** BoigSD against each other model, per dataset and bucket: relative true-KPI change, reward deltas, FID-like ratio. */
export function compareSd(report: SdEvalReport): SdComparison[] {
  const out: SdComparison[] = [];
  const key = (r: SdRow) => `${r.dataset}|${r.bucket}`;
  for (const ours of report.rows.filter((r) => r.model === "BoigSD")) {
    for (const other of report.rows.filter((r) => key(r) === key(ours) && r.model !== "BoigSD")) {
      const fidOurs = ours.extra.fidLike, fidOther = other.extra.fidLike;
      out.push({
        dataset: ours.dataset, bucket: ours.bucket, versus: other.model,
        trueKpiChange: ours.trueKpi / other.trueKpi - 1,
        trueKpiChangeInterval: ours.trueKpiPerPrompt && other.trueKpiPerPrompt ? pairedRatioInterval(ours.trueKpiPerPrompt, other.trueKpiPerPrompt) : null,
        rewardCalibratedChange: ours.rewardCalibrated - other.rewardCalibrated,
        rewardPaperChange: ours.rewardPaper - other.rewardPaper,
        fidLikeRatio: fidOurs != null && fidOther != null && fidOther > 0 ? fidOurs / fidOther : null,
      });
    }
  }
  return out;
}
