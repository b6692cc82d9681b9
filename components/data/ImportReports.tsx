"use client";
import { bucketText, type ReportView } from "./importShared";

/** One import's outcome per file: counts, KPI buckets, and the rejected rows with their reasons. */
export function ImportReports({ reports }: { reports: ReportView[] }) {
  if (reports.length === 0) return <p className="text-sm text-slate-500">No import report: nothing was imported.</p>;
  return (
    <div className="space-y-4">
      {reports.map((r) => (
        <ReportCard key={r.id} report={r} />
      ))}
    </div>
  );
}

function ReportCard({ report: r }: { report: ReportView }) {
  return (
    <section aria-label={`Import report for ${r.dataset ?? r.file}`} className="rounded-lg border border-slate-200 p-4">
      <h4 className="font-medium">
        {r.dataset ?? "(deleted dataset)"} <span className="font-normal text-slate-500">from {r.file}</span>
      </h4>
      <dl className="mt-2 grid grid-cols-2 gap-x-6 gap-y-1 text-sm sm:grid-cols-5">
        <Count label="New" value={r.inserted} />
        <Count label="Updated" value={r.updated} />
        <Count label="Unchanged" value={r.unchanged} />
        <Count label="Rejected" value={r.rejected} alert={r.rejected > 0} />
        <div><dt className="text-slate-500">KPI buckets</dt><dd className="text-xs text-slate-700">{bucketText(r.buckets)}</dd></div>
      </dl>
      {r.rejected === 0 ? (
        <p className="mt-3 text-sm text-green-700">Every row was imported.</p>
      ) : (
        <div className="mt-3 space-y-2">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <p className="text-sm text-slate-600">
              {r.rejected > r.errors.length ? `The first ${r.errors.length} of ${r.rejected} rejected rows` : `${r.rejected} rejected row${r.rejected === 1 ? "" : "s"}`}; the good rows were imported.
            </p>
            <a href={`/api/admin/imports/${r.id}/errors.csv`} download className="text-sm font-medium text-brand-600 hover:underline">
              Download error report (CSV)
            </a>
          </div>
          <div className="max-h-80 overflow-auto rounded-md border border-slate-100">
            <table className="w-full text-left text-sm">
              <thead className="sticky top-0 bg-slate-50 text-slate-500">
                <tr><th className="px-3 py-1.5 font-medium">Line</th><th className="px-3 py-1.5 font-medium">Column</th><th className="px-3 py-1.5 font-medium">Reason</th></tr>
              </thead>
              <tbody>
                {r.errors.map((e, i) => (
                  <tr key={`${e.line}-${e.column}-${i}`} className="border-t border-slate-100 align-top">
                    <td className="px-3 py-1.5 tabular-nums">{e.line}</td>
                    <td className="px-3 py-1.5 font-mono text-xs">{e.column}</td>
                    <td className="px-3 py-1.5">{e.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}

function Count({ label, value, alert }: { label: string; value: number; alert?: boolean }) {
  return (
    <div>
      <dt className="text-slate-500">{label}</dt>
      <dd className={`font-medium tabular-nums ${alert ? "text-red-700" : ""}`}>{value}</dd>
    </div>
  );
}
