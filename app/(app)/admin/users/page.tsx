import { UsersAdmin } from "@/components/UsersAdmin";

export default function UsersPage() {
  return <UsersAdmin />;
}
