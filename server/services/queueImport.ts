import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Db } from "../db/client";
import { badInput } from "../errors";
import { findImportSources } from "../import/findSources";
import { enqueueJob } from "./enqueueJob";
import { recordAudit } from "./recordAudit";
import { parseInput } from "./validation";

export const queueImportInput = z.object({
  dir: z.string().trim().min(1, "Enter a folder path on the server"),
  name: z.string().trim().min(1).max(200).optional(),
});

/** Admin: import a folder on the server as a job (checked up front so mistakes show at once). */
export async function queueImport(db: Db, input: z.input<typeof queueImportInput>, actorId: string) {
  const { dir, name } = parseInput(queueImportInput, input);
  if (!path.isAbsolute(dir)) throw badInput("dir: use an absolute path on the server");
  if (!fs.existsSync(dir)) throw badInput(`dir: ${dir} does not exist on the server`);
  findImportSources(dir, name); // throws a clear BAD_INPUT when there is nothing to import
  const job = await enqueueJob(db, { kind: "data.import", payload: { dir, ...(name ? { name } : {}) } }, actorId);
  await recordAudit(db, { actorId, action: "data.import", target: job.id, details: { dir, name } });
  return job;
}
