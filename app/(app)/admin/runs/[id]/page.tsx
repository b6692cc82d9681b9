import Link from "next/link";
import { RunDetail } from "@/components/runs/RunDetail";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <section className="space-y-6">
      <div>
        <Link href="/admin/runs" className="text-sm text-brand-700 hover:underline">← Runs</Link>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight">Run</h1>
      </div>
      <RunDetail id={id} />
    </section>
  );
}
