export function ComingSoon({ title, what }: { title: string; what: string }) {
  return (
    <section>
      <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
      <div className="mt-6 rounded-xl border border-dashed border-slate-300 bg-white p-8 text-slate-600">
        <p className="font-medium">Coming in a later release.</p>
        <p className="mt-1 text-sm">{what}</p>
      </div>
    </section>
  );
}
