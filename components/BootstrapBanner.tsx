"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "./trpc";

/** While the first-start demo data is prepared, everyone sees how far it is; the app stays usable. */
export function BootstrapBanner() {
  const trpc = useTRPC();
  const status = useQuery({
    ...trpc.data.bootstrapStatus.queryOptions(),
    refetchInterval: (q) => (q.state.data && ["queued", "running"].includes(q.state.data.status) ? 2000 : false),
  });
  const s = status.data;
  if (!s || !["queued", "running", "failed"].includes(s.status)) return null;
  if (s.status === "failed")
    return <div role="status" className="border-b border-red-200 bg-red-50 px-6 py-2 text-sm text-red-800">Preparing the demo data failed: {s.error}. An admin can import data under Admin → Data.</div>;
  const percent = Math.round(s.progress * 100);
  return (
    <div role="status" aria-label="Demo data" className="flex items-center gap-3 border-b border-brand-100 bg-brand-50 px-6 py-2 text-sm text-brand-700">
      <span>Preparing the demo data (generate, import, verbalize): {percent}%</span>
      <div className="h-1.5 w-48 rounded-full bg-white"><div className="h-1.5 rounded-full bg-brand-500" style={{ width: `${percent}%` }} /></div>
      <span className="truncate text-xs text-brand-600">{s.message}</span>
    </div>
  );
}
