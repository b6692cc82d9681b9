import { DatasetInsights } from "@/components/DatasetInsights";

export default async function InsightsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { dataset } = await searchParams;
  return (
    <section className="space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight">Insights</h1>
      <DatasetInsights initialDataset={typeof dataset === "string" ? dataset : undefined} />
    </section>
  );
}
