import { ComingSoon } from "@/components/ComingSoon";

export default function ScorePage() {
  return <ComingSoon title="Score" what="Upload your own creative and get its predicted KPI with the reasons behind it." />;
}
