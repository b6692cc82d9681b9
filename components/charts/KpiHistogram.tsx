"use client";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** Posts per KPI range on a log scale (bins of log10(kpi + 1), quarter decades). */
export function KpiHistogram({ bins, kpiName }: { bins: { bin: number; posts: number }[]; kpiName: string }) {
  const data = bins.map((b) => ({ label: formatCount(10 ** b.bin - 1), posts: b.posts }));
  return (
    <ResponsiveContainer width="100%" height={240}>
      <BarChart data={data} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" tick={{ fontSize: 11 }} label={{ value: `${kpiName} (from, log scale)`, position: "insideBottom", offset: -4, fontSize: 11 }} height={40} />
        <YAxis tick={{ fontSize: 11 }} width={48} />
        <Tooltip formatter={(v) => [v, "posts"]} labelFormatter={(l) => `${kpiName} ≥ ${l}`} />
        <Bar dataKey="posts" fill="#3b7cf6" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}

export function formatCount(n: number) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return String(Math.round(n));
}
