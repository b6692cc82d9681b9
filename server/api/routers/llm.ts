/**
 * `llm.*` (signed-in marketers): BoigLLM served (SPEC §4). `verbalize` = the behavior-conditioned
 * verbalization of a prompt with its layout preview; `score` = the reward of an uploaded image.
 * Images travel as base64 (tRPC is JSON), limited to DEFAULT_MAX_IMAGE_BYTES once decoded
 * (SPEC §8: uploads are size- and type-limited); a data: URL prefix is accepted.
 */
import { z } from "zod";
import { countsAsModelCall, marketerProcedure, router } from "../trpc";
import { checkBrand, promptFieldsShape } from "../../services/promptFieldsInput";
import { DETECTOR_MODES, scoreImage } from "../../services/scoreImages";
import { verbalizeForPrompt, verbalizeForPromptInput } from "../../services/verbalizeForPrompt";
import { DEFAULT_MAX_IMAGE_BYTES } from "../../verbalize/decodeImage";

const MAX_BASE64_CHARS = 4 * Math.ceil(DEFAULT_MAX_IMAGE_BYTES / 3);
const DATA_URL_PREFIX = /^data:[\w/+.-]+;base64,/;
const megabytes = `${DEFAULT_MAX_IMAGE_BYTES / (1024 * 1024)} MB`;

const imageBase64 = z
  .string({ error: "is required (the image file, base64-encoded)" })
  .transform((s) => s.replace(DATA_URL_PREFIX, "").replace(/\s+/g, ""))
  .pipe(
    z
      .string()
      .min(1, { error: "is empty" })
      .max(MAX_BASE64_CHARS, { error: `is larger than ${megabytes} once decoded; upload a smaller PNG or JPEG` })
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: "is not base64" }),
  );

export const scoreInput = z
  .object({ ...promptFieldsShape, imageBase64, detector: z.enum(DETECTOR_MODES).default("auto") })
  .superRefine(checkBrand);

export const llmRouter = router({
  verbalize: marketerProcedure.input(verbalizeForPromptInput).use(countsAsModelCall).query(({ input }) => verbalizeForPrompt(input)),
  score: marketerProcedure.input(scoreInput).use(countsAsModelCall).mutation(({ input }) => {
    const { imageBase64: encoded, ...fields } = input;
    return scoreImage({ ...fields, image: new Uint8Array(Buffer.from(encoded, "base64")) });
  }),
});
