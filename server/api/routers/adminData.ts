import { z } from "zod";
import { adminProcedure, router } from "../trpc";
import { getImport } from "../../services/getImport";
import { getImportReport } from "../../services/getImportReport";
import { listImports } from "../../services/listImports";
import { queueImport, queueImportInput } from "../../services/queueImport";

// ZIP uploads do not fit tRPC's JSON bodies: they go to POST /api/admin/imports (server/http/adminImports.ts).
export const adminDataRouter = router({
  importFolder: adminProcedure.input(queueImportInput).mutation(({ ctx, input }) => queueImport(ctx.db, input, ctx.user.id)),
  imports: adminProcedure
    .input(z.object({ limit: z.number().int().min(1).max(100).optional() }).default({}))
    .query(({ ctx, input }) => listImports(ctx.db, input)),
  importJob: adminProcedure
    .input(z.object({ jobId: z.string().uuid("jobId must be a UUID") }))
    .query(({ ctx, input }) => getImport(ctx.db, input.jobId)),
  report: adminProcedure
    .input(z.object({ reportId: z.string().uuid("reportId must be a UUID") }))
    .query(({ ctx, input }) => getImportReport(ctx.db, input.reportId)),
});
