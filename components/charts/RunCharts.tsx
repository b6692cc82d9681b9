"use client";
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

type Series = { key: string; label: string; color: string };
type Point = Record<string, number | null>;

/** One small line chart of a run metric over steps or epochs (updates as new points arrive). */
export function MetricChart({ title, data, x, series, testId }: { title: string; data: Point[]; x: string; series: Series[]; testId?: string }) {
  return (
    <figure className="min-w-0 rounded-lg border border-slate-200 p-3" data-testid={testId}>
      <figcaption className="mb-1 text-sm font-medium text-slate-700">{title}</figcaption>
      {data.length === 0 ? (
        <div className="flex h-40 items-center justify-center text-xs text-slate-400">no points yet</div>
      ) : (
        <ResponsiveContainer width="100%" height={160}>
          <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey={x} tick={{ fontSize: 10 }} />
            <YAxis tick={{ fontSize: 10 }} width={48} domain={["auto", "auto"]} tickFormatter={(v: number) => (Math.abs(v) < 0.01 && v !== 0 ? v.toExponential(0) : String(Math.round(v * 100) / 100))} />
            <Tooltip formatter={(v) => (typeof v === "number" ? v.toPrecision(4) : String(v))} />
            {series.map((s) => (
              <Line key={s.key} type="monotone" dataKey={s.key} name={s.label} stroke={s.color} dot={data.length < 40} isAnimationActive={false} connectNulls />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </figure>
  );
}
