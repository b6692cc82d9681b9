import { z } from "zod";
import { and, eq, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import { conflict, notFound } from "../errors";
import { parseInput, roleSchema } from "./validation";
import { recordAudit } from "./recordAudit";
import { toPublicUser } from "./publicUser";

export const changeUserRoleInput = z.object({ userId: z.string().uuid("userId must be a UUID"), role: roleSchema });

/** Sets a user's role. Invariant: at least one admin always remains. */
export async function changeUserRole(db: Db, input: z.input<typeof changeUserRoleInput>, actorId: string) {
  const { userId, role } = parseInput(changeUserRoleInput, input);
  return db.transaction(async (tx) => {
    // Lock the admin rows so two concurrent demotions cannot both pass the last-admin check.
    const admins = await tx.select({ id: users.id }).from(users).where(eq(users.role, "admin")).for("update");
    const [target] = await tx.select().from(users).where(eq(users.id, userId));
    if (!target) throw notFound("User");
    if (target.role === "admin" && role !== "admin" && admins.length <= 1)
      throw conflict("Cannot remove the last admin; make another user admin first");
    const [updated] = await tx
      .update(users)
      .set({ role, updatedAt: sql`now()` })
      .where(and(eq(users.id, userId), ne(users.role, role)))
      .returning();
    if (updated)
      await recordAudit(tx as unknown as Db, { actorId, action: "user.role", target: userId, details: { from: target.role, to: role } });
    return toPublicUser(updated ?? target);
  });
}
