import { z } from "zod";
import type { Db } from "../db/client";
import { jobs } from "../db/schema";
import { parseInput } from "./validation";

export const enqueueJobInput = z.object({
  kind: z.string().min(1).max(100),
  payload: z.record(z.string(), z.unknown()).default({}),
  maxAttempts: z.number().int().min(1).max(20).default(3),
});

export async function enqueueJob(db: Db, input: z.input<typeof enqueueJobInput>, createdBy: string | null) {
  const data = parseInput(enqueueJobInput, input);
  const [row] = await db.insert(jobs).values({ ...data, createdBy }).returning();
  return row!;
}
