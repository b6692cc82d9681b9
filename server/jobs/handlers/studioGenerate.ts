/**
 * Job `studio.generate`: one marketer generation (services/runGeneration.ts). On its last failed
 * attempt, or when cancelled, the generation row records how it ended so History can say why.
 */
import { z } from "zod";
import { markGenerationEnded, runGeneration, type GenerationJobPayload } from "../../services/runGeneration";
import type { JobHandler } from "../types";

const payloadSchema = z.object({ generationId: z.string().uuid() });

export const studioGenerateHandler: JobHandler<GenerationJobPayload, { done: number }> = async (ctx) => {
  const payload = payloadSchema.parse(ctx.payload);
  try {
    return await runGeneration(ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (ctx.signal.aborted && String(ctx.signal.reason).includes("cancelled"))
      await markGenerationEnded(ctx.db, payload.generationId, "cancelled", "Cancelled");
    else if (!ctx.signal.aborted && ctx.job.attempts >= ctx.job.maxAttempts)
      await markGenerationEnded(ctx.db, payload.generationId, "failed", message);
    throw error;
  }
};
