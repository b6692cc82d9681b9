/** Badge colours of job-like statuses (imports, runs, generations): one palette app-wide. */
export const STATUS_STYLE: Record<string, string> = {
  queued: "bg-slate-100 text-slate-700",
  running: "bg-blue-100 text-blue-800",
  succeeded: "bg-green-100 text-green-800",
  failed: "bg-red-100 text-red-800",
  cancelled: "bg-amber-100 text-amber-800",
  interrupted: "bg-orange-100 text-orange-800",
};
