/**
 * A user creates a personal API key for the REST API (issue: "API for integration"). The key is
 * `boig_<8 hex>_<32 base64url>`: 192 random bits of secret plus a visible prefix, so a user can
 * tell keys apart in Settings without the database holding anything that works as a key.
 *
 * Only sha256(key) is stored. A fast hash is enough here (unlike passwords): the key is long and
 * random, so there is nothing to brute-force from the hash. The full key is returned once, by
 * this call; it cannot be shown again.
 */
import { createHash, randomBytes } from "node:crypto";
import { and, count, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { queryRows, type Db } from "../db/client";
import { apiKeys } from "../db/schema";
import { conflict } from "../errors";
import { recordAudit } from "./recordAudit";
import { parseInput } from "./validation";

/** Active (unrevoked) keys a user may hold at once: enough for a few integrations, few to leak. */
export const MAX_ACTIVE_API_KEYS = 10;

export const createApiKeyInput = z.object({
  name: z
    .string({ error: "is required" })
    .trim()
    .min(1, { error: "is required (e.g. the integration that will use the key)" })
    .max(60, { error: "is longer than 60 characters" }),
});

/** sha256 hex of the whole key: how keys are stored and looked up. */
export const hashApiKey = (key: string) => createHash("sha256").update(key, "utf8").digest("hex");

/** The shape of a key this app issued; anything else is refused without a database lookup. */
export const API_KEY_PATTERN = /^boig_[0-9a-f]{8}_[A-Za-z0-9_-]{32}$/;

export async function createApiKey(db: Db, userId: string, input: z.input<typeof createApiKeyInput>) {
  const { name } = parseInput(createApiKeyInput, input);
  // Hex, not base64url, for the prefix: it never contains the "_" that separates the parts.
  const prefix = `boig_${randomBytes(4).toString("hex")}`;
  const key = `${prefix}_${randomBytes(24).toString("base64url")}`;
  const row = await db.transaction(async (tx) => {
    // One lock per user, released at commit: two concurrent creates cannot both pass the cap.
    await queryRows(tx, sql`select pg_advisory_xact_lock(hashtext(${`api-keys:${userId}`}))`);
    const [active] = await tx
      .select({ n: count() })
      .from(apiKeys)
      .where(and(eq(apiKeys.userId, userId), isNull(apiKeys.revokedAt)));
    if ((active?.n ?? 0) >= MAX_ACTIVE_API_KEYS)
      throw conflict(`You already have ${MAX_ACTIVE_API_KEYS} active API keys, the most allowed: revoke one you no longer use first.`);
    const [inserted] = await tx.insert(apiKeys).values({ userId, name, prefix, keyHash: hashApiKey(key) }).returning();
    return inserted!;
  });
  await recordAudit(db, { actorId: userId, action: "apikey.create", target: row.id, details: { name, prefix } });
  return { id: row.id, name: row.name, prefix: row.prefix, createdAt: row.createdAt, key };
}
