/**
 * Bad-input campaign (issue 8), the image decoder: random bytes behind every signature, PNGs built
 * chunk by chunk from arbitrary headers (any bit depth, colour type, interlacing, giant declared
 * dimensions, palettes, filter bytes, zlib streams that are cut, random or far too long), small
 * JPEGs and the real photos of tests/fixtures/photos truncated and mutated (frame sizes
 * rewritten, bytes flipped, segments repeated). decodeImage must return an image whose RGBA
 * buffer is exactly width × height × 4 bytes, or throw AppError BAD_INPUT with a reason — never
 * another error, never a long stall, and well-formed images must decode.
 */
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import fc from "fast-check";
import jpeg from "jpeg-js";
import { describe, expect, it, vi } from "vitest";
import { AppError } from "@/server/errors";
import { decodeImage, type DecodeLimits } from "@/server/verbalize/decodeImage";
import { fuzzRuns } from "./fuzzRuns";

const RUNS = { numRuns: fuzzRuns() };
/** Small pixel limits keep every decode fast; the contract is the same for any limits. */
const SMALL: DecodeLimits = { maxPixels: 96 * 96 };
const REASONS = ["empty", "unsupported_format", "too_large", "too_many_pixels", "truncated", "corrupt"];

type Outcome = { ok: true; width: number; height: number } | { ok: false; reason: string };

function decode(bytes: Uint8Array, limits: DecodeLimits = SMALL): Outcome {
  const started = performance.now();
  try {
    const image = decodeImage(bytes, limits);
    expect(image.rgba.length).toBe(image.width * image.height * 4);
    expect(image.width * image.height).toBeLessThanOrEqual(limits.maxPixels ?? Infinity);
    return { ok: true, width: image.width, height: image.height };
  } catch (error) {
    if (!(error instanceof AppError)) throw new Error(`decodeImage threw a non-AppError: ${String(error)}`, { cause: error });
    expect(error.code).toBe("BAD_INPUT");
    expect(error.message.length).toBeGreaterThan(10);
    expect(REASONS).toContain(error.details?.reason);
    return { ok: false, reason: String(error.details?.reason) };
  } finally {
    // "Never hangs": no input here is over a few hundred KB, so no decode may take long.
    expect(performance.now() - started).toBeLessThan(3000);
  }
}

// ---------------------------------------------------------------------------------------------
// PNG, chunk by chunk.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array, badCrc = false) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE((crc32(out.subarray(4, 8 + data.length)) ^ (badCrc ? 1 : 0)) >>> 0, 8 + data.length);
  return out;
}
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const VALID_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/** The filtered scanlines (all filter bytes from `filters`) a header implies, with sample bytes from `fill`. */
function rawScanlines(width: number, height: number, depth: number, colorType: number, interlace: number, filters: number[], fill: (i: number) => number) {
  const bitsPerPixel = (CHANNELS[colorType] ?? 1) * depth;
  const passes = interlace === 1 ? ADAM7.map(([x0, y0, dx, dy]) => [Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)]) : [[width, height]];
  const rows: number[] = [];
  let n = 0;
  for (const [w, h] of passes) {
    if (w! <= 0 || h! <= 0) continue;
    for (let y = 0; y < h!; y++) {
      rows.push(filters[n % filters.length]!);
      for (let b = 0; b < Math.ceil((w! * bitsPerPixel) / 8); b++) rows.push(fill(n++ * 31 + b));
    }
  }
  return Buffer.from(rows);
}

const pngSpec = fc.record({
  width: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 40 }) }, fc.constantFrom(0, 65535, 2 ** 31 - 1, 2 ** 32 - 1, 97)),
  height: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 40 }) }, fc.constantFrom(0, 65535, 2 ** 31 - 1, 2 ** 32 - 1, 97)),
  colorType: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, 2, 3, 4, 6) }, fc.constantFrom(1, 5, 7, 255)),
  depthPick: fc.nat(),
  oddDepth: fc.constantFrom(0, 3, 5, 32, 255),
  validDepth: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, fc.constant(false)),
  compression: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, fc.constant(1)),
  filterMethod: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, fc.constant(1)),
  interlace: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(0, 1) }, fc.constant(2)),
  palette: fc.option(fc.nat({ max: 300 }), { freq: 1 }),
  trns: fc.option(fc.uint8Array({ maxLength: 300 }), { freq: 1 }),
  filters: fc.oneof({ weight: 4, arbitrary: fc.constant<number[]>([0]) }, fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 5 }), fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 5 })),
  seed: fc.nat(),
  data: fc.oneof({ weight: 6, arbitrary: fc.constant("valid") }, fc.constantFrom("truncatedZlib", "random", "extraLong", "bomb", "empty", "rawNotZlib")),
  idatPieces: fc.integer({ min: 1, max: 4 }),
  badCrc: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, fc.constant(true)),
  iend: fc.oneof({ weight: 9, arbitrary: fc.constant(true) }, fc.constant(false)),
  cut: fc.option(fc.nat(), { freq: 1 }),
  randomTail: fc.uint8Array({ maxLength: 64 }),
});
type PngSpec = typeof pngSpec extends fc.Arbitrary<infer T> ? T : never;

