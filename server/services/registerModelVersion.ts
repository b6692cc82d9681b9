/**
 * Adds a model version to the registry (it does not make it active: that is promoteModelVersion).
 * The manifest must be valid and every file's sha256 must match before anything is written.
 * - source "run": a trainer run's artifact is COPIED to
 *   BOIG_DATA_DIR/models/<role>/<name>-<version>-<manifest sha256[:12]>/, because a run folder can
 *   be resumed, retrained or deleted; the copy is what the registry points at and is never
 *   modified. It is written to a temp folder beside it, checked, fsynced and then renamed, so a
 *   crash never leaves a half-written folder under its final name (rename is atomic).
 * - source "committed": a repo artifact is registered in place. `git pull` may replace those
 *   files, so re-registering a committed folder whose manifest changed updates its row to match.
 * Idempotent: the same folder gives the same row (unique role + dir), and the copy's name is
 * derived from its manifest's sha256, so registering one run's artifact twice copies it once.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { open, rm } from "node:fs/promises";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { MODEL_ROLES, MODEL_SOURCES, modelVersions, type ModelRole } from "../db/schema";
import { env } from "../env";
import { modelInvalid } from "../errors";
import type { Manifest } from "../ml/manifest";
import { checkArtifactFiles, type CheckedArtifact } from "./checkArtifactFiles";
import { recordAudit } from "./recordAudit";
import { parseInput } from "./validation";
import type { TrainerRunPayload } from "./launchTrainerRun";

export const registerModelVersionInput = z.object({
  role: z.enum(MODEL_ROLES, { error: `must be one of ${MODEL_ROLES.join(", ")}` }),
  sourceDir: z.string().min(1, "is required (an artifact folder with manifest.json)"),
  source: z.enum(MODEL_SOURCES, { error: `must be one of ${MODEL_SOURCES.join(", ")}` }),
  runJobId: z.string().uuid("must be a job id (UUID)").optional(),
  /** Who caused the registration (the run's launcher); null for boot-time committed models. */
  actorId: z.string().uuid("must be a user id (UUID)").nullable().optional(),
});

/** The manifest `kind` each role's loader accepts: a role never holds another kind of model. */
const ROLE_KINDS: Record<ModelRole, string> = {
  boigllm: "boigllm",
  reward: "boigllm",
  boigsd: "boigsd",
  verbalizer: "scene-detector",
  evaluator: "scene-detector",
  clip: "boigclip",
};

/** The registry role a trainer run's artifact fills, or null (tiny demo, the no-KPI LLM baseline). */
export function roleOfTrainerRun(run: Pick<TrainerRunPayload, "task" | "variant" | "arch" | "servesAs">): ModelRole | null {
  switch (run.task) {
    case "llm":
      return (run.variant ?? "behavior") === "behavior" ? (run.servesAs ?? "boigllm") : null;
    case "sd-base":
    case "sd-sft":
    case "ddpo":
      return "boigsd";
    case "detector":
      // The trainer's default architecture is centernet (the verbalizer's); dilated is the evaluator's.
      return run.arch === "dilated" ? "evaluator" : "verbalizer";
    case "clip":
      return "clip";
    default:
      return null;
  }
}

export type ModelVersionRow = typeof modelVersions.$inferSelect;

function checkRoleFits(role: ModelRole, dir: string, manifest: Manifest) {
  if (manifest.kind !== ROLE_KINDS[role])
    throw modelInvalid(`${dir} holds a ${manifest.kind} model; the ${role} role needs a ${ROLE_KINDS[role]}`, { artifactDir: dir });
  const variant = (manifest.llm as { variant?: unknown } | undefined)?.variant;
  if ((role === "boigllm" || role === "reward") && variant !== "behavior")
    throw modelInvalid(`${dir} holds the ${String(variant)} variant of BoigLLM; the ${role} role serves the behavior model`, { artifactDir: dir });
}

const safePart = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80);

/** Temp folders older than this are leftovers of a crashed copy (no copy takes a day). */
const STALE_TEMP_MS = 24 * 3600 * 1000;

