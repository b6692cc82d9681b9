/** One registered model version with its full manifest, and whether it is active / the rollback target. */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { activeModels, modelVersions } from "../db/schema";
import { notFound } from "../errors";
import type { Manifest } from "../ml/manifest";
import { modelVersionIdInput } from "./promoteModelVersion";
import { parseInput } from "./validation";

export async function getModelVersion(db: Db, versionId: string) {
  parseInput(modelVersionIdInput, { versionId });
  const [version] = await db.select().from(modelVersions).where(eq(modelVersions.id, versionId));
  if (!version) throw notFound("Model version");
  const [active] = await db.select().from(activeModels).where(eq(activeModels.role, version.role));
  return {
    ...version,
    manifest: version.manifest as Manifest,
    active: active?.modelVersionId === version.id,
    previous: active?.previousVersionId === version.id,
  };
}
