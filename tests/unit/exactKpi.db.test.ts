/**
 * posts.kpi is float8 (drizzle/0006_exact_kpi.sql): every integer KPI is stored exactly. Under
 * float4 (until 0005) 483,247,697 likes were stored as 483,247,700, enough to reorder ties in
 * bucketing. The migration also restores rows imported before it from likes / forward_actions.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type DbHandle } from "@/server/db/client";
import { createTestDb, testDbKind } from "@/server/db/testing";

const HUGE = 483_247_697; // > 2^24: float4 cannot hold it

async function insertPost(run: (q: ReturnType<typeof sql>) => Promise<unknown>, kind: "social" | "stock", value: number) {
  await run(sql`insert into datasets (name, kind, source_dir) values (${`d-${kind}`}, ${kind}, '/tmp') on conflict do nothing`);
  await run(sql`
    insert into posts (dataset_id, external_id, account, posted_at, text, likes, forward_actions, kpi, content_hash, source_line)
    select id, 'x1', ${kind === "social" ? "acme" : null}, now(), 'caption', ${kind === "social" ? value : null},
           ${kind === "stock" ? value : null}, ${value}, 'h', 2 from datasets where name = ${`d-${kind}`}`);
}

describe(`exact KPIs (${testDbKind()})`, () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(async () => handle?.close());

  it("stores a KPI above 2^24 exactly", async () => {
    await insertPost((q) => handle.db.execute(q), "social", HUGE);
    const [row] = await queryRows<{ kpi: number }>(handle.db, sql`select kpi from posts`);
    expect(row!.kpi).toBe(HUGE);
  });
});

describe("migration 0006 on a database from before it", () => {
  let folder: string;
  beforeAll(() => {
    // The migrations up to 0005, as a database created before 0006 was migrated.
    folder = fs.mkdtempSync(path.join(os.tmpdir(), "boig-migrations-"));
    fs.cpSync(path.resolve("drizzle"), folder, { recursive: true });
    const journalFile = path.join(folder, "meta", "_journal.json");
    const journal = JSON.parse(fs.readFileSync(journalFile, "utf8")) as { entries: { idx: number; tag: string }[] };
    for (const entry of journal.entries.filter((e) => e.idx >= 6)) fs.rmSync(path.join(folder, `${entry.tag}.sql`));
    journal.entries = journal.entries.filter((e) => e.idx < 6);
    fs.writeFileSync(journalFile, JSON.stringify(journal));
  });
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

  it("turns rounded float4 KPIs back into the exact likes and forward actions", async () => {
    const client = new PGlite();
    try {
      const db = drizzle(client);
      await migrate(db, { migrationsFolder: folder });
      await insertPost((q) => db.execute(q), "social", HUGE);
      await insertPost((q) => db.execute(q), "stock", HUGE + 2);
      const before = await client.query<{ kpi: number }>("select kpi::float8 as kpi from posts order by kpi");
      expect(before.rows.map((r) => r.kpi)).toEqual([483_247_712, 483_247_712]); // float4 rounds both to a multiple of 32
      await migrate(db, { migrationsFolder: path.resolve("drizzle") });
      const after = await client.query<{ kpi: number }>("select kpi from posts order by kpi");
      expect(after.rows.map((r) => r.kpi)).toEqual([HUGE, HUGE + 2]);
    } finally {
      await client.close();
    }
  });
});
