import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { createTestDb, testDbKind } from "@/server/db/testing";
import type { DbHandle } from "@/server/db/client";
import { auditLog, users } from "@/server/db/schema";
import { AppError } from "@/server/errors";
import { createUser } from "@/server/services/createUser";
import { changeUserRole } from "@/server/services/changeUserRole";
import { verifyCredentials } from "@/server/services/verifyCredentials";
import { ensureFirstAdmin } from "@/server/services/ensureFirstAdmin";
import { listUsers } from "@/server/services/listUsers";

const appCode = async (p: Promise<unknown>) => {
  try {
    await p;
    return "ok";
  } catch (err) {
    return err instanceof AppError ? err.code : String(err);
  }
};

describe(`users and auth services (${testDbKind()})`, () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle?.close());

  it("creates the first admin with a generated password, once", async () => {
    const first = await ensureFirstAdmin(handle.db, {});
    expect(first.created).toBe(true);
    if (!first.created) return;
    expect(first.generatedPassword).toMatch(/^[\w-]{16}$/);
    expect(await verifyCredentials(handle.db, first.email, first.generatedPassword)).toMatchObject({ role: "admin" });
    expect(await ensureFirstAdmin(handle.db, {})).toEqual({ created: false });
  });

  it("hashes passwords and verifies credentials", async () => {
    const u = await createUser(handle.db, { email: " Mia@Brand.test ", password: "correct horse", role: "marketer" }, null);
    expect(u.email).toBe("mia@brand.test");
    const [row] = await handle.db.select().from(users).where(eq(users.id, u.id));
    expect(row!.passwordHash).toMatch(/^\$2[aby]\$11\$/);
    expect(row!.passwordHash).not.toContain("correct horse");
    expect(await verifyCredentials(handle.db, "mia@brand.test", "correct horse")).toMatchObject({ id: u.id });
    expect(await verifyCredentials(handle.db, "mia@brand.test", "wrong")).toBeNull();
    expect(await verifyCredentials(handle.db, "nobody@brand.test", "correct horse")).toBeNull();
    expect(await verifyCredentials(handle.db, "not-an-email", "x")).toBeNull();
  });

  it("rejects bad input naming the field, and duplicate emails", async () => {
    try {
      await createUser(handle.db, { email: "bad", password: "short" }, null);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      const fields = (err as AppError).details!.fields as { path: string }[];
      expect(fields.map((f) => f.path).sort()).toEqual(["email", "password"]);
    }
    expect(await appCode(createUser(handle.db, { email: "mia@brand.test", password: "password123" }, null))).toBe("CONFLICT");
  });

  it("changes roles, keeps at least one admin, and audits", async () => {
    const all = await listUsers(handle.db);
    const admin = all.find((u) => u.role === "admin")!;
    const mia = all.find((u) => u.email === "mia@brand.test")!;
    expect(all[0]).not.toHaveProperty("passwordHash");
    expect(await appCode(changeUserRole(handle.db, { userId: admin.id, role: "marketer" }, admin.id))).toBe("CONFLICT");
    await changeUserRole(handle.db, { userId: mia.id, role: "admin" }, admin.id);
    await changeUserRole(handle.db, { userId: admin.id, role: "marketer" }, mia.id);
    expect((await listUsers(handle.db)).filter((u) => u.role === "admin").map((u) => u.id)).toEqual([mia.id]);
    expect(await appCode(changeUserRole(handle.db, { userId: "00000000-0000-0000-0000-000000000000", role: "admin" }, mia.id))).toBe("NOT_FOUND");
    expect(await appCode(changeUserRole(handle.db, { userId: "nope", role: "admin" }, mia.id))).toBe("BAD_INPUT");
    const audits = await handle.db.select().from(auditLog);
    expect(audits.map((a) => a.action)).toEqual(expect.arrayContaining(["user.create", "user.role"]));
  });
});
