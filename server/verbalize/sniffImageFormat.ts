/**
 * Tells an image's format from its first bytes, never from its file name (SPEC §8: uploads are
 * type-limited; a renamed file must not slip through). Only PNG and JPEG are decoded
 * (SPEC §3.4); the other formats are recognized only so the error can name them.
 */
export type SniffedFormat =
  | { kind: "png" }
  | { kind: "jpeg" }
  | { kind: "unsupported"; name: string } // a known format we do not decode
  | { kind: "unknown"; firstBytes: string }; // hex of the first bytes, for the error message

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0) =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff]; // SOI then the first marker's 0xFF

/** Formats people commonly upload instead of PNG/JPEG, by signature. */
const OTHER_FORMATS: { name: string; matches: (bytes: Uint8Array) => boolean }[] = [
  { name: "GIF", matches: (b) => startsWith(b, ascii("GIF87a")) || startsWith(b, ascii("GIF89a")) },
  { name: "WebP", matches: (b) => startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8) },
  { name: "BMP", matches: (b) => startsWith(b, ascii("BM")) && b.length >= 14 },
  { name: "TIFF", matches: (b) => startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]) },
  { name: "HEIC/AVIF", matches: (b) => startsWith(b, ascii("ftyp"), 4) },
  { name: "ICO", matches: (b) => startsWith(b, [0x00, 0x00, 0x01, 0x00]) },
  { name: "PDF", matches: (b) => startsWith(b, ascii("%PDF")) },
  { name: "SVG/XML/HTML text", matches: (b) => startsWith(b, ascii("<")) },
  // A PNG signature damaged by a text-mode transfer (CRLF -> LF) is a classic; name it.
  { name: "damaged PNG (signature altered, e.g. by a text-mode transfer)", matches: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47]) },
];

export function sniffImageFormat(bytes: Uint8Array): SniffedFormat {
  if (startsWith(bytes, PNG_SIGNATURE)) return { kind: "png" };
  if (startsWith(bytes, JPEG_SIGNATURE)) return { kind: "jpeg" };
  const other = OTHER_FORMATS.find((format) => format.matches(bytes));
  if (other) return { kind: "unsupported", name: other.name };
  const firstBytes = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return { kind: "unknown", firstBytes };
}