function buildPng(s: PngSpec): { bytes: Uint8Array; wellFormed: boolean } {
  const depths = VALID_DEPTHS[s.colorType];
  const depth = depths && s.validDepth ? depths[s.depthPick % depths.length]! : s.oddDepth;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(s.width >>> 0, 0);
  ihdr.writeUInt32BE(s.height >>> 0, 4);
  ihdr.set([depth, s.colorType, s.compression, s.filterMethod, s.interlace], 8);
  const fill = (i: number) => ((i * 2654435761 + s.seed) >>> 13) & 0xff;
  const small = s.width > 0 && s.height > 0 && s.width * s.height <= 96 * 96;
  const raw = small ? rawScanlines(s.width, s.height, depth || 8, s.colorType, s.interlace === 1 ? 1 : 0, s.filters, fill) : Buffer.alloc(64);
  let idat: Buffer;
  switch (s.data) {
    case "valid":
      idat = zlib.deflateSync(raw);
      break;
    case "truncatedZlib":
      idat = zlib.deflateSync(raw).subarray(0, Math.max(0, zlib.deflateSync(raw).length - 1 - (s.seed % 8)));
      break;
    case "random":
      idat = Buffer.from(Array.from({ length: 1 + (s.seed % 200) }, (_, i) => fill(i)));
      break;
    case "extraLong":
      idat = zlib.deflateSync(Buffer.concat([raw, Buffer.alloc(1 + (s.seed % 5000), 7)]));
      break;
    case "bomb":
      idat = zlib.deflateSync(Buffer.alloc(8 * 1024 * 1024)); // ~8 KB inflating to 8 MB, whatever the header says
      break;
    case "rawNotZlib":
      idat = raw;
      break;
    default:
      idat = Buffer.alloc(0);
  }
  const parts: Buffer[] = [PNG_SIGNATURE, chunk("IHDR", ihdr, s.badCrc && s.seed % 3 === 0)];
  if (s.palette !== null) parts.push(chunk("PLTE", Buffer.from(Array.from({ length: s.palette }, (_, i) => fill(i + 7)))));
  if (s.trns !== null) parts.push(chunk("tRNS", s.trns));
  const piece = Math.ceil(idat.length / s.idatPieces) || 1;
  for (let at = 0; at < idat.length || at === 0; at += piece) {
    parts.push(chunk("IDAT", idat.subarray(at, at + piece), s.badCrc && s.seed % 3 === 1));
    if (idat.length === 0) break;
  }
  if (s.iend) parts.push(chunk("IEND", Buffer.alloc(0), s.badCrc && s.seed % 3 === 2));
  let bytes: Uint8Array = Buffer.concat(parts);
  if (s.cut !== null) bytes = Buffer.concat([bytes.subarray(0, s.cut % (bytes.length + 1)), s.seed % 2 ? s.randomTail : new Uint8Array(0)]);
  const paletteOk = s.colorType !== 3 || (s.palette !== null && s.palette >= 3 && s.palette % 3 === 0 && s.palette / 3 >= 2 ** Math.min(depth, 8));
  const trnsOk = s.trns === null;
  const wellFormed =
    small && !!depths && s.validDepth && s.compression === 0 && s.filterMethod === 0 && s.interlace !== 2 && s.data === "valid" &&
    s.filters.every((f) => f <= 4) && !s.badCrc && s.iend && s.cut === null && paletteOk && trnsOk;
  return { bytes, wellFormed };
}

// ---------------------------------------------------------------------------------------------
// JPEG.

