/**
 * Sign-in security (issue 8, docs/security.md): bcrypt parameters, the brute-force brake on the
 * credentials provider (per email + client address, through next-auth's authorize as configured),
 * and where the session-signing secret comes from.
 */
import fs from "node:fs";
import path from "node:path";
import bcrypt from "bcryptjs";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { DbHandle } from "@/server/db/client";
import { users } from "@/server/db/schema";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { AppError } from "@/server/errors";
import { hashPassword, verifyPassword } from "@/server/auth/password";
import { authorizeSignIn, clientAddress, resetSignInThrottle, SIGN_IN_MAX_FAILURES, SIGN_IN_WINDOW_MS } from "@/server/auth/signInThrottle";
import { createUser } from "@/server/services/createUser";
import { useTempDataDir } from "./tempDataDir";

// next-auth's authorize opens the process-wide database: point it at this file's test database.
const testDb = vi.hoisted(() => ({ db: null as unknown }));
vi.mock("@/server/db/client", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/server/db/client")>()),
  getDb: async () => testDb.db,
}));

const EMAIL = "owner@auth.test";
const PASSWORD = "correct-horse-1";

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected the sign-in to be refused");
}

describe(`sign-in security (${testDbKind()})`, () => {
  const temp = useTempDataDir("auth-security");
  let handle: DbHandle;
  beforeAll(async () => {
    temp.enter();
    handle = await createTestDb();
    testDb.db = handle.db;
    await createUser(handle.db, { email: EMAIL, password: PASSWORD, role: "marketer" }, null);
  });
  afterAll(async () => {
    await handle?.close();
    temp.leave();
  });
  beforeEach(() => resetSignInThrottle());

  it("hashes passwords with bcrypt at cost ≥ 10 (11: ~150 ms on this machine), salted per hash", async () => {
    const [a, b] = [await hashPassword(PASSWORD), await hashPassword(PASSWORD)];
    expect(a).toMatch(/^\$2[aby]\$\d\d\$/);
    expect(bcrypt.getRounds(a)).toBeGreaterThanOrEqual(10);
    expect(a).not.toBe(b); // a fresh salt each time: equal passwords do not give equal hashes
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword("wrong", a)).toBe(false);
    const [row] = await handle.db.select().from(users).where(eq(users.email, EMAIL));
    expect(bcrypt.getRounds(row!.passwordHash)).toBeGreaterThanOrEqual(10); // what createUser stores
  });

  it(`refuses an email + address after ${SIGN_IN_MAX_FAILURES} wrong passwords in ${SIGN_IN_WINDOW_MS / 60000} minutes, even with the right one`, async () => {
    const t0 = Date.UTC(2024, 2, 15, 12);
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) expect(await authorizeSignIn(handle.db, EMAIL, `guess-${i}`, "198.51.100.7", t0 + i * 1000)).toBeNull();
    const refused = await refusal(authorizeSignIn(handle.db, EMAIL, PASSWORD, "198.51.100.7", t0 + 20_000));
    expect(refused.code).toBe("RATE_LIMITED");
    expect(refused.message).toMatch(/^Too many failed sign-ins: try again in 15 minutes\.$/);
    expect(refused.details?.retryAfterSeconds).toBe(SIGN_IN_WINDOW_MS / 1000 - 20);
    // The same email from another address, and another email from this one, are not affected.
    expect(await authorizeSignIn(handle.db, EMAIL, PASSWORD, "203.0.113.5", t0 + 21_000)).toMatchObject({ email: EMAIL });
    expect(await authorizeSignIn(handle.db, "other@auth.test", "x", "198.51.100.7", t0 + 21_000)).toBeNull();
    // The email is matched as the sign-in form normalizes it.
    expect((await refusal(authorizeSignIn(handle.db, " OWNER@auth.test ", PASSWORD, "198.51.100.7", t0 + 22_000))).code).toBe("RATE_LIMITED");
    // Once the first failure leaves the window, one more attempt is allowed.
    expect(await authorizeSignIn(handle.db, EMAIL, PASSWORD, "198.51.100.7", t0 + SIGN_IN_WINDOW_MS + 1)).toMatchObject({ email: EMAIL });
  });

  it("a successful sign-in clears the count", async () => {
    const t0 = Date.UTC(2024, 2, 15, 12);
    for (let i = 0; i < SIGN_IN_MAX_FAILURES - 1; i++) await authorizeSignIn(handle.db, EMAIL, "typo", "192.0.2.1", t0 + i);
    expect(await authorizeSignIn(handle.db, EMAIL, PASSWORD, "192.0.2.1", t0 + 100)).not.toBeNull();
    for (let i = 0; i < SIGN_IN_MAX_FAILURES - 1; i++) expect(await authorizeSignIn(handle.db, EMAIL, "typo", "192.0.2.1", t0 + 200 + i)).toBeNull();
    expect(await authorizeSignIn(handle.db, EMAIL, PASSWORD, "192.0.2.1", t0 + 300)).not.toBeNull();
  });

  it("is what next-auth's credentials provider runs, with the address from X-Forwarded-For", async () => {
    const { authOptions } = await import("@/server/auth/options");
    const provider = authOptions().providers[0] as unknown as { options: { authorize: (credentials: unknown, req: unknown) => Promise<unknown> } };
    const authorize = (password: string) => provider.options.authorize({ email: EMAIL, password }, { headers: { "x-forwarded-for": "198.51.100.9, 10.0.0.1" } });
    expect(await authorize(PASSWORD)).toMatchObject({ email: EMAIL });
    for (let i = 0; i < SIGN_IN_MAX_FAILURES; i++) expect(await authorize("nope")).toBeNull();
    await expect(authorize(PASSWORD)).rejects.toThrow(/^Too many failed sign-ins/);
  });

  it("reads the client address from X-Forwarded-For, then X-Real-IP", () => {
    expect(clientAddress({ "x-forwarded-for": " 198.51.100.1 , 10.0.0.2" })).toBe("198.51.100.1");
    expect(clientAddress(new Headers({ "x-real-ip": "192.0.2.44" }))).toBe("192.0.2.44");
    expect(clientAddress({})).toBeNull();
    expect(clientAddress(undefined)).toBeNull();
  });

  it("takes the session secret from NEXTAUTH_SECRET, else generates one kept 0600 in the data dir", async () => {
    const saved = process.env.NEXTAUTH_SECRET;
    try {
      delete process.env.NEXTAUTH_SECRET;
      vi.resetModules();
      const fresh = async () => {
        vi.resetModules();
        (await import("@/server/env")).resetEnv();
        return (await import("@/server/auth/secret")).authSecret;
      };
      const secret = (await fresh())();
      const file = path.join(temp.dataDir, "auth-secret");
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect((await fresh())()).toBe(secret); // kept across restarts
      process.env.NEXTAUTH_SECRET = "an-operator-chosen-secret-value";
      expect((await fresh())()).toBe("an-operator-chosen-secret-value");
    } finally {
      if (saved === undefined) delete process.env.NEXTAUTH_SECRET;
      else process.env.NEXTAUTH_SECRET = saved;
      vi.resetModules();
    }
  });
});
