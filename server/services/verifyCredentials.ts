import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import { verifyPassword } from "../auth/password";
import { toPublicUser } from "./publicUser";
import { emailSchema } from "./validation";

// Compared against when the email is unknown, so both paths cost one bcrypt verification.
const DUMMY_HASH = "$2b$11$y9XWn0C5XoeXTTdhwrcMr.VVJQJiBR4C0j8kEb0Evg3BbQPkduz0K";

/** The user for these credentials, or null. Timing does not reveal whether the email exists. */
export async function verifyCredentials(db: Db, email: unknown, password: unknown) {
  const parsedEmail = emailSchema.safeParse(email);
  if (!parsedEmail.success || typeof password !== "string" || password.length === 0) return null;
  const [row] = await db.select().from(users).where(eq(users.email, parsedEmail.data));
  const ok = await verifyPassword(password, row?.passwordHash ?? DUMMY_HASH);
  return row && ok ? toPublicUser(row) : null;
}
