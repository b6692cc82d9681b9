/**
 * Every procedure of the app router, called as anonymous, marketer and admin: each role gets
 * exactly what the namespace policy says (public.* anyone, admin.* admins, the rest signed-in).
 * Procedures are enumerated from the router itself, so new ones are covered without edits.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { appRouter } from "@/server/api/root";
import { createCallerFactory, type Access, type Context, type SessionUser } from "@/server/api/trpc";
import { createTestDb, testDbKind } from "@/server/db/testing";
import type { DbHandle } from "@/server/db/client";
import { createUser } from "@/server/services/createUser";

type AnyProcedure = { _def: { meta?: { access?: Access }; type: string } };
const procedures = Object.entries((appRouter._def as unknown as { procedures: Record<string, AnyProcedure> }).procedures);

function policy(path: string): Access {
  if (path.startsWith("public.")) return "public";
  if (path.startsWith("admin.")) return "admin";
  return "marketer";
}

const ROLES = ["anonymous", "marketer", "admin"] as const;
function allowed(access: Access, role: (typeof ROLES)[number]) {
  if (access === "public") return true;
  if (access === "marketer") return role !== "anonymous";
  return role === "admin";
}

async function call(ctx: Context, path: string) {
  const caller = createCallerFactory(appRouter)(ctx) as unknown as Record<string, unknown>;
  const fn = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller);
  try {
    await (fn as (input?: unknown) => Promise<unknown>)(undefined);
    return "ok";
  } catch (err) {
    if (err instanceof TRPCError) return err.code;
    throw err;
  }
}

describe(`role matrix over every tRPC procedure (${testDbKind()})`, () => {
  let handle: DbHandle;
  const users: Record<string, SessionUser | null> = { anonymous: null };
  beforeAll(async () => {
    handle = await createTestDb();
    for (const role of ["marketer", "admin"] as const) {
      const u = await createUser(handle.db, { email: `${role}@matrix.test`, password: "password123", role }, null);
      users[role] = { id: u.id, email: u.email, name: u.name, role: u.role };
    }
  });
  afterAll(() => handle?.close());

  it("finds the procedures", () => {
    expect(procedures.length).toBeGreaterThanOrEqual(8);
  });

  it.each(procedures.map(([path]) => [path]))("%s declares the access its namespace requires", (path) => {
    const proc = procedures.find(([p]) => p === path)![1];
    expect(proc._def.meta?.access, `${path} must be built from a public/marketer/admin procedure`).toBe(policy(path));
  });

  it.each(procedures.flatMap(([path]) => ROLES.map((role) => [path, role] as const)))(
    "%s as %s",
    async (path, role) => {
      const code = await call({ db: handle.db, user: users[role] ?? null }, path);
      if (allowed(policy(path), role)) {
        expect(["UNAUTHORIZED", "FORBIDDEN"]).not.toContain(code);
      } else {
        expect(code).toBe(role === "anonymous" ? "UNAUTHORIZED" : "FORBIDDEN");
      }
    },
  );
});
