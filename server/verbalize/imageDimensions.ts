import { badInput } from "../errors";

/**
 * Reads width and height from the header alone, so an oversized image (a "decompression bomb":
 * a small file declaring 50 000 × 50 000 pixels) is refused before any pixel buffer is allocated
 * (SPEC §8: uploads are size-limited).
 */
export type Dimensions = { width: number; height: number };

const u16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number) => ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);

/** PNG: the first chunk must be IHDR (signature 8 bytes, length 4, type 4, width 4, height 4). */
export function readPngDimensions(bytes: Uint8Array): Dimensions {
  if (bytes.length < 24) throw badInput("truncated PNG: the file ends inside its header", { reason: "truncated", format: "png" });
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== "IHDR") throw badInput(`corrupt PNG: the first chunk is "${type}", expected "IHDR"`, { reason: "corrupt", format: "png" });
  const width = u32(bytes, 16);
  const height = u32(bytes, 20);
  if (width === 0 || height === 0) throw badInput(`corrupt PNG: declares a ${width}×${height} image`, { reason: "corrupt", format: "png" });
  return { width, height };
}

// Start-of-frame markers carry the dimensions: C0–CF except DHT (C4), JPG (C8) and DAC (CC).
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
// Markers without a length field: TEM (01) and RST0–RST7 (D0–D7).
const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

/** JPEG: walk the marker segments after SOI until the start-of-frame segment. */
export function readJpegDimensions(bytes: Uint8Array): Dimensions {
  const truncated = () => badInput("truncated JPEG: the file ends before its frame header", { reason: "truncated", format: "jpeg" });
  let at = 2; // after SOI (FF D8)
  for (;;) {
    if (at + 4 > bytes.length) throw truncated();
    if (bytes[at] !== 0xff) throw badInput(`corrupt JPEG: expected a marker at byte ${at}`, { reason: "corrupt", format: "jpeg" });
    while (bytes[at + 1] === 0xff && at + 4 < bytes.length) at++; // fill bytes before a marker are legal
    const marker = bytes[at + 1]!;
    if (isStandalone(marker)) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda)
      throw badInput("corrupt JPEG: no frame header before the image data", { reason: "corrupt", format: "jpeg" });
    if (isStartOfFrame(marker)) {
      if (at + 9 > bytes.length) throw truncated();
      const height = u16(bytes, at + 5);
      const width = u16(bytes, at + 7);
      // Height 0 means "defined later by a DNL marker"; jpeg-js does not support it, nor do we.
      if (width === 0 || height === 0) throw badInput(`corrupt JPEG: declares a ${width}×${height} image`, { reason: "corrupt", format: "jpeg" });
      return { width, height };
    }
    at += 2 + u16(bytes, at + 2);
  }
}