// jpeg-js's encoder spends ~200 ms building its tables per call, so a pool is encoded once and the
// fuzzing is in the mutations (sizes from 1×1 to 48×40, MCU edges, qualities 1–100).
const JPEG_SPECS = [
  { width: 1, height: 1, quality: 50, seed: 1 },
  { width: 7, height: 9, quality: 1, seed: 2 },
  { width: 16, height: 16, quality: 90, seed: 3 },
  { width: 17, height: 3, quality: 100, seed: 4 },
  { width: 48, height: 40, quality: 75, seed: 5 },
  { width: 33, height: 31, quality: 30, seed: 6 },
];
function encodeJpeg({ width, height, quality, seed }: { width: number; height: number; quality: number; seed: number }) {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761 + seed) >>> 11) & 0xff;
  return new Uint8Array(jpeg.encode({ data, width, height }, quality).data);
}

/** Where the frame header's height and width are (after the SOFn marker's length and precision). */
function frameSizeAt(bytes: Uint8Array): number | null {
  for (let at = 2; at + 9 < bytes.length; ) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return at + 5;
    at += 2 + ((bytes[at + 2]! << 8) | bytes[at + 3]!);
  }
  return null;
}

const mutationArb = fc.record({
  kind: fc.constantFrom("truncate", "flip", "frameSize", "repeatSegment", "insertMarker", "zeroRun", "none"),
  at: fc.nat(),
  value: fc.nat({ max: 65535 }),
  other: fc.nat({ max: 65535 }),
  byte: fc.nat({ max: 255 }),
  count: fc.integer({ min: 1, max: 8 }),
});
type Mutation = typeof mutationArb extends fc.Arbitrary<infer T> ? T : never;

function mutateJpeg(original: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = Uint8Array.from(original);
  for (const m of mutations) {
    const at = m.at % Math.max(1, bytes.length);
    switch (m.kind) {
      case "truncate":
        bytes = bytes.subarray(0, at);
        break;
      case "flip":
        for (let i = 0; i < m.count; i++) bytes[(at + i * 97) % bytes.length] = (m.byte + i * 31) & 0xff;
        break;
      case "frameSize": {
        // Giant or zero declared dimensions behind an otherwise valid file.
        const size = frameSizeAt(bytes);
        if (size !== null) bytes.set([m.value >> 8, m.value & 0xff, m.other >> 8, m.other & 0xff], size);
        break;
      }
      case "repeatSegment":
        bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at, at + 40 * m.count), ...bytes.subarray(at)]);
        break;
      case "insertMarker":
        bytes = Uint8Array.from([...bytes.subarray(0, at), 0xff, m.byte, m.value >> 8, m.value & 0xff, ...bytes.subarray(at)]);
        break;
      case "zeroRun":
        bytes.fill(0, at, at + 16 * m.count);
        break;
    }
  }
  return bytes;
}

const PHOTOS = fs
  .readdirSync(path.join(__dirname, "../fixtures/photos"))
  .filter((f) => f.endsWith(".jpg"))
  .map((f) => new Uint8Array(fs.readFileSync(path.join(__dirname, "../fixtures/photos", f))));

// ---------------------------------------------------------------------------------------------

