/** GET /api/v1/images/:id — the PNG/JPEG bytes of a saved image, for its owner or an admin. */
import { readGenerationImage } from "../services/readGenerationImage";
import { restRoute } from "./route";

export const getImageRoute = restRoute<{ id: string }>("marketer", async ({ req, db, user, params }) => {
  const image = await readGenerationImage(db, user, params.id);
  // Content-addressed (the file never changes for this id): cache for good, but privately.
  const headers = { "content-type": image.contentType, "cache-control": "private, max-age=31536000, immutable", etag: `"${image.sha256}"` };
  if (req.headers.get("if-none-match") === headers.etag) return new Response(null, { status: 304, headers });
  return new Response(new Uint8Array(image.bytes), { status: 200, headers: { ...headers, "content-length": String(image.bytes.length) } });
});
