/**
 * How REST responses show the workspace's objects. Image URLs point at /api/v1/images/<id>
 * (key-authenticated) instead of the browser's cookie-authenticated /api/images/<id>; History's
 * keyset cursor travels as one opaque string.
 */
import { z } from "zod";
import { badInput } from "../errors";
import { isStorableDate } from "../services/validation";

export const restImageUrl = (imageId: string) => `/api/v1/images/${imageId}`;
export const restGenerationUrl = (generationId: string) => `/api/v1/generations/${generationId}`;

/** A generation (or History item) with its images' URLs pointing at the REST route. */
export function withRestImageUrls<G extends { images: { id: string; url: string }[] }>(generation: G): G {
  return { ...generation, images: generation.images.map((image) => ({ ...image, url: restImageUrl(image.id) })) };
}

export type Cursor = { createdAt: Date; id: string };

export const encodeCursor = (cursor: Cursor | null) =>
  cursor ? Buffer.from(JSON.stringify({ createdAt: cursor.createdAt.toISOString(), id: cursor.id })).toString("base64url") : null;

const cursorShape = z.object({ createdAt: z.iso.datetime().transform((t) => new Date(t)).refine(isStorableDate), id: z.uuid() });

/** The cursor a client sent back, checked here so a bad one is reported as `cursor`. */
export function decodeCursor(text: string): Cursor {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    /* reported below */
  }
  const valid = cursorShape.safeParse(parsed);
  if (valid.success) return valid.data;
  const message = "is not a cursor from a previous page's nextCursor";
  throw badInput(`cursor: ${message}`, { fields: [{ path: "cursor", message }] });
}

/** Query parameters as an object; empty values (`?brand=`) count as absent. */
export const queryOf = (req: Request) =>
  Object.fromEntries([...new URL(req.url).searchParams.entries()].filter(([, value]) => value.trim() !== ""));
