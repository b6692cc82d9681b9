/**
 * Request bodies of the REST API, read with a hard cap (MAX_BODY_BYTES → 413) before anything
 * parses them: a client cannot make the server buffer an unbounded upload. Next.js route handlers
 * set no limit of their own.
 */
import { DEFAULT_MAX_IMAGE_BYTES } from "../verbalize/decodeImage";
import { HttpError } from "./httpErrors";

/** Room for a 10 MB image plus multipart framing and the text fields around it. */
export const MAX_BODY_BYTES = 15 * 1024 * 1024;

const tooLarge = (max: number) =>
  new HttpError(413, "PAYLOAD_TOO_LARGE", `The request body is larger than ${max / (1024 * 1024)} MB (images up to ${DEFAULT_MAX_IMAGE_BYTES / (1024 * 1024)} MB can be scored)`);

/** `tooLargeMessage` replaces the default 413 message (which speaks of scoring images). */
export async function readBodyBytes(req: Request, max = MAX_BODY_BYTES, tooLargeMessage?: string): Promise<Uint8Array<ArrayBuffer>> {
  const refuse = () => (tooLargeMessage ? new HttpError(413, "PAYLOAD_TOO_LARGE", tooLargeMessage) : tooLarge(max));
  // A declared length over the cap is refused before reading a byte; a chunked or lying body is
  // counted as it streams in.
  const declared = Number(req.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > max) throw refuse();
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw refuse();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The body as a JSON object. The content type is not checked: `curl -d` sends
 * application/x-www-form-urlencoded unless told otherwise, and the body still says what it is.
 */
export async function readJsonObject(req: Request): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(await readBodyBytes(req));
  if (text.trim() === "") throw new HttpError(400, "BAD_INPUT", "The request body is empty: send a JSON object", [{ path: "(body)", message: "is empty" }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message : "cannot be parsed";
    throw new HttpError(400, "BAD_INPUT", `The request body is not valid JSON (${detail})`, [{ path: "(body)", message: `is not valid JSON (${detail})` }]);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new HttpError(400, "BAD_INPUT", "The request body must be a JSON object", [{ path: "(body)", message: "must be a JSON object" }]);
  return parsed as Record<string, unknown>;
}

/**
 * The body as multipart/form-data (a file upload), parsed from the capped bytes. The defaults fit
 * POST /api/v1/score; other uploads pass their own cap and messages.
 */
export async function readMultipart(
  req: Request,
  options: { maxBytes?: number; tooLargeMessage?: string; usage?: string } = {},
): Promise<FormData> {
  const contentType = req.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(contentType))
    throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", options.usage ?? "Send multipart/form-data with the image as a file field, e.g. curl -F image=@photo.jpg -F date=2024-03-15 …");
  const bytes = await readBodyBytes(req, options.maxBytes, options.tooLargeMessage);
  try {
    return await new Response(bytes, { headers: { "content-type": contentType } }).formData();
  } catch {
    throw new HttpError(400, "BAD_INPUT", "The request body is not valid multipart/form-data", [{ path: "(body)", message: "is not valid multipart/form-data" }]);
  }
}