describe("decodeImage fuzz: a consistent image or BAD_INPUT, nothing else", () => {
  it(`random bytes, alone or behind a PNG/JPEG/other signature (${RUNS.numRuns} cases)`, () => {
    const signatures = [[], [...PNG_SIGNATURE], [0xff, 0xd8, 0xff], [0xff, 0xd8], [...Buffer.from("GIF89a")], [...Buffer.from("RIFF\0\0\0\0WEBP")], [0x89, 0x50, 0x4e, 0x47]];
    fc.assert(
      fc.property(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 2000 }), (signature, tail) => {
        decode(new Uint8Array([...signature, ...tail]));
      }),
      RUNS,
    );
  });

  it(`PNGs built from arbitrary headers and chunks (${RUNS.numRuns} cases); the well-formed ones decode`, () => {
    const seen = { ok: 0, refused: 0, wellFormed: 0, tooManyPixels: 0 };
    fc.assert(
      fc.property(pngSpec, (spec) => {
        const { bytes, wellFormed } = buildPng(spec);
        const outcome = decode(bytes);
        if (outcome.ok) seen.ok++;
        else seen.refused++;
        if (wellFormed) {
          seen.wellFormed++;
          expect(outcome, JSON.stringify(spec)).toEqual({ ok: true, width: spec.width, height: spec.height });
        }
        // A header declaring more pixels than allowed is refused from the header, before any pixel work.
        if (spec.width * spec.height > SMALL.maxPixels! && spec.cut === null && !(spec.badCrc && spec.seed % 3 === 0)) {
          seen.tooManyPixels++;
          expect(outcome).toEqual({ ok: false, reason: "too_many_pixels" });
        }
      }),
      RUNS,
    );
    expect(seen.wellFormed).toBeGreaterThan(RUNS.numRuns / 40);
    expect(seen.refused).toBeGreaterThan(RUNS.numRuns / 4);
    expect(seen.tooManyPixels).toBeGreaterThan(0);
  });

  it("an interlaced PNG whose data inflates far past its header is refused at once, without inflating it", () => {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(16, 0);
    ihdr.writeUInt32BE(16, 4);
    ihdr.set([8, 6, 0, 0, 1], 8);
    // ~200 KB of file, 200 MB once inflated: pngjs alone would allocate all of it.
    const bomb = Buffer.concat([PNG_SIGNATURE, chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(Buffer.alloc(200 * 1024 * 1024), { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
    expect(bomb.length).toBeLessThan(400 * 1024);
    // Every inflate (ours and pngjs's) is watched: none may produce more than the header allows.
    const inflated: number[] = [];
    const original = zlib.inflateSync;
    const spy = vi.spyOn(zlib, "inflateSync").mockImplementation((...args: Parameters<typeof zlib.inflateSync>) => {
      const out = original(...args);
      inflated.push(out.length);
      return out;
    });
    try {
      expect(decode(bomb, {})).toEqual({ ok: false, reason: "corrupt" });
    } finally {
      spy.mockRestore();
    }
    expect(Math.max(0, ...inflated)).toBeLessThan(1024 * 1024);
  });

  it("well-formed interlaced and non-interlaced RGBA PNGs decode to their exact pixels", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 24 }), fc.constantFrom(0, 1), fc.nat(), (width, height, interlace, seed) => {
        const pixel = (x: number, y: number) => [(x * 13 + seed) & 0xff, (y * 7 + seed) & 0xff, (x * y) & 0xff, 255];
        const rows: number[] = [];
        const passes = interlace ? ADAM7 : ([[0, 0, 1, 1]] as const);
        for (const [x0, y0, dx, dy] of passes)
          for (let y = y0; y < height; y += dy) {
            if (x0 >= width) break;
            rows.push(0);
            for (let x = x0; x < width; x += dx) rows.push(...pixel(x, y));
          }
        const ihdr = Buffer.alloc(13);
        ihdr.writeUInt32BE(width, 0);
        ihdr.writeUInt32BE(height, 4);
        ihdr.set([8, 6, 0, 0, interlace], 8);
        const bytes = Buffer.concat([PNG_SIGNATURE, chunk("IHDR", ihdr), chunk("IDAT", zlib.deflateSync(Buffer.from(rows))), chunk("IEND", Buffer.alloc(0))]);
        const image = decodeImage(bytes);
        const expected = new Uint8Array(width * height * 4);
        for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) expected.set(pixel(x, y), (y * width + x) * 4);
        expect(image.rgba).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it(`small JPEGs, truncated and mutated (${RUNS.numRuns} cases); untouched ones decode`, () => {
    const pool = JPEG_SPECS.map((spec) => ({ spec, bytes: encodeJpeg(spec) }));
    fc.assert(
      fc.property(fc.constantFrom(...pool), fc.array(mutationArb, { maxLength: 3 }), ({ spec, bytes }, mutations) => {
        const outcome = decode(mutateJpeg(bytes, mutations));
        if (mutations.every((m) => m.kind === "none")) expect(outcome).toEqual({ ok: true, width: spec.width, height: spec.height });
      }),
      RUNS,
    );
  });

  it("the fixture photos, truncated and mutated (default limits)", () => {
    for (const photo of PHOTOS) expect(decode(photo, {}).ok).toBe(true);
    fc.assert(
      fc.property(fc.constantFrom(...PHOTOS), fc.array(mutationArb, { minLength: 1, maxLength: 2 }), (photo, mutations) => {
        decode(mutateJpeg(photo, mutations), {});
      }),
      { numRuns: Math.round(RUNS.numRuns / 5) },
    );
  });
});
