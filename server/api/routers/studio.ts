/**
 * `studio.*` (signed-in marketers): the workspace — queue a generation, follow it, list History,
 * compare images, score and save an upload, cancel. Thin: validate, call a service.
 */
import { z } from "zod";
import { countsAsModelCall, marketerProcedure, router } from "../trpc";
import { cancelGeneration } from "../../services/cancelGeneration";
import { compareImages, compareImagesInput } from "../../services/compareImages";
import { getGeneration } from "../../services/getGeneration";
import { listGenerations, listGenerationsInput } from "../../services/listGenerations";
import { generationRequestInput, requestGeneration } from "../../services/requestGeneration";
import { saveScoredUpload } from "../../services/saveScoredUpload";
import { scoreInput } from "./llm";

const generationId = z.object({ id: z.string().uuid({ error: "is not a generation id" }) });
const uploadInput = scoreInput.and(z.object({ fileName: z.string().max(255).optional() }));

export const studioRouter = router({
  generate: marketerProcedure.input(generationRequestInput).mutation(({ ctx, input }) => requestGeneration(ctx.db, ctx.user.id, input)),
  generation: marketerProcedure.input(generationId).query(({ ctx, input }) => getGeneration(ctx.db, ctx.user, input.id)),
  history: marketerProcedure.input(listGenerationsInput).query(({ ctx, input }) => listGenerations(ctx.db, ctx.user, input)),
  compare: marketerProcedure.input(compareImagesInput).use(countsAsModelCall).query(({ ctx, input }) => compareImages(ctx.db, ctx.user, input)),
  cancel: marketerProcedure.input(generationId).mutation(({ ctx, input }) => cancelGeneration(ctx.db, ctx.user, input.id)),
  scoreUpload: marketerProcedure.input(uploadInput).use(countsAsModelCall).mutation(({ ctx, input }) => {
    const { imageBase64, ...fields } = input;
    return saveScoredUpload(ctx.db, ctx.user, { ...fields, image: new Uint8Array(Buffer.from(imageBase64, "base64")) });
  }),
});
