import type { users } from "../db/schema";

/** A user as the API shows it: never the password hash. */
export type PublicUser = Pick<typeof users.$inferSelect, "id" | "email" | "name" | "role" | "createdAt">;

export const toPublicUser = (row: typeof users.$inferSelect): PublicUser => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
  createdAt: row.createdAt,
});
