/**
 * POST /api/v1/score — score an uploaded creative and save it to History (the Score page's
 * "save" path, studio.scoreUpload). multipart/form-data: an `image` file plus the prompt fields
 * as text; `keywords` comma-separated. Answers 201 with the saved one-image generation.
 */
import type { z } from "zod";
import { saveScoredUpload, type saveScoredUploadInput } from "../services/saveScoredUpload";
import { takeModelCall } from "../services/throttleModelCalls";
import { readMultipart } from "./body";
import { json, restRoute } from "./route";
import { restGenerationUrl, withRestImageUrls } from "./views";

export const scoreRoute = restRoute("marketer", async ({ req, db, user }) => {
  const form = await readMultipart(req);
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === "string" && value.trim() !== "" ? value : undefined;
  };
  const file = form.get("image");
  const upload = file !== null && typeof file !== "string" ? file : null;
  const keywords = text("keywords")
    ?.split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  // Passed as the client sent it: the service's zod schema validates every field (a missing file
  // included: "image: must be the bytes of a PNG or JPEG file").
  const input = {
    image: upload ? new Uint8Array(await upload.arrayBuffer()) : undefined,
    fileName: text("fileName") ?? (upload?.name || undefined),
    kind: text("kind"),
    brand: text("brand"),
    date: text("date"),
    prompt: text("prompt"),
    keywords,
    detector: text("detector"),
  };
  // Counted before the service validates: over REST every request with a body costs its parsing (429 + Retry-After past the share).
  takeModelCall(user.id);
  const generation = await saveScoredUpload(db, user, input as z.input<typeof saveScoredUploadInput>);
  return json(withRestImageUrls(generation), 201, { location: restGenerationUrl(generation.id) });
});
