import { asc } from "drizzle-orm";
import type { Db } from "../db/client";
import { users } from "../db/schema";
import { toPublicUser } from "./publicUser";

export async function listUsers(db: Db) {
  const rows = await db.select().from(users).orderBy(asc(users.createdAt), asc(users.email));
  return rows.map(toPublicUser);
}
