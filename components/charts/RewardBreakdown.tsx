"use client";
import { Bar, BarChart, CartesianGrid, Cell, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export type Contribution = { kind: "color" | "tone" | "object"; label: string; paper: number; paperMean: number; calibrated: number };

export const POSITIVE = "#16a34a";
export const NEGATIVE = "#dc2626";

/**
 * What each color, tone and object of an image does to its reward (server/llm/reward.ts breakdown:
 * reward with it − reward without it), largest raise first; green raises P(high KPI), red lowers it.
 */
export function RewardBreakdown({ breakdown }: { breakdown: Contribution[] }) {
  const data = [...breakdown]
    .sort((a, b) => b.calibrated - a.calibrated)
    .map((c) => ({ label: c.label, calibrated: round(c.calibrated), paper: round(c.paper) }));
  return (
    <ResponsiveContainer width="100%" height={Math.max(160, data.length * 30 + 48)}>
      <BarChart data={data} layout="vertical" margin={{ top: 8, right: 24, bottom: 20, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" tick={{ fontSize: 11 }} domain={["auto", "auto"]}
          label={{ value: "change in log-odds of high KPI", position: "insideBottom", offset: -12, fontSize: 11 }} />
        <YAxis type="category" dataKey="label" width={170} tick={{ fontSize: 11 }} interval={0} />
        <ReferenceLine x={0} stroke="#64748b" />
        <Tooltip
          formatter={(value, _name, item) => [
            `${signed(Number(value))} log-odds · paper ${signed((item.payload as { paper: number }).paper)}`,
            "contribution",
          ]}
        />
        <Bar dataKey="calibrated" name="contribution" isAnimationActive={false}>
          {data.map((d) => <Cell key={d.label} fill={d.calibrated >= 0 ? POSITIVE : NEGATIVE} />)}
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

const round = (v: number) => Math.round(v * 1000) / 1000;
export const signed = (v: number, digits = 3) => `${v > 0 ? "+" : v < 0 ? "−" : "±"}${Math.abs(v).toFixed(digits)}`;