async function fsyncPath(file: string) {
  const handle = await open(file, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies a checked artifact to its final folder under the data dir (temp + rename); returns that folder. */
async function copyIntoDataDir(role: ModelRole, sourceDir: string, checked: CheckedArtifact): Promise<string> {
  const roleDir = path.join(env().dataDir, "models", role);
  const { manifest, manifestSha256 } = checked;
  const finalDir = path.join(roleDir, `${safePart(manifest.name)}-${safePart(manifest.version)}-${manifestSha256.slice(0, 12)}`);
  if (path.resolve(sourceDir) === finalDir) return finalDir; // re-registering the registered copy
  if (fs.existsSync(finalDir)) {
    // Present under its final name = complete (it got there by rename); check it is the same bytes.
    const existing = await checkArtifactFiles(finalDir);
    if (existing.manifestSha256 !== manifestSha256)
      throw modelInvalid(`${finalDir} already exists with another manifest; move it away and register again`, { artifactDir: finalDir });
    return finalDir;
  }
  fs.mkdirSync(roleDir, { recursive: true });
  for (const entry of fs.readdirSync(roleDir)) {
    const leftover = path.join(roleDir, entry);
    if (entry.startsWith(".tmp-") && Date.now() - fs.statSync(leftover).mtimeMs > STALE_TEMP_MS)
      await rm(leftover, { recursive: true, force: true });
  }
  const tempDir = path.join(roleDir, `.tmp-${randomUUID()}`);
  try {
    // The whole folder: besides the manifest's files it may hold golden fixtures (replayed by
    // verifyModelVersion) and sample grids.
    await fs.promises.cp(sourceDir, tempDir, { recursive: true, dereference: true, errorOnExist: true, force: false });
    // Re-check the copy: the source could have changed after it was checked.
    const copied = await checkArtifactFiles(tempDir);
    if (copied.manifestSha256 !== manifestSha256)
      throw modelInvalid(`${sourceDir} changed while it was being copied; register it again`, { artifactDir: sourceDir });
    for (const file of [...copied.files, "manifest.json"]) await fsyncPath(path.join(tempDir, file));
    try {
      fs.renameSync(tempDir, finalDir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Another process registered the same artifact first: its folder is complete and identical.
      if (code !== "EEXIST" && code !== "ENOTEMPTY") throw error;
    }
    await fsyncPath(roleDir).catch(() => {}); // persists the rename; not every platform can fsync a folder
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
  return finalDir;
}

export async function registerModelVersion(
  db: Db,
  input: z.input<typeof registerModelVersionInput>,
): Promise<ModelVersionRow & { created: boolean }> {
  const { role, sourceDir, source, runJobId, actorId } = parseInput(registerModelVersionInput, input);
  const checked = await checkArtifactFiles(path.resolve(env().repoRoot, sourceDir));
  const { manifest, manifestSha256 } = checked;
  checkRoleFits(role, sourceDir, manifest);
  const dir = source === "run" ? await copyIntoDataDir(role, path.resolve(env().repoRoot, sourceDir), checked) : path.resolve(env().repoRoot, sourceDir);

  const values = { role, name: manifest.name, version: manifest.version, dir, manifestSha256, manifest, source, runJobId: runJobId ?? null };
  const [inserted] = await db.insert(modelVersions).values(values).onConflictDoNothing().returning();
  const details = { role, name: manifest.name, version: manifest.version, dir, source, runJobId: runJobId ?? null, manifestSha256 };
  if (inserted) {
    await recordAudit(db, { actorId: actorId ?? null, action: "model.register", target: inserted.id, details });
    return { ...inserted, created: true };
  }
  const [existing] = await db.select().from(modelVersions).where(and(eq(modelVersions.role, role), eq(modelVersions.dir, dir)));
  if (!existing) throw new Error(`model_versions row for ${role} ${dir} vanished`); // rows are never deleted
  if (existing.manifestSha256 === manifestSha256) return { ...existing, created: false };
  if (existing.source !== "committed")
    throw modelInvalid(`${dir} no longer matches the manifest it was registered with`, { artifactDir: dir });
  // A committed folder updated by git: the row follows the repo (loads re-check every sha256).
  const [updated] = await db
    .update(modelVersions)
    .set({ name: manifest.name, version: manifest.version, manifestSha256, manifest, createdAt: sql`now()` })
    .where(eq(modelVersions.id, existing.id))
    .returning();
  await recordAudit(db, { actorId: actorId ?? null, action: "model.register", target: existing.id, details: { ...details, replaced: existing.manifestSha256 } });
  return { ...updated!, created: false };
}
