/**
 * Puts a role back on the version that was active before the last promotion. That version is
 * verified again first (its folder may have been damaged since), outside any transaction; the swap
 * then happens only if nobody promoted or rolled back meanwhile (else CONFLICT: reload and retry).
 * A rollback is one step: afterwards there is no previous version, and undoing it is a promotion
 * of the version rolled back from (which the Models page offers), so a second rollback cannot
 * silently flip back and forth. The first promotion of a role has no previous version: rolling it
 * back returns the role to its built-in default (the committed model, or the env var's folder).
 */
import { and, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { activeModels, MODEL_ROLES, modelVersions, type ModelRole } from "../db/schema";
import { AppError, conflict } from "../errors";
import { refreshActiveModels } from "./activeModels";
import { recordAudit } from "./recordAudit";
import { parseInput } from "./validation";
import { verifyModelVersion } from "./verifyModelVersion";

export const rollbackModelInput = z.object({ role: z.enum(MODEL_ROLES, { error: `role must be one of ${MODEL_ROLES.join(", ")}` }) });

export async function rollbackModel(db: Db, actorId: string | null, role: ModelRole) {
  parseInput(rollbackModelInput, { role });
  const [active] = await db.select().from(activeModels).where(eq(activeModels.role, role));
  if (!active) throw conflict(`Nothing to roll back: no ${role} version was promoted (the built-in default is served)`);
  if (!active.previousVersionId) return rollbackToBuiltIn(db, actorId, role, active.modelVersionId);
  const [target] = await db.select().from(modelVersions).where(eq(modelVersions.id, active.previousVersionId));
  if (!target) throw conflict(`The previous ${role} version no longer exists`);
  const about = { role, name: target.name, version: target.version, dir: target.dir, from: active.modelVersionId };

  let verification;
  try {
    verification = await verifyModelVersion(target);
  } catch (error) {
    if (error instanceof AppError)
      await recordAudit(db, { actorId, action: "model.rollback_failed", target: target.id, details: { ...about, reason: error.message } });
    throw error;
  }

  const rolledBack = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(activeModels)
      .set({ modelVersionId: target.id, previousVersionId: null, promotedBy: actorId, promotedAt: sql`now()` })
      .where(and(eq(activeModels.role, role), eq(activeModels.modelVersionId, active.modelVersionId), eq(activeModels.previousVersionId, target.id)))
      .returning();
    if (!row) throw conflict(`The active ${role} model changed while the rollback was being verified; reload and try again`);
    await recordAudit(tx as unknown as Db, { actorId, action: "model.rollback", target: target.id, details: { ...about, files: verification.files, golden: verification.golden } });
    return row;
  });
  await refreshActiveModels(db);
  return { role: rolledBack.role, activeVersionId: rolledBack.modelVersionId, previousVersionId: rolledBack.previousVersionId, verification };
}

/** Removes the role's promotion, so the built-in default is served again (verified like any load). */
async function rollbackToBuiltIn(db: Db, actorId: string | null, role: ModelRole, fromVersionId: string) {
  await db.transaction(async (tx) => {
    const removed = await tx
      .delete(activeModels)
      .where(and(eq(activeModels.role, role), eq(activeModels.modelVersionId, fromVersionId), sql`${activeModels.previousVersionId} is null`))
      .returning();
    if (removed.length === 0) throw conflict(`The active ${role} model changed meanwhile; reload and try again`);
    await recordAudit(tx as unknown as Db, { actorId, action: "model.rollback", target: fromVersionId, details: { role, to: "built-in default", from: fromVersionId } });
  });
  await refreshActiveModels(db);
  return { role, activeVersionId: null, previousVersionId: null, verification: null };
}
