/**
 * Makes a registered version the one its role serves. Verification (sha256 of every file, a real
 * load, a golden replay) runs FIRST and outside any transaction — it takes seconds and must not
 * hold locks; only then does one statement swap active_models[role], remembering the old active
 * version for rollback, in the same transaction as its audit row. So a failed verification changes
 * nothing (the previous version stays active; the failure is audited with its reason), and a
 * reader sees either the old or the new version, never a mix.
 */
import { eq, ne, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { activeModels, modelVersions } from "../db/schema";
import { AppError, conflict, notFound } from "../errors";
import { refreshActiveModels } from "./activeModels";
import { recordAudit } from "./recordAudit";
import { parseInput } from "./validation";
import { verifyModelVersion } from "./verifyModelVersion";

export const modelVersionIdInput = z.object({ versionId: z.string().uuid("versionId must be a model version id (UUID)") });

export async function promoteModelVersion(db: Db, actorId: string | null, versionId: string) {
  parseInput(modelVersionIdInput, { versionId });
  const [version] = await db.select().from(modelVersions).where(eq(modelVersions.id, versionId));
  if (!version) throw notFound("Model version");
  const about = { role: version.role, name: version.name, version: version.version, dir: version.dir };

  let verification;
  try {
    verification = await verifyModelVersion(version);
  } catch (error) {
    if (error instanceof AppError)
      await recordAudit(db, { actorId, action: "model.promote_failed", target: version.id, details: { ...about, reason: error.message } });
    throw error;
  }

  const promoted = await db.transaction(async (tx) => {
    // One upsert: the old active id is read from the row being replaced, so two promotions at
    // once still chain correctly (previous = what was really active), and promoting the active
    // version again matches no row instead of making it its own previous.
    const [row] = await tx
      .insert(activeModels)
      .values({ role: version.role, modelVersionId: version.id, previousVersionId: null, promotedBy: actorId })
      .onConflictDoUpdate({
        target: activeModels.role,
        set: {
          modelVersionId: version.id,
          previousVersionId: sql.raw(`"active_models"."model_version_id"`),
          promotedBy: actorId,
          promotedAt: sql`now()`,
        },
        setWhere: ne(activeModels.modelVersionId, version.id),
      })
      .returning();
    if (!row) throw conflict(`${version.name} ${version.version} is already the active ${version.role} model`);
    await recordAudit(tx as unknown as Db, {
      actorId,
      action: "model.promote",
      target: version.id,
      details: { ...about, previousVersionId: row.previousVersionId, files: verification.files, golden: verification.golden },
    });
    return row;
  });
  await refreshActiveModels(db);
  return { role: promoted.role, activeVersionId: promoted.modelVersionId, previousVersionId: promoted.previousVersionId, verification };
}
