/**
 * Per-user API keys: created once in full and stored only as a hash, authenticate their owner
 * (read fresh from users), stop working when revoked, owner-only revocation, at most 10 active
 * keys per user, named 1–60 characters; audited; served as me.apiKeys.* to signed-in users.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { appRouter } from "@/server/api/root";
import { createCallerFactory, type SessionUser } from "@/server/api/trpc";
import type { DbHandle } from "@/server/db/client";
import { apiKeys, auditLog } from "@/server/db/schema";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { AppError } from "@/server/errors";
import { authenticateApiKey } from "@/server/services/authenticateApiKey";
import { changeUserRole } from "@/server/services/changeUserRole";
import { MAX_ACTIVE_API_KEYS, createApiKey, hashApiKey } from "@/server/services/createApiKey";
import { createUser } from "@/server/services/createUser";
import { listApiKeys } from "@/server/services/listApiKeys";
import { revokeApiKey } from "@/server/services/revokeApiKey";

async function appError(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error("expected an AppError");
}

describe(`API keys (${testDbKind()})`, () => {
  let handle: DbHandle;
  let mia: SessionUser;
  let ola: SessionUser;
  let admin: SessionUser;
  beforeAll(async () => {
    handle = await createTestDb();
    const asSession = (u: { id: string; email: string; name: string; role: "marketer" | "admin" }) => ({ id: u.id, email: u.email, name: u.name, role: u.role });
    mia = asSession(await createUser(handle.db, { email: "mia@keys.test", name: "Mia", password: "password123", role: "marketer" }, null));
    ola = asSession(await createUser(handle.db, { email: "ola@keys.test", password: "password123", role: "marketer" }, null));
    admin = asSession(await createUser(handle.db, { email: "root@keys.test", password: "password123", role: "admin" }, null));
  });
  afterAll(() => handle?.close());

  it("creates a key shown once, stored only as its sha256, that authenticates its owner", async () => {
    const created = await createApiKey(handle.db, mia.id, { name: "  scheduler  " });
    expect(created.key).toMatch(/^boig_[0-9a-f]{8}_[A-Za-z0-9_-]{32}$/);
    expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);
    expect(created.name).toBe("scheduler");

    const [row] = await handle.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(row!.keyHash).toBe(hashApiKey(created.key));
    expect(row!.keyHash).toMatch(/^[0-9a-f]{64}$/);
    const secret = created.key.slice(created.prefix.length + 1);
    for (const value of Object.values(row!)) expect(String(value)).not.toContain(secret);
    expect(row!.lastUsedAt).toBeNull();

    expect(await authenticateApiKey(handle.db, created.key)).toEqual(mia);
    const [used] = await handle.db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(used!.lastUsedAt).toBeInstanceOf(Date);

    const listed = await listApiKeys(handle.db, mia.id);
    expect(listed).toEqual([expect.objectContaining({ id: created.id, name: "scheduler", prefix: created.prefix, status: "active", revokedAt: null })]);
    expect(listed[0]).not.toHaveProperty("keyHash");
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it("writes lastUsedAt at most once a minute", async () => {
    const created = await createApiKey(handle.db, mia.id, { name: "busy" });
    await authenticateApiKey(handle.db, created.key);
    const first = (await handle.db.select().from(apiKeys).where(eq(apiKeys.id, created.id)))[0]!.lastUsedAt!;
    await new Promise((r) => setTimeout(r, 20));
    await authenticateApiKey(handle.db, created.key);
    const second = (await handle.db.select().from(apiKeys).where(eq(apiKeys.id, created.id)))[0]!.lastUsedAt!;
    expect(second.getTime()).toBe(first.getTime());
    // An hour-old use is refreshed.
    await handle.db.update(apiKeys).set({ lastUsedAt: new Date(Date.now() - 3_600_000) }).where(eq(apiKeys.id, created.id));
    await authenticateApiKey(handle.db, created.key);
    const third = (await handle.db.select().from(apiKeys).where(eq(apiKeys.id, created.id)))[0]!.lastUsedAt!;
    expect(Date.now() - third.getTime()).toBeLessThan(60_000);
    await revokeApiKey(handle.db, mia.id, { id: created.id });
  });

  it("refuses unknown, malformed and revoked keys", async () => {
    const created = await createApiKey(handle.db, mia.id, { name: "short-lived" });
    const forged = `${created.prefix}_${"A".repeat(32)}`;
    expect(await authenticateApiKey(handle.db, forged)).toBeNull();
    expect(await authenticateApiKey(handle.db, "")).toBeNull();
    expect(await authenticateApiKey(handle.db, "not a key")).toBeNull();
    expect(await authenticateApiKey(handle.db, hashApiKey(created.key))).toBeNull(); // the hash is not a key

    const revoked = await revokeApiKey(handle.db, mia.id, { id: created.id });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await authenticateApiKey(handle.db, created.key)).toBeNull();
    // Revoking again keeps the first time.
    expect((await revokeApiKey(handle.db, mia.id, { id: created.id })).revokedAt.getTime()).toBe(revoked.revokedAt.getTime());
    expect((await listApiKeys(handle.db, mia.id)).find((k) => k.id === created.id)!.status).toBe("revoked");
  });

  it("lets only the owner revoke a key: NOT_FOUND for anyone else, admins included", async () => {
    const created = await createApiKey(handle.db, mia.id, { name: "mine" });
    expect((await appError(revokeApiKey(handle.db, ola.id, { id: created.id }))).code).toBe("NOT_FOUND");
    expect((await appError(revokeApiKey(handle.db, admin.id, { id: created.id }))).code).toBe("NOT_FOUND");
    expect((await appError(revokeApiKey(handle.db, mia.id, { id: "00000000-0000-4000-8000-000000000000" }))).code).toBe("NOT_FOUND");
    expect(await authenticateApiKey(handle.db, created.key)).toEqual(mia);
    const bad = await appError(revokeApiKey(handle.db, mia.id, { id: "nope" }));
    expect(bad.code).toBe("BAD_INPUT");
    expect(bad.details!.fields).toEqual([{ path: "id", message: "is not an API key id" }]);
    expect(await listApiKeys(handle.db, ola.id)).toEqual([]);
  });

  it("acts with the owner's current role, read fresh on every call", async () => {
    const created = await createApiKey(handle.db, ola.id, { name: "role check" });
    expect((await authenticateApiKey(handle.db, created.key))!.role).toBe("marketer");
    await changeUserRole(handle.db, { userId: ola.id, role: "admin" }, admin.id);
    expect((await authenticateApiKey(handle.db, created.key))!.role).toBe("admin");
    await changeUserRole(handle.db, { userId: ola.id, role: "marketer" }, admin.id);
    expect((await authenticateApiKey(handle.db, created.key))!.role).toBe("marketer");
  });

  it(`allows at most ${MAX_ACTIVE_API_KEYS} active keys per user, with a clear error for the next`, async () => {
    const active = (await listApiKeys(handle.db, admin.id)).filter((k) => k.status === "active").length;
    const made = [];
    for (let i = active; i < MAX_ACTIVE_API_KEYS; i++) made.push(await createApiKey(handle.db, admin.id, { name: `key ${i + 1}` }));
    const refused = await appError(createApiKey(handle.db, admin.id, { name: "one too many" }));
    expect(refused.code).toBe("CONFLICT");
    expect(refused.message).toBe(`You already have ${MAX_ACTIVE_API_KEYS} active API keys, the most allowed: revoke one you no longer use first.`);
    // Revoked keys do not count; other users are unaffected.
    await revokeApiKey(handle.db, admin.id, { id: made[0]!.id });
    await createApiKey(handle.db, admin.id, { name: "replacement" });
    await createApiKey(handle.db, ola.id, { name: "ola's second" });
  });

  it("rejects bad names naming the field", async () => {
    for (const [name, message] of [
      ["", "is required (e.g. the integration that will use the key)"],
      ["    ", "is required (e.g. the integration that will use the key)"],
      ["x".repeat(61), "is longer than 60 characters"],
      [undefined, "is required"],
      [42, "is required"],
    ] as const) {
      const err = await appError(createApiKey(handle.db, mia.id, { name } as { name: string }));
      expect(err.code).toBe("BAD_INPUT");
      expect(err.details!.fields).toEqual([{ path: "name", message }]);
    }
    expect((await createApiKey(handle.db, mia.id, { name: "x".repeat(60) })).name).toHaveLength(60);
  });

  it("audits creation and revocation, without the key", async () => {
    const created = await createApiKey(handle.db, ola.id, { name: "audited" });
    await revokeApiKey(handle.db, ola.id, { id: created.id });
    const entries = await handle.db.select().from(auditLog).where(eq(auditLog.target, created.id));
    expect(entries.map((e) => [e.action, e.actorId])).toEqual([
      ["apikey.create", ola.id],
      ["apikey.revoke", ola.id],
    ]);
    expect(JSON.stringify(entries)).not.toContain(created.key);
  });

  it("is served as me.apiKeys.* to the signed-in user, for their own keys", async () => {
    const caller = createCallerFactory(appRouter);
    const asMia = caller({ db: handle.db, user: mia });
    const asOla = caller({ db: handle.db, user: ola });
    const created = await asMia.me.apiKeys.create({ name: "from tRPC" });
    expect(created.key).toMatch(/^boig_/);
    expect((await asMia.me.apiKeys.list()).map((k) => k.name)).toContain("from tRPC");
    expect((await asOla.me.apiKeys.list()).map((k) => k.name)).not.toContain("from tRPC");
    await expect(asOla.me.apiKeys.revoke({ id: created.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(asMia.me.apiKeys.create({ name: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await asMia.me.apiKeys.revoke({ id: created.id });
    expect(await authenticateApiKey(handle.db, created.key)).toBeNull();
    await expect(caller({ db: handle.db, user: null }).me.apiKeys.list()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
