/**
 * Round robin between users holds when workers claim at the same moment (found by the load
 * campaign on PostgreSQL): two claims racing must take the first jobs of two different users, not
 * the first two jobs of the user who queued first. On PGlite the claims are serialized by its one
 * connection anyway; on a PostgreSQL server they run on two connections of the pool at once.
 */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/server/db/client";
import { jobs } from "@/server/db/schema";
import { createTestDb, testDbKind } from "@/server/db/testing";
import { claimNextJob } from "@/server/jobs/queue";
import { createUser } from "@/server/services/createUser";

describe(`claiming jobs fairly under concurrent workers (${testDbKind()})`, () => {
  let handle: DbHandle;
  const users: string[] = [];

  beforeAll(async () => {
    handle = await createTestDb();
    for (const name of ["ana", "ben", "cy"])
      users.push((await createUser(handle.db, { email: `${name}@claim.test`, password: "password123", role: "marketer" }, null)).id);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("gives racing claims the first jobs of different users", async () => {
    for (let round = 0; round < 10; round++) {
      await handle.db.delete(jobs);
      // ana queued three before the others queued one each (distinct, ordered created_at).
      for (const [user, label] of [[0, "ana-1"], [0, "ana-2"], [0, "ana-3"], [1, "ben-1"], [2, "cy-1"]] as const) {
        await handle.db.insert(jobs).values({ kind: "claim.test", payload: { label }, createdBy: users[user]! });
        await new Promise((r) => setTimeout(r, 3));
      }
      // Warm connections, so the claims start together instead of staggered by connecting.
      await Promise.all([1, 2, 3].map(() => handle.db.execute(sql`select pg_sleep(0.01)`)));
      const claimed = await Promise.all([1, 2, 3].map((w) => claimNextJob(handle.db, `worker-${w}`, ["claim.test"])));
      const labels = claimed.map((j) => (j!.payload as { label: string }).label).sort();
      expect(labels, `round ${round}`).toEqual(["ana-1", "ben-1", "cy-1"]);
    }
  });
});
