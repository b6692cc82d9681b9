import { ComingSoon } from "@/components/ComingSoon";

export default function HistoryPage() {
  return <ComingSoon title="History" what="Every generation and score, per brand, exportable as a campaign ZIP." />;
}
