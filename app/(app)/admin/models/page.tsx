import { ComingSoon } from "@/components/ComingSoon";

export default function ModelsPage() {
  return <ComingSoon title="Models" what="The model registry: manifests, active versions, promote and roll back." />;
}
