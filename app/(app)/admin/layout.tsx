import { forbidden } from "next/navigation";
import { getSessionUser } from "@/server/auth/currentUser";

export const dynamic = "force-dynamic";

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const user = await getSessionUser();
  if (user?.role !== "admin") forbidden();
  return <>{children}</>;
}
