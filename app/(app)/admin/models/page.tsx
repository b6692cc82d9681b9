import { ModelsAdmin } from "@/components/ModelsAdmin";

export default function ModelsPage() {
  return <ModelsAdmin />;
}
