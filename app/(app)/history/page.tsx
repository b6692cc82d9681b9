import { HistoryList } from "@/components/HistoryList";

export default function HistoryPage() {
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">History</h1>
        <p className="mt-1 text-sm text-slate-600">Every generation and scored upload, with the models that made it. Export one, or a brand's whole campaign, as a ZIP of images plus a CSV of scores.</p>
      </div>
      <HistoryList />
    </section>
  );
}
