import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import { createUser } from "./createUser";

/**
 * First start: if there is no admin, create one from BOIG_ADMIN_EMAIL / BOIG_ADMIN_PASSWORD,
 * or with a random password that is returned (and printed once by the caller).
 */
export async function ensureFirstAdmin(
  db: Db,
  config: { email?: string; password?: string },
): Promise<{ created: false } | { created: true; email: string; generatedPassword: string | null }> {
  const admins = await db.select({ id: users.id }).from(users).where(eq(users.role, "admin")).limit(1);
  if (admins.length > 0) return { created: false };
  const email = config.email ?? "admin@boig.local";
  const generatedPassword = config.password ? null : randomBytes(12).toString("base64url");
  const existing = await db.select({ id: users.id }).from(users).where(eq(users.email, email.toLowerCase()));
  if (existing[0]) {
    // The configured email exists as a marketer: promote it rather than fail the start.
    await db.update(users).set({ role: "admin" }).where(eq(users.id, existing[0].id));
    return { created: true, email, generatedPassword: null };
  }
  await createUser(db, { email, name: "Admin", password: config.password ?? generatedPassword!, role: "admin" }, null);
  return { created: true, email, generatedPassword };
}
