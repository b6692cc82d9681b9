import { GenerateWorkspace } from "@/components/GenerateWorkspace";

export default function GeneratePage() {
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Generate</h1>
        <p className="mt-1 text-sm text-slate-600">BoigLLM's behavior-conditioned verbalization: how an image for this post should look to hit the KPI you want.</p>
      </div>
      <GenerateWorkspace />
    </section>
  );
}
