import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { Db } from "../db/client";
import { AppError, badInput } from "../errors";
import { findImportSources } from "../import/findSources";
import { enqueueJob } from "./enqueueJob";
import { recordAudit } from "./recordAudit";
import { parseInput } from "./validation";

export const queueImportInput = z.object({
  dir: z.string().trim().min(1, "Enter a folder path on the server"),
  name: z.string().trim().min(1).max(200).optional(),
});

/** Where an uploaded ZIP came from, kept in the job's payload so the Data page can show it. */
export type ImportUpload = { fileName?: string; bytes: number };

const dirError = (message: string) => badInput(`dir: ${message}`, { fields: [{ path: "dir", message }] });

/**
 * Admin: import a folder on the server as a job. The folder is checked up front (exists, is a
 * folder, holds posts.csv / posts.jsonl) so a mistake shows under the form at once, not as a failed
 * job minutes later.
 */
export async function queueImport(db: Db, input: z.input<typeof queueImportInput>, actorId: string, upload?: ImportUpload) {
  const { dir, name } = parseInput(queueImportInput, input);
  if (!path.isAbsolute(dir)) throw dirError("use an absolute path on the server");
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw dirError(code === "EACCES" ? `${dir} cannot be read by the server` : `${dir} does not exist on the server`);
  }
  if (!stat.isDirectory()) throw dirError(`${dir} is a file, not a folder`);
  try {
    findImportSources(dir, name);
  } catch (err) {
    if (err instanceof AppError && err.code === "BAD_INPUT") throw dirError(err.message);
    throw err;
  }
  const job = await enqueueJob(db, { kind: "data.import", payload: { dir, ...(name ? { name } : {}), ...(upload ? { upload } : {}) } }, actorId);
  await recordAudit(db, { actorId, action: "data.import", target: job.id, details: { dir, name } });
  return job;
}
