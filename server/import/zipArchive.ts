/**
 * A ZIP archive read from its central directory, one entry inflated at a time (fflate's streaming
 * Inflate). Why not fflate's unzipSync: it inflates every entry into memory at once (an upload of
 * hundreds of MB can expand to gigabytes), it trusts the sizes the archive declares, and it does not
 * expose an entry's Unix mode, which is where a symlink entry hides.
 *
 * Every offset and size read here comes from the upload: each one is bounds-checked, and an entry
 * that inflates to more (or less) than it declares is refused while it streams, so a forged size
 * cannot make the caller write more than the total it checked up front.
 */
import { Inflate } from "fflate";
import { AppError, badInput } from "../errors";

export type ZipEntry = {
  /** The name exactly as the archive stores it (not yet checked: see extractImportZip). */
  name: string;
  isDirectory: boolean;
  isSymlink: boolean;
  encrypted: boolean;
  /** 0 stored, 8 deflate; anything else is refused when inflated. */
  method: number;
  compressedSize: number;
  /** The declared uncompressed size. */
  size: number;
  localHeaderOffset: number;
};

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const UNIX = 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
/** Compressed bytes per Inflate push: bounds the output of one push to ~16 MB even for a bomb. */
const PUSH_BYTES = 16 * 1024;

const corrupt = (why: string) => badInput(`file: not a readable ZIP archive (${why})`, { fields: [{ path: "file", message: `is not a readable ZIP archive (${why})` }] });

class Reader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  check(offset: number, length: number) {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.bytes.length) throw corrupt("a record points outside the file");
  }
  u16(offset: number) {
    this.check(offset, 2);
    return this.view.getUint16(offset, true);
  }
  u32(offset: number) {
    this.check(offset, 4);
    return this.view.getUint32(offset, true);
  }
  u64(offset: number) {
    const value = this.u32(offset) + this.u32(offset + 4) * 2 ** 32;
    if (!Number.isSafeInteger(value)) throw corrupt("a size is out of range");
    return value;
  }
}

/** Where the central directory is and how many entries it holds (ZIP64 aware). */
function findCentralDirectory(r: Reader): { offset: number; count: number } {
  const { bytes } = r;
  // The end record is 22 bytes plus a comment of at most 65,535 bytes at the very end.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (r.u32(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt("no end of central directory record");
  let count = r.u16(eocd + 10);
  let offset = r.u32(eocd + 16);
  if (count === 0xffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || r.u32(locator) !== ZIP64_LOCATOR) throw corrupt("ZIP64 locator missing");
    const record = r.u64(locator + 8);
    if (r.u32(record) !== ZIP64_EOCD) throw corrupt("ZIP64 end record missing");
    count = r.u64(record + 32);
    offset = r.u64(record + 48);
  }
  return { offset, count };
}

/**
 * The archive's entries in central-directory order. Refuses more than `maxEntries` before reading
 * any of them, so a directory of millions of entries costs nothing.
 */
export function readZipEntries(bytes: Uint8Array, options: { maxEntries: number }): ZipEntry[] {
  const r = new Reader(bytes);
  const { offset, count } = findCentralDirectory(r);
  if (count > options.maxEntries)
    throw badInput(`file: the ZIP holds ${count} entries, more than the ${options.maxEntries} allowed`, {
      fields: [{ path: "file", message: `holds ${count} entries, more than the ${options.maxEntries} allowed` }],
    });
  const entries: ZipEntry[] = [];
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (r.u32(p) !== CENTRAL) throw corrupt(`entry ${i + 1} of ${count} is missing`);
    const madeBy = r.u16(p + 4);
    const flags = r.u16(p + 8);
    const method = r.u16(p + 10);
    let compressedSize = r.u32(p + 20);
    let size = r.u32(p + 24);
    const nameLength = r.u16(p + 28);
    const extraLength = r.u16(p + 30);
    const commentLength = r.u16(p + 32);
    const externalAttrs = r.u32(p + 38);
    let localHeaderOffset = r.u32(p + 42);
    r.check(p + 46, nameLength + extraLength);
    const rawName = bytes.subarray(p + 46, p + 46 + nameLength);
    // Bit 11: UTF-8 names; otherwise CP437, read as Latin-1 (what most unzip tools do too).
    const name = new TextDecoder(flags & 0x800 ? "utf-8" : "latin1").decode(rawName);
    // ZIP64: the 32-bit fields that overflowed are 0xffffffff and live in extra field 0x0001, in order.
    if (size === 0xffffffff || compressedSize === 0xffffffff || localHeaderOffset === 0xffffffff) {
      let e = p + 46 + nameLength;
      const end = e + extraLength;
      let found = false;
      while (e + 4 <= end) {
        const id = r.u16(e);
        const length = r.u16(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          if (size === 0xffffffff) (size = r.u64(q)), (q += 8);
          if (compressedSize === 0xffffffff) (compressedSize = r.u64(q)), (q += 8);
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = r.u64(q);
          found = true;
          break;
        }
        e += 4 + length;
      }
      if (!found) throw corrupt(`entry "${name}" lacks its ZIP64 sizes`);
    }
    const unixMode = madeBy >> 8 === UNIX ? externalAttrs >>> 16 : 0;
    entries.push({
      name,
      isDirectory: name.endsWith("/") || (externalAttrs & 0x10) !== 0,
      isSymlink: (unixMode & S_IFMT) === S_IFLNK,
      encrypted: (flags & 0x1) !== 0,
      method,
      compressedSize,
      size,
      localHeaderOffset,
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Streams one entry's bytes to `write` in chunks. Throws BAD_INPUT when the entry's data does
 * not match what the central directory declared (a forged size, a truncated or corrupt stream).
 */
export function inflateZipEntry(bytes: Uint8Array, entry: ZipEntry, write: (chunk: Uint8Array) => void): void {
  const r = new Reader(bytes);
  const at = entry.localHeaderOffset;
  if (r.u32(at) !== LOCAL) throw corrupt(`entry "${entry.name}" has no local header`);
  const start = at + 30 + r.u16(at + 26) + r.u16(at + 28);
  r.check(start, entry.compressedSize);
  const data = bytes.subarray(start, start + entry.compressedSize);
  const mismatch = () =>
    badInput(`file: entry "${entry.name}" does not match its declared size in the ZIP`, {
      fields: [{ path: "file", message: `entry "${entry.name}" does not match its declared size` }],
    });

  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw mismatch();
    if (data.length) write(data);
    return;
  }
  if (entry.method !== 8)
    throw badInput(`file: entry "${entry.name}" uses compression method ${entry.method}; only Deflate and Store are supported`, {
      fields: [{ path: "file", message: `entry "${entry.name}" uses an unsupported compression method (${entry.method})` }],
    });
  let written = 0;
  const inflate = new Inflate((chunk) => {
    written += chunk.length;
    // Refused as soon as it overflows: a bomb never gets past its declared size.
    if (written > entry.size) throw mismatch();
    if (chunk.length) write(chunk);
  });
  try {
    if (data.length === 0) inflate.push(data, true);
    for (let i = 0; i < data.length; i += PUSH_BYTES) inflate.push(data.subarray(i, i + PUSH_BYTES), i + PUSH_BYTES >= data.length);
  } catch (err) {
    // fflate's own errors carry a numeric code; ours (AppError) and the writer's (ENOSPC…) pass through.
    if (err instanceof AppError || typeof (err as { code?: unknown }).code !== "number") throw err;
    throw corrupt(`entry "${entry.name}" is not valid Deflate data`);
  }
  if (written !== entry.size) throw mismatch();
}
