/** Content-addressed image files under BOIG_DATA_DIR/images/ (write once, atomically). */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { env } from "../env";

export function storedImagePath(sha256: string, format: string) {
  return path.join("images", sha256.slice(0, 2), `${sha256}.${format === "jpeg" ? "jpg" : format}`);
}

/** Writes the bytes unless a file with that hash is already stored; returns the relative path. */
export async function storeImage(bytes: Buffer, sha256: string, format: string): Promise<string> {
  const relative = storedImagePath(sha256, format);
  const absolute = path.join(env().dataDir, relative);
  try {
    await fs.access(absolute);
    return relative;
  } catch {
    /* not stored yet */
  }
  await fs.mkdir(path.dirname(absolute), { recursive: true });
  // A unique temp name: rows of one batch may store the same image concurrently.
  const tmp = `${absolute}.${randomBytes(6).toString("hex")}.tmp`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, absolute);
  return relative;
}
