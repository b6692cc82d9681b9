/** `admin.evals.*` (Admin → Evaluation): Table 1 / Table 2 evaluations as eval.run jobs — list, one with its report and the previous one, launch. */
import { z } from "zod";
import { adminProcedure, router } from "../trpc";
import { getEvaluation } from "../../services/getEvaluation";
import { launchEvaluation, launchEvaluationInput } from "../../services/launchEvaluation";
import { listEvaluations } from "../../services/listEvaluations";

const evaluationId = z.object({ id: z.string().uuid({ error: "is not an evaluation id" }) });

export const adminEvalsRouter = router({
  list: adminProcedure
    .input(z.object({ limit: z.number().int().min(1).max(200).default(50) }).default({ limit: 50 }))
    .query(({ ctx, input }) => listEvaluations(ctx.db, input.limit)),
  get: adminProcedure.input(evaluationId).query(({ ctx, input }) => getEvaluation(ctx.db, input.id)),
  launch: adminProcedure.input(launchEvaluationInput).mutation(({ ctx, input }) => launchEvaluation(ctx.db, input, ctx.user.id)),
});
