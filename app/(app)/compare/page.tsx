import { CompareWorkspace } from "@/components/CompareWorkspace";

export default function ComparePage() {
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Compare</h1>
        <p className="mt-1 text-sm text-slate-600">Your selected variants and uploads side by side: which one to post, and why.</p>
      </div>
      <CompareWorkspace />
    </section>
  );
}
