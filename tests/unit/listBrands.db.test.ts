/**
 * `data.brands`: the distinct accounts of the social datasets with their post counts and
 * dataset names, sorted by name; stock datasets and posts without an account are left out.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRPCError } from "@trpc/server";
import { appRouter } from "@/server/api/root";
import { createCallerFactory } from "@/server/api/trpc";
import type { DbHandle } from "@/server/db/client";
import { datasets, posts } from "@/server/db/schema";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { createUser } from "@/server/services/createUser";
import { listBrands } from "@/server/services/listBrands";

describe(`listBrands (${testDbKind()})`, () => {
  let handle: DbHandle;
  let line = 0;

  async function addDataset(name: string, kind: "social" | "stock", accounts: (string | null)[]) {
    const [d] = await handle.db.insert(datasets).values({ name, kind, sourceDir: `/import/${name}` }).returning();
    if (accounts.length > 0)
      await handle.db.insert(posts).values(
        accounts.map((account, i) => ({
          datasetId: d!.id,
          externalId: `${name}-${i}`,
          account,
          postedAt: new Date(Date.UTC(2023, 0, 1 + i)),
          text: "a post",
          kpi: i,
          likes: kind === "social" ? i : null,
          forwardActions: kind === "stock" ? i : null,
          contentHash: `${name}-${i}`,
          sourceLine: ++line,
        })),
      );
    return d!;
  }

  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle?.close());

  it("is empty without social data", async () => {
    expect(await listBrands(handle.db)).toEqual([]);
    await addDataset("stock-only", "stock", [null, null, "not-a-brand"]);
    expect(await listBrands(handle.db)).toEqual([]);
  });

  it("lists each social account once with its post count and datasets, sorted by name", async () => {
    await addDataset("demo/social", "social", ["sunsip", "fizzwell", "sunsip", "Brightbrew", null, "", "fizzwell", "sunsip"]);
    await addDataset("agency/social", "social", ["fizzwell", "zestco"]);
    await addDataset("empty/social", "social", []);
    expect(await listBrands(handle.db)).toEqual([
      { name: "Brightbrew", posts: 1, datasets: ["demo/social"] },
      { name: "fizzwell", posts: 3, datasets: ["agency/social", "demo/social"] },
      { name: "sunsip", posts: 3, datasets: ["demo/social"] },
      { name: "zestco", posts: 1, datasets: ["agency/social"] },
    ]);
  });

  it("is served as data.brands to signed-in users only", async () => {
    const createCaller = createCallerFactory(appRouter);
    const u = await createUser(handle.db, { email: "mo@brands.test", password: "password123", role: "marketer" }, null);
    const marketer = createCaller({ db: handle.db, user: { id: u.id, email: u.email, name: u.name, role: u.role } });
    expect((await marketer.data.brands()).map((b) => b.name)).toEqual(["Brightbrew", "fizzwell", "sunsip", "zestco"]);
    const refused = await createCaller({ db: handle.db, user: null }).data.brands().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TRPCError);
    expect((refused as TRPCError).code).toBe("UNAUTHORIZED");
  });
});
