/**
 * A user revokes one of their API keys: from then on it authenticates nothing. Owner only —
 * another user's key id gets NOT_FOUND (whether it exists is not theirs to learn). Revoking an
 * already revoked key is a no-op that keeps the first revocation time.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { apiKeys } from "../db/schema";
import { notFound } from "../errors";
import { recordAudit } from "./recordAudit";
import { parseInput } from "./validation";

export const revokeApiKeyInput = z.object({ id: z.string({ error: "is required" }).uuid({ error: "is not an API key id" }) });

export async function revokeApiKey(db: Db, userId: string, input: z.input<typeof revokeApiKeyInput>) {
  const { id } = parseInput(revokeApiKeyInput, input);
  const [revoked] = await db
    .update(apiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix, revokedAt: apiKeys.revokedAt });
  if (revoked) {
    await recordAudit(db, { actorId: userId, action: "apikey.revoke", target: id, details: { name: revoked.name, prefix: revoked.prefix } });
    return { id, revokedAt: revoked.revokedAt! };
  }
  const [existing] = await db
    .select({ revokedAt: apiKeys.revokedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)));
  if (!existing?.revokedAt) throw notFound("API key");
  return { id, revokedAt: existing.revokedAt };
}
