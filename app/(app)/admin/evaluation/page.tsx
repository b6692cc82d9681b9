import { EvaluationAdmin } from "@/components/evals/EvaluationAdmin";

export default function EvaluationPage() {
  return <EvaluationAdmin />;
}
