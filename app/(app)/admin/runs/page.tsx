import { RunsAdmin } from "@/components/RunsAdmin";

export default function RunsPage() {
  return <RunsAdmin />;
}
