/**
 * Unpacks an uploaded import ZIP into a folder of its own. The archive comes from a browser, so
 * every entry is checked before a single byte is written, and any bad entry refuses the whole ZIP:
 *   - zip-slip: absolute paths, drive letters, `..` segments, backslashes (a Windows path
 *     separator that POSIX would keep inside a name but another tool may not), NUL bytes;
 *   - symbolic links (a link to /etc would let a later entry or the importer read outside);
 *   - encrypted entries, duplicate names, a file where another entry needs a folder;
 *   - zip bombs: more than `maxEntries` entries, or declared sizes totalling over `maxTotalBytes`
 *     (and an entry that inflates past its declared size is stopped while it streams).
 * It writes into `<into>.partial` and renames that to `<into>` only when everything is out, so a
 * folder at `<into>` is always complete; on any failure the partial folder is removed.
 */
import fs from "node:fs";
import path from "node:path";
import { badInput } from "../errors";
import { inflateZipEntry, readZipEntries, type ZipEntry } from "../import/zipArchive";

export const MAX_ZIP_ENTRIES = 100_000;

export type ExtractedZip = {
  /** The folder the archive was unpacked into. */
  dir: string;
  /** The import root: `dir`, or its single top-level folder when the archive has exactly one. */
  root: string;
  topFolder: string | null;
  files: number;
  bytes: number;
};

type Options = { into: string; maxTotalBytes: number; maxEntries?: number };

const MB = 1024 * 1024;
const refuse = (name: string, problem: string) =>
  badInput(`file: the entry "${name}" ${problem}; the ZIP was refused and nothing was extracted`, {
    fields: [{ path: "file", message: `entry "${name}" ${problem}` }],
  });

/** Why an entry's name is unsafe, or its path segments. */
function segmentsOf(name: string): string[] | string {
  if (name.includes("\0")) return "has a NUL byte in its name";
  if (name.includes("\\")) return "uses backslashes (\\) in its path";
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "has an absolute path";
  const segments = name.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) return "points outside the archive (..)";
  if (segments.some((s) => Buffer.byteLength(s) > 255)) return "has a path segment longer than 255 bytes";
  return segments;
}

/** macOS Finder's extras ("__MACOSX/…", ".DS_Store"): not data, and they would hide a single top folder. */
const isJunk = (segments: string[]) => segments[0] === "__MACOSX" || segments.at(-1) === ".DS_Store";

function plan(entries: ZipEntry[], maxTotalBytes: number) {
  const files: { entry: ZipEntry; segments: string[] }[] = [];
  const folders = new Set<string>();
  const seen = new Set<string>();
  let total = 0;
  for (const entry of entries) {
    const segments = segmentsOf(entry.name);
    if (typeof segments === "string") throw refuse(entry.name, segments);
    if (entry.isSymlink) throw refuse(entry.name, "is a symbolic link (links are not allowed)");
    if (entry.encrypted) throw refuse(entry.name, "is encrypted");
    if (segments.length === 0 || isJunk(segments)) continue;
    const key = segments.join("/");
    for (let i = 1; i < segments.length; i++) folders.add(segments.slice(0, i).join("/"));
    if (entry.isDirectory) {
      folders.add(key);
      continue;
    }
    if (seen.has(key)) throw refuse(entry.name, "appears twice");
    seen.add(key);
    total += entry.size;
    if (total > maxTotalBytes)
      throw badInput(`file: the ZIP expands to more than ${Math.round(maxTotalBytes / MB)} MB (4× the upload limit); it was refused`, {
        fields: [{ path: "file", message: `expands to more than ${Math.round(maxTotalBytes / MB)} MB (4× the upload limit)` }],
      });
    files.push({ entry, segments });
  }
  for (const { entry, segments } of files)
    if (folders.has(segments.join("/"))) throw refuse(entry.name, "is a file where other entries need a folder");
  if (files.length === 0) throw badInput("file: the ZIP holds no files", { fields: [{ path: "file", message: "holds no files" }] });
  return { files, folders: [...folders], total };
}

function writeAll(fd: number, chunk: Uint8Array) {
  for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off, chunk.length - off);
}

export async function extractImportZip(zip: Uint8Array, options: Options): Promise<ExtractedZip> {
  const entries = readZipEntries(zip, { maxEntries: options.maxEntries ?? MAX_ZIP_ENTRIES });
  const { files, folders, total } = plan(entries, options.maxTotalBytes);

  const into = path.resolve(options.into);
  const partial = `${into}.partial`;
  fs.mkdirSync(path.dirname(into), { recursive: true });
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial);
  const inside = (segments: string[]) => {
    const target = path.join(partial, ...segments);
    // Belt and braces: segmentsOf already refused anything that could resolve elsewhere.
    if (!target.startsWith(partial + path.sep)) throw refuse(segments.join("/"), "points outside the archive");
    return target;
  };
  try {
    for (const folder of folders) fs.mkdirSync(inside(folder.split("/")), { recursive: true });
    for (const [i, { entry, segments }] of files.entries()) {
      // "wx": create only — never follows or replaces something already there.
      const fd = fs.openSync(inside(segments), "wx", 0o644);
      try {
        inflateZipEntry(zip, entry, (chunk) => writeAll(fd, chunk));
      } finally {
        fs.closeSync(fd);
      }
      // Inflating is synchronous: let the server answer other requests between entries.
      if (i % 16 === 15) await new Promise((resolve) => setImmediate(resolve));
    }
    fs.renameSync(partial, into);
  } catch (err) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw err;
  }

  const top = fs.readdirSync(into, { withFileTypes: true });
  const topFolder = top.length === 1 && top[0]!.isDirectory() ? top[0]!.name : null;
  return { dir: into, root: topFolder ? path.join(into, topFolder) : into, topFolder, files: files.length, bytes: total };
}
