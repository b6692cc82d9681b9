import { adminProcedure, router } from "../trpc";
import { getModelVersion } from "../../services/getModelVersion";
import { listModelVersions, listModelVersionsInput } from "../../services/listModelVersions";
import { modelVersionIdInput, promoteModelVersion } from "../../services/promoteModelVersion";
import { rollbackModel, rollbackModelInput } from "../../services/rollbackModel";

/** The model registry (Admin → Models): versions per role, promote and roll back. */
export const adminModelsRouter = router({
  list: adminProcedure.input(listModelVersionsInput.optional()).query(({ ctx, input }) => listModelVersions(ctx.db, input ?? {})),
  get: adminProcedure.input(modelVersionIdInput).query(({ ctx, input }) => getModelVersion(ctx.db, input.versionId)),
  promote: adminProcedure.input(modelVersionIdInput).mutation(({ ctx, input }) => promoteModelVersion(ctx.db, ctx.user.id, input.versionId)),
  rollback: adminProcedure.input(rollbackModelInput).mutation(({ ctx, input }) => rollbackModel(ctx.db, ctx.user.id, input.role)),
});
