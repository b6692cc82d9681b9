"use client";
import { Bar, BarChart, CartesianGrid, Cell, LabelList, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type PredictedKpiBar = { label: string; probabilityHigh: number; percentile: number | null; recommended: boolean };

/**
 * Compare's bar chart: each image's predicted chance of a high-KPI post (calibrated reward,
 * P(high)), the recommended one highlighted; its percentile among the brand's posts in the label.
 */
export function PredictedKpiChart({ bars }: { bars: PredictedKpiBar[] }) {
  const data = bars.map((b) => ({
    ...b,
    value: Math.round(b.probabilityHigh * 1000) / 10,
    caption: `${(b.probabilityHigh * 100).toFixed(1)}%${b.percentile === null ? "" : ` · ${Math.round(b.percentile)} pct`}`,
  }));
  return (
    <ResponsiveContainer width="100%" height={260}>
      <BarChart data={data} margin={{ top: 24, right: 12, bottom: 8, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" tick={{ fontSize: 11 }} interval={0} />
        <YAxis tick={{ fontSize: 11 }} unit="%" domain={[0, (max: number) => Math.min(100, Math.ceil(max * 1.2 + 1))]} />
        <Tooltip formatter={(value) => [`${value}%`, "P(high KPI)"]} />
        <Bar dataKey="value" name="P(high KPI)" isAnimationActive={false}>
          {data.map((d) => <Cell key={d.label} fill={d.recommended ? "#16a34a" : "#6366f1"} />)}
          <LabelList dataKey="caption" position="top" style={{ fontSize: 10, fill: "#334155" }} />
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}
