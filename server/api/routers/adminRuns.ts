/** `admin.runs.*`: training runs (trainer.run jobs) — list, one with metrics/grids/logs, resume. */
import { z } from "zod";
import { adminProcedure, router } from "../trpc";
import { getRun, listRuns } from "../../services/getRun";
import { listTrainingSources } from "../../services/listTrainingSources";
import { resumeTrainerRun } from "../../services/resumeTrainerRun";

const runId = z.object({ id: z.string().uuid({ error: "is not a run id" }) });

export const adminRunsRouter = router({
  list: adminProcedure.input(z.object({ limit: z.number().int().min(1).max(200).default(50) }).default({ limit: 50 })).query(({ ctx, input }) => listRuns(ctx.db, input.limit)),
  get: adminProcedure.input(runId).query(({ ctx, input }) => getRun(ctx.db, input.id)),
  sources: adminProcedure.query(({ ctx }) => listTrainingSources(ctx.db)),
  resume: adminProcedure.input(runId).mutation(({ ctx, input }) => resumeTrainerRun(ctx.db, input.id, ctx.user.id)),
});
