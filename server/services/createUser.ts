import { z } from "zod";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import { conflict } from "../errors";
import { hashPassword } from "../auth/password";
import { emailSchema, parseInput, passwordSchema, roleSchema } from "./validation";
import { recordAudit } from "./recordAudit";
import { toPublicUser } from "./publicUser";

export const createUserInput = z.object({
  email: emailSchema,
  name: z.string().trim().max(100, "Name must be at most 100 characters").default(""),
  password: passwordSchema,
  role: roleSchema.default("marketer"),
});

/** Adds a user; the email must be new. `actorId` is the admin doing it (null at bootstrap). */
export async function createUser(db: Db, input: z.input<typeof createUserInput>, actorId: string | null) {
  const data = parseInput(createUserInput, input);
  const existing = await db.select({ id: users.id }).from(users).where(eq(users.email, data.email));
  if (existing.length > 0) throw conflict(`A user with email ${data.email} already exists`);
  const [row] = await db
    .insert(users)
    .values({ email: data.email, name: data.name, role: data.role, passwordHash: await hashPassword(data.password) })
    .returning();
  await recordAudit(db, { actorId, action: "user.create", target: row!.id, details: { email: data.email, role: data.role } });
  return toPublicUser(row!);
}
