/** Content-addressed image files under BOIG_DATA_DIR/images/ (write once, atomically). */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import { env } from "../env";
import { AppError } from "../errors";

export function storedImagePath(sha256: string, format: string) {
  return path.join("images", sha256.slice(0, 2), `${sha256}.${format === "jpeg" ? "jpg" : format}`);
}

/**
 * A full or read-only disk is the operator's to fix, not a bug and not the caller's input: it
 * becomes UNAVAILABLE (503 on the REST API; a job retries with backoff) with a message that says
 * where and what, instead of a bare "ENOSPC: no space left on device, write" with a temp path.
 */
function storageError(error: unknown, dir: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOSPC" || code === "EDQUOT")
    return new AppError("UNAVAILABLE", `No space left to store images under BOIG_DATA_DIR (${dir}): free some disk space, then retry`, { code, dir });
  if (code === "EROFS" || code === "EACCES" || code === "EPERM")
    return new AppError(
      "UNAVAILABLE",
      `Cannot store images under BOIG_DATA_DIR (${dir}): ${code === "EROFS" ? "the file system is read-only" : "permission denied"}`,
      { code, dir },
    );
  return error;
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
  // A unique temp name: rows of one batch may store the same image concurrently.
  const tmp = `${absolute}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await fs.mkdir(path.dirname(absolute), { recursive: true });
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, absolute);
  } catch (error) {
    // A write that failed half way (disk full) leaves a partial temp file: remove it, or every
    // retry on a full disk would leave another one and keep the disk full after space is freed.
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw storageError(error, path.join(env().dataDir, "images"));
  }
  return relative;
}
