import { getServerSession } from "next-auth";
import { eq } from "drizzle-orm";
import { getDb } from "../db/client";
import { users } from "../db/schema";
import type { SessionUser } from "../api/trpc";
import { authOptions } from "./options";

/** The signed-in user as the database has them now, or null (no session, or user deleted). */
export async function getSessionUser(): Promise<SessionUser | null> {
  const session = (await getServerSession(authOptions())) as { uid?: string | null } | null;
  if (!session?.uid) return null;
  const [row] = await (await getDb()).select().from(users).where(eq(users.id, session.uid));
  return row ? { id: row.id, email: row.email, name: row.name, role: row.role } : null;
}
