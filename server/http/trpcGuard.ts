/**
 * The gate in front of /api/trpc (app/api/trpc/[trpc]/route.ts), for what tRPC's fetch adapter
 * does not check itself:
 *
 * - CSRF. The session cookie rides along with any request the browser makes. A cross-site page can
 *   only send "simple" requests without a CORS preflight (which this app never answers): content
 *   types application/x-www-form-urlencoded, multipart/form-data or text/plain. tRPC's adapter turns
 *   a multipart/form-data POST into a FormData input and accepts application/octet-stream too; this
 *   app's client only ever POSTs application/json, so anything else is refused (415) before tRPC
 *   sees it. A POST whose Origin names another site is refused as well (403), as on the upload route
 *   (sessionRoute.ts): a second, independent check. GETs are queries, which change nothing (tRPC
 *   refuses a mutation over GET).
 * - Body size. Next.js route handlers read bodies without any limit, and tRPC parses the JSON before
 *   it knows the caller; a body is refused over MAX_TRPC_BODY_BYTES (413) — room for the largest
 *   legitimate input, a 10 MB image in base64 (llm.score, studio.scoreUpload) plus its fields.
 */
import { forbidden } from "../errors";
import { readBodyBytes } from "../rest/body";
import { HttpError, errorResponse } from "../rest/httpErrors";
import { DEFAULT_MAX_IMAGE_BYTES } from "../verbalize/decodeImage";
import { isOwnOrigin } from "./sessionRoute";

export const MAX_TRPC_BODY_BYTES = Math.ceil((DEFAULT_MAX_IMAGE_BYTES * 4) / 3) + 1024 * 1024;

const isJson = (req: Request) => (req.headers.get("content-type") ?? "").split(";", 1)[0]!.trim().toLowerCase() === "application/json";

/**
 * The request to hand to tRPC (a POST's body already read within the cap), or the refusal to
 * answer with instead.
 */
export async function guardTrpcRequest(req: Request): Promise<{ req: Request } | { refused: Response }> {
  if (req.method !== "POST") return { req };
  try {
    if (!isJson(req))
      throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "tRPC calls are POSTed as application/json (cross-site form posts are refused)");
    const origin = req.headers.get("origin");
    if (origin !== null && !isOwnOrigin(req, origin)) throw forbidden("Cross-site request refused");
    const body = await readBodyBytes(req, MAX_TRPC_BODY_BYTES, `The request body is larger than ${Math.round(MAX_TRPC_BODY_BYTES / (1024 * 1024))} MB`);
    return { req: new Request(req.url, { method: req.method, headers: req.headers, body, signal: req.signal }) };
  } catch (error) {
    return { refused: errorResponse(error) };
  }
}
