"use client";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

type Frequency = { kind: string; name: string; high: number; low: number };

/** Share of high- vs low-KPI images showing each attribute: the ones that differ most first. */
export function AttributeFrequencies({ frequencies, limit = 12 }: { frequencies: Frequency[]; limit?: number }) {
  const data = [...frequencies]
    .sort((a, b) => Math.abs(b.high - b.low) - Math.abs(a.high - a.low))
    .slice(0, limit)
    .map((f) => ({ label: `${f.name} (${f.kind})`, high: Math.round(f.high * 1000) / 10, low: Math.round(f.low * 1000) / 10 }));
  return (
    <ResponsiveContainer width="100%" height={Math.max(200, data.length * 30 + 40)}>
      <BarChart data={data} layout="vertical" margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" unit="%" tick={{ fontSize: 11 }} />
        <YAxis type="category" dataKey="label" width={120} tick={{ fontSize: 11 }} />
        <Tooltip formatter={(v) => `${v}% of images`} />
        <Legend />
        <Bar dataKey="high" name="high KPI" fill="#16a34a" isAnimationActive={false} />
        <Bar dataKey="low" name="low KPI" fill="#94a3b8" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
