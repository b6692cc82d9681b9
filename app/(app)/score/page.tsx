import { ScoreWorkspace } from "@/components/ScoreWorkspace";

export default function ScorePage() {
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">Score</h1>
        <p className="mt-1 text-sm text-slate-600">Your own creative, scored by BoigLLM: how likely it is to reach a high KPI for this post, and the reasons.</p>
      </div>
      <ScoreWorkspace />
    </section>
  );
}
