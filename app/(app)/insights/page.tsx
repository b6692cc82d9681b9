import { DatasetInsights } from "@/components/DatasetInsights";

export default function InsightsPage() {
  return (
    <section className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Insights</h1>
      <DatasetInsights />
    </section>
  );
}
