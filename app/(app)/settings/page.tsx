import { ApiKeysSettings } from "@/components/ApiKeysSettings";

export default function SettingsPage() {
  return <ApiKeysSettings />;
}
