import zlib from "node:zlib";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { badInput } from "../errors";
import { readJpegDimensions, readPngDimensions } from "./imageDimensions";
import { sniffImageFormat } from "./sniffImageFormat";
import type { RgbaImage } from "./types";

/**
 * PNG/JPEG bytes ⇄ RGBA pixels (SPEC §3.4 verbalizes pixels; SPEC §8: uploads are size- and
 * type-limited, every bad image gets a clear message). Errors are `badInput` with
 * `details.reason` in: empty | unsupported_format | too_large | too_many_pixels | truncated | corrupt.
 */
export type DecodedImage = RgbaImage & { format: "png" | "jpeg" };
export type DecodeLimits = { maxBytes?: number; maxPixels?: number };

export const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024;
/** 4096 × 4096: far above what verbalization needs, and 64 MiB of RGBA at most. */
export const DEFAULT_MAX_IMAGE_PIXELS = 4096 * 4096;

// Exact counts in messages: "10.0 MB; the limit is 10.0 MB" would leave the user guessing.
const count = (n: number) => n.toLocaleString("en-US");
const mebibytes = (n: number) => `${+(n / (1024 * 1024)).toFixed(1)} MB`;

export function decodeImage(bytes: Uint8Array, limits: DecodeLimits = {}): DecodedImage {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  if (bytes.length === 0) throw badInput("the image file is empty", { reason: "empty" });
  if (bytes.length > maxBytes)
    throw badInput(`the image is ${count(bytes.length)} bytes; the limit is ${count(maxBytes)} bytes (${mebibytes(maxBytes)})`, {
      reason: "too_large",
      bytes: bytes.length,
      maxBytes,
    });

  const sniffed = sniffImageFormat(bytes);
  if (sniffed.kind === "unsupported")
    throw badInput(`${sniffed.name} is not supported; upload a PNG or JPEG`, { reason: "unsupported_format", format: sniffed.name });
  if (sniffed.kind === "unknown")
    throw badInput(`not a PNG or JPEG image (the file starts with bytes ${sniffed.firstBytes})`, {
      reason: "unsupported_format",
      firstBytes: sniffed.firstBytes,
    });

  const format = sniffed.kind;
  const { width, height } = format === "png" ? readPngDimensions(bytes) : readJpegDimensions(bytes);
  if (width * height > maxPixels)
    throw badInput(`the image is ${width}×${height} = ${count(width * height)} pixels; the limit is ${count(maxPixels)} pixels`, {
      reason: "too_many_pixels",
      width,
      height,
      maxPixels,
    });

  const rgba = format === "png" ? decodePngPixels(bytes, width, height) : decodeJpegPixels(bytes, maxPixels);
  if (rgba.length !== width * height * 4)
    throw badInput(`corrupt ${format.toUpperCase()}: decoded ${rgba.length} bytes for a ${width}×${height} image`, { reason: "corrupt", format });
  return { width, height, rgba, format };
}

// Adam7 interlacing: each pass's first column and row, and its steps.
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * pngjs caps the inflated size of a non-interlaced PNG at what its header declares, but inflates an
 * interlaced one without any cap: a 300 KB file declaring 16×16 pixels made it allocate ~1 GB (and
 * a 10 MB one could take the process down). Found by tests/unit/fuzz.decodeImage.test.ts. So for
 * interlaced PNGs the image data is first inflated here with a ceiling of the size the header
 * implies; anything else wrong with the stream is left for pngjs to report.
 */
function checkInterlacedPngSize(bytes: Uint8Array, width: number, height: number) {
  const [depth, colorType, interlace] = [bytes[24]!, bytes[25]!, bytes[28]!];
  const channels = PNG_CHANNELS[colorType];
  if (interlace !== 1 || !channels) return;
  let expected = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const passWidth = Math.ceil((width - x0) / dx);
    const passHeight = Math.ceil((height - y0) / dy);
    if (passWidth > 0 && passHeight > 0) expected += passHeight * (1 + Math.ceil((passWidth * channels * depth) / 8));
  }
  const data: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === "IEND" || at + 12 + length > bytes.length) break;
    if (type === "IDAT") data.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  try {
    zlib.inflateSync(Buffer.concat(data), { maxOutputLength: expected + 1024 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      throw badInput(`corrupt PNG: its image data inflates to more than the ${count(expected)} bytes its ${width}×${height} header implies`, {
        reason: "corrupt",
        format: "png",
      });
  }
}

function decodePngPixels(bytes: Uint8Array, width: number, height: number): Uint8Array {
  checkInterlacedPngSize(bytes, width, height);
  try {
    // pngjs converts palette, grey and 16-bit images to 8-bit RGBA, and checks every chunk's CRC.
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    // pngjs reports a file that ends early (missing IDAT data or IEND) as a pending read on a
    // finished stream; say "truncated", which is what the user can act on.
    if (/finished stream|unexpected end/i.test(cause))
      throw badInput("truncated PNG: the file ends before its image data is complete", { reason: "truncated", format: "png", cause });
    throw badInput(`corrupt PNG: ${cause}`, { reason: "corrupt", format: "png", cause });
  }
}

function decodeJpegPixels(bytes: Uint8Array, maxPixels: number): Uint8Array {
  try {
    return jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      // Belt and braces behind the header check: jpeg-js's own guards, sized from our pixel
      // limit (its working set is well under 16 bytes per pixel, progressive JPEGs included).
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB: Math.max(64, Math.ceil((maxPixels * 16) / (1024 * 1024))),
    }).data;
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    const endsWithEoi = bytes[bytes.length - 2] === 0xff && bytes[bytes.length - 1] === 0xd9;
    if (!endsWithEoi)
      throw badInput("truncated JPEG: the file ends before its end-of-image marker", { reason: "truncated", format: "jpeg", cause });
    throw badInput(`corrupt JPEG: ${cause}`, { reason: "corrupt", format: "jpeg", cause });
  }
}

/** RGBA pixels → PNG bytes (for thumbnails, generated images, test fixtures). */
export function encodePng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw badInput(`cannot encode a ${width}×${height} PNG`, { width, height });
  if (rgba.length !== width * height * 4)
    throw badInput(`RGBA buffer has ${rgba.length} bytes; a ${width}×${height} image needs ${width * height * 4}`, {
      width,
      height,
      bytes: rgba.length,
    });
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const bytes = PNG.sync.write(png);
  // A plain Uint8Array view, not the Buffer: Buffer#slice shares memory, Uint8Array#slice copies.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
