import { z } from "zod";
import { JOB_STATUSES } from "../../db/schema";
import { adminProcedure, router } from "../trpc";
import { cancelJob } from "../../services/cancelJob";
import { getJob } from "../../services/getJob";
import { listJobs } from "../../services/listJobs";
import { launchTrainerRun, launchTrainerRunInput } from "../../services/launchTrainerRun";

const jobIdInput = z.object({ jobId: z.string().uuid("jobId must be a UUID") });

export const adminJobsRouter = router({
  list: adminProcedure
    .input(z.object({ statuses: z.array(z.enum(JOB_STATUSES)).optional(), limit: z.number().int().min(1).max(500).optional() }).default({}))
    .query(({ ctx, input }) => listJobs(ctx.db, input)),
  get: adminProcedure.input(jobIdInput).query(({ ctx, input }) => getJob(ctx.db, input.jobId)),
  cancel: adminProcedure.input(jobIdInput).mutation(({ ctx, input }) => cancelJob(ctx.db, input.jobId, ctx.user.id)),
  launchTrainerRun: adminProcedure
    .input(launchTrainerRunInput)
    .mutation(({ ctx, input }) => launchTrainerRun(ctx.db, input, ctx.user.id)),
});
