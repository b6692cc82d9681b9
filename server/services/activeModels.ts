/**
 * Which artifact folder each model role serves, as this process knows it: role → dir of the
 * registry's active version (table active_models). The loaders (servedBoigLlmDir,
 * servedBoigSdDir, loadDetector) read it synchronously on every request, so it is a cache filled
 * by refreshActiveModels: at boot, after every promote / rollback in this process, and at the start
 * of each generation job (a separate `boig worker` process learns of a promotion that way).
 * No entry for a role = the built-in default (builtInModelDir).
 *
 * Invariant: only versions that passed verifyModelVersion get an active_models row, and a row
 * changes only in the one transaction of a promote / rollback, so whatever dir this returns was
 * verified whole; each load still re-checks every sha256 against the manifest.
 */
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { activeModels, modelVersions, type ModelRole } from "../db/schema";
import { env } from "../env";

/** Committed artifact folder (under models/artifacts) of each role: the built-in default. */
export const COMMITTED_MODEL_FOLDERS: Record<ModelRole, string> = {
  boigllm: "boigllm",
  reward: "boigllm-reward",
  boigsd: "boigsd",
  verbalizer: "scene-detector",
  evaluator: "scene-detector-eval",
  clip: "clip",
};

/**
 * What a role serves with no active registry version: its env override, else the committed folder.
 * The reward role follows BOIG_BOIGLLM_DIR when only that is set (a BoigLLM trained on other data
 * has another vocabulary and labels, so the committed reward would not fit it), and without a
 * committed reward folder it scores with the BoigLLM itself (one model for both, as in the paper).
 */
export function builtInModelDir(role: ModelRole): string {
  const config = env();
  const override =
    role === "boigllm" ? config.BOIG_BOIGLLM_DIR
    : role === "reward" ? (config.BOIG_REWARD_DIR ?? config.BOIG_BOIGLLM_DIR)
    : role === "boigsd" ? config.BOIG_BOIGSD_DIR
    : undefined;
  const dir = path.resolve(config.repoRoot, override ?? path.join("models/artifacts", COMMITTED_MODEL_FOLDERS[role]));
  if (role === "reward" && !override && !fs.existsSync(path.join(dir, "manifest.json"))) return builtInModelDir("boigllm");
  return dir;
}

/** The folder a role serves now as the database says (active version, else the built-in default). */
export async function servedDirInDb(db: Db, role: ModelRole): Promise<string> {
  const [row] = await db
    .select({ dir: modelVersions.dir })
    .from(activeModels)
    .innerJoin(modelVersions, eq(modelVersions.id, activeModels.modelVersionId))
    .where(eq(activeModels.role, role));
  return row?.dir ?? builtInModelDir(role);
}

// On globalThis, not in a module variable: Next.js may load this module in several bundles of one
// process (instrumentation, route handlers), and a promotion must reach all of them.
const holder = globalThis as { __boigActiveModels?: Map<ModelRole, string> };
const cache = () => (holder.__boigActiveModels ??= new Map());

/** The active registry version's folder for `role`, or undefined (= serve the built-in default). */
export function getActiveModelDir(role: ModelRole): string | undefined {
  return cache().get(role);
}

/** Re-reads active_models into this process's cache; returns the role → dir map it now holds. */
export async function refreshActiveModels(db: Db): Promise<Map<ModelRole, string>> {
  const rows = await db
    .select({ role: activeModels.role, dir: modelVersions.dir })
    .from(activeModels)
    .innerJoin(modelVersions, eq(modelVersions.id, activeModels.modelVersionId));
  const next = new Map(rows.map((row) => [row.role, row.dir] as const));
  // Swapped whole, so a reader never sees a half-refreshed map.
  holder.__boigActiveModels = next;
  return next;
}
