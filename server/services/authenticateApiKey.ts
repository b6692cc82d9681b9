/**
 * The user an API key stands for, or null (malformed, unknown or revoked key). The user is read
 * from the users table on every call, as sessions are (server/auth/currentUser.ts): a role change
 * or a deleted user takes effect on the key's next request.
 *
 * The key is found by its sha256 (a unique index), never compared as text: response time tells an
 * attacker nothing about how much of a guessed key was right.
 */
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { SessionUser } from "../api/trpc";
import type { Db } from "../db/client";
import { apiKeys, users } from "../db/schema";
import { API_KEY_PATTERN, hashApiKey } from "./createApiKey";

/** lastUsedAt is written at most this often per key: a busy integration is not a write per call. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export async function authenticateApiKey(db: Db, key: string): Promise<SessionUser | null> {
  if (!API_KEY_PATTERN.test(key)) return null;
  const [row] = await db
    .select({ keyId: apiKeys.id, lastUsedAt: apiKeys.lastUsedAt, id: users.id, email: users.email, name: users.name, role: users.role })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.keyHash, hashApiKey(key)), isNull(apiKeys.revokedAt)));
  if (!row) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // The condition is repeated in SQL so concurrent requests do not each write it.
    await db
      .update(apiKeys)
      .set({ lastUsedAt: sql`now()` })
      .where(
        and(
          eq(apiKeys.id, row.keyId),
          or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, sql`now() - make_interval(secs => ${LAST_USED_RESOLUTION_MS / 1000}::double precision)`)),
        ),
      );
  }
  return { id: row.id, email: row.email, name: row.name, role: row.role };
}
