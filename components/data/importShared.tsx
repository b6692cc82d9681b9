"use client";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import { STATUS_STYLE } from "../statusStyle";

export type ImportView = inferRouterOutputs<AppRouter>["admin"]["data"]["importJob"];
export type ReportView = ImportView["reports"][number];

export const card = "rounded-xl border border-slate-200 bg-white p-6";
export const inputClass =
  "mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-100";
export const buttonClass = "rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60";
export const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);


export function StatusBadge({ status }: { status: string }) {
  return <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[status] ?? ""}`}>{status}</span>;
}

/** A 0..1 fraction as a labelled bar (screen readers read its label and percentage). */
export function ProgressBar({ label, fraction }: { label: string; fraction: number }) {
  const percent = Math.round(Math.min(1, Math.max(0, fraction)) * 100);
  return (
    <div className="h-2 overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
      <div className="h-full rounded-full bg-brand-500 transition-[width] duration-500" style={{ width: `${percent}%` }} />
    </div>
  );
}

export const formatBytes = (n: number) => (n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`);

export function sourceText(source: ImportView["source"]) {
  if (source.type === "upload") return `Upload${source.fileName ? ` ${source.fileName}` : ""}${source.bytes ? ` (${formatBytes(source.bytes)})` : ""}`;
  if (source.type === "demo") return "Demo world (first start)";
  return `Server folder ${source.dir}`;
}

const BUCKET_ORDER = ["high", "medium", "low", "none"];
export const bucketText = (buckets: Record<string, number>) =>
  Object.entries(buckets)
    .sort(([a], [b]) => BUCKET_ORDER.indexOf(a) - BUCKET_ORDER.indexOf(b))
    .map(([b, n]) => `${b} ${n}`)
    .join(" · ") || "no posts";
