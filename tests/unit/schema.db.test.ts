import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { queryRows, type DbHandle } from "@/server/db/client";
import { users } from "@/server/db/schema";

describe(`database (${testDbKind()})`, () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle?.close());

  it("applies the migrations", async () => {
    const rows = await queryRows<{ table_name: string }>(
      handle.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(["audit_log", "job_logs", "jobs", "users"]),
    );
  });

  it("enforces the role check constraint", async () => {
    await expect(
      handle.db.insert(users).values({ email: "x@y.z", passwordHash: "h", role: "root" as never }),
    ).rejects.toThrow();
  });
});
