/**
 * The registry as the Models page shows it: per role what is served (the active version, or the
 * built-in default folder) and every registered version, newest first, with its manifest summary
 * (training command, data snapshot, metrics, sha256) and whether it is active / the rollback
 * target. Full manifests (BoigSD's hold noise schedules and DDPO histories) stay in the database;
 * getModelVersion returns one.
 */
import { desc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../db/client";
import { activeModels, MODEL_ROLES, modelVersions, users } from "../db/schema";
import { builtInModelDir } from "./activeModels";
import { parseInput } from "./validation";

export const listModelVersionsInput = z.object({
  role: z.enum(MODEL_ROLES, { error: `role must be one of ${MODEL_ROLES.join(", ")}` }).optional(),
});

export async function listModelVersions(db: Db, input: z.input<typeof listModelVersionsInput> = {}) {
  const { role } = parseInput(listModelVersionsInput, input);
  const versions = await db
    .select({
      id: modelVersions.id,
      role: modelVersions.role,
      name: modelVersions.name,
      version: modelVersions.version,
      kind: sql<string>`${modelVersions.manifest}->>'kind'`,
      dir: modelVersions.dir,
      source: modelVersions.source,
      runJobId: modelVersions.runJobId,
      manifestSha256: modelVersions.manifestSha256,
      trainingCommand: sql<string | null>`${modelVersions.manifest}->'training'->>'command'`,
      dataSnapshot: sql<string | null>`${modelVersions.manifest}->'data'->>'snapshot'`,
      metrics: sql<Record<string, number> | null>`${modelVersions.manifest}->'metrics'`,
      createdAt: modelVersions.createdAt,
    })
    .from(modelVersions)
    .where(role ? eq(modelVersions.role, role) : undefined)
    .orderBy(modelVersions.role, desc(modelVersions.createdAt), desc(modelVersions.version));
  const actives = await db
    .select({
      role: activeModels.role,
      modelVersionId: activeModels.modelVersionId,
      previousVersionId: activeModels.previousVersionId,
      promotedAt: activeModels.promotedAt,
      promotedBy: users.email,
    })
    .from(activeModels)
    .leftJoin(users, eq(users.id, activeModels.promotedBy));
  const activeByRole = new Map(actives.map((a) => [a.role, a]));

  const roles = (role ? [role] : [...MODEL_ROLES]).map((r) => {
    const active = activeByRole.get(r);
    const activeVersion = active ? versions.find((v) => v.id === active.modelVersionId) : undefined;
    return {
      role: r,
      activeVersionId: active?.modelVersionId ?? null,
      previousVersionId: active?.previousVersionId ?? null,
      promotedAt: active?.promotedAt ?? null,
      promotedBy: active?.promotedBy ?? null,
      builtInDir: builtInModelDir(r),
      /** The folder this role serves now (the active version's, else the built-in default). */
      servedDir: activeVersion?.dir ?? builtInModelDir(r),
    };
  });
  return {
    roles,
    versions: versions.map((v) => {
      const active = activeByRole.get(v.role);
      return { ...v, metrics: v.metrics ?? {}, active: active?.modelVersionId === v.id, previous: active?.previousVersionId === v.id };
    }),
  };
}
