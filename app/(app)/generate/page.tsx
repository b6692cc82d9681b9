import { ComingSoon } from "@/components/ComingSoon";

export default function GeneratePage() {
  return <ComingSoon title="Generate" what="Pick a brand, date, prompt and target KPI; get BoigLLM's verbalization and scored BoigSD variants." />;
}
