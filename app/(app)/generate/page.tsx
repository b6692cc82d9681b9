import { Suspense } from "react";
import { GenerateWorkspace } from "@/components/GenerateWorkspace";

export default function GeneratePage() {
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Generate</h1>
        <p className="mt-1 text-sm text-slate-600">Behavior-optimized variants: BoigLLM says how the image should look to hit your KPI, BoigSD paints it, and every variant is scored.</p>
      </div>
      <Suspense>
        <GenerateWorkspace />
      </Suspense>
    </section>
  );
}
