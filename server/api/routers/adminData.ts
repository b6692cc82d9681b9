import { adminProcedure, router } from "../trpc";
import { queueImport, queueImportInput } from "../../services/queueImport";

export const adminDataRouter = router({
  importFolder: adminProcedure.input(queueImportInput).mutation(({ ctx, input }) => queueImport(ctx.db, input, ctx.user.id)),
});
