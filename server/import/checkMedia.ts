/**
 * Each image a row references: the path must stay inside the import folder (no absolute paths,
 * no `..`, no symlink escapes), the file must exist, be under the size limit, and decode.
 */
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { AppError } from "../errors";
import { decodeImage } from "../verbalize/decodeImage";

export type CheckedMedia = {
  mediaPath: string;
  bytes: Buffer;
  sha256: string;
  format: string;
  width: number;
  height: number;
  rgba: Uint8Array;
};

export const MAX_MEDIA_BYTES = 10 * 1024 * 1024;

export async function checkMedia(rootReal: string, mediaPath: string, maxBytes = MAX_MEDIA_BYTES): Promise<CheckedMedia> {
  const shown = JSON.stringify(mediaPath);
  if (path.isAbsolute(mediaPath) || /^[a-zA-Z]:[\\/]/.test(mediaPath)) throw new Error(`${shown}: absolute paths are not allowed`);
  const resolved = path.resolve(rootReal, mediaPath);
  if (!resolved.startsWith(rootReal + path.sep)) throw new Error(`${shown} leaves the import folder`);
  let real: string;
  try {
    real = await fs.realpath(resolved);
  } catch {
    throw new Error(`${shown} does not exist`);
  }
  if (!real.startsWith(rootReal + path.sep)) throw new Error(`${shown} links outside the import folder`);
  const stat = await fs.stat(real);
  if (!stat.isFile()) throw new Error(`${shown} is not a file`);
  if (stat.size > maxBytes)
    throw new Error(`${shown} is ${(stat.size / 1048576).toFixed(1)} MB, over the ${(maxBytes / 1048576).toFixed(0)} MB limit`);
  const bytes = await fs.readFile(real);
  try {
    const image = decodeImage(bytes, { maxBytes });
    return { mediaPath, bytes, sha256: createHash("sha256").update(bytes).digest("hex"), format: image.format, width: image.width, height: image.height, rgba: image.rgba };
  } catch (err) {
    throw new Error(`${shown}: ${err instanceof AppError ? err.message : "cannot be decoded as an image"}`);
  }
}
