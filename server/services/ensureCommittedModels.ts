/**
 * At boot: registers the committed artifacts (models/artifacts/*) as versions of their roles, in
 * place, WITHOUT making any active — with no active_models row a role serves its built-in default
 * (env override or this same committed folder), so the app serves what it served before the
 * registry existed. Registering them lets an admin roll forward to a run and back to them.
 * Idempotent; a missing folder is skipped, a broken one reported (boot goes on: serving reports
 * the same problem where it matters, with the loader's message).
 */
import fs from "node:fs";
import path from "node:path";
import type { Db } from "../db/client";
import { MODEL_ROLES, type ModelRole } from "../db/schema";
import { env } from "../env";
import { AppError } from "../errors";
import { COMMITTED_MODEL_FOLDERS } from "./activeModels";
import { registerModelVersion } from "./registerModelVersion";

export type CommittedModelResult = { role: ModelRole; dir: string } & (
  | { status: "registered" | "unchanged"; versionId: string }
  | { status: "missing" }
  | { status: "invalid"; error: string }
);

export async function ensureCommittedModels(db: Db): Promise<CommittedModelResult[]> {
  const results: CommittedModelResult[] = [];
  for (const role of MODEL_ROLES) {
    const dir = path.join(env().repoRoot, "models/artifacts", COMMITTED_MODEL_FOLDERS[role]);
    if (!fs.existsSync(path.join(dir, "manifest.json"))) {
      results.push({ role, dir, status: "missing" });
      continue;
    }
    try {
      const version = await registerModelVersion(db, { role, sourceDir: dir, source: "committed" });
      results.push({ role, dir, status: version.created ? "registered" : "unchanged", versionId: version.id });
    } catch (error) {
      if (!(error instanceof AppError)) throw error; // a database failure is not a broken artifact
      results.push({ role, dir, status: "invalid", error: (error as Error).message });
    }
  }
  return results;
}
