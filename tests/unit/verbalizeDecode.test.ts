import fc from "fast-check";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { DEFAULT_MAX_IMAGE_BYTES, decodeImage, encodePng } from "@/server/verbalize/decodeImage";

/** A w×h test pattern: left half blue, right half white, fully opaque. */
function pattern(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rgba.set(x < width / 2 ? [40, 90, 210, 255] : [245, 245, 240, 255], (y * width + x) * 4);
  return rgba;
}
/** Noise, so the compressed stream is long enough to cut in many places. */
function noise(width: number, height: number, seed = 1): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    rgba[i] = i % 4 === 3 ? 255 : seed >> 16;
  }
  return rgba;
}

/** The AppError thrown by `fn`, asserting it is BAD_INPUT. */
function badInputOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("BAD_INPUT");
    return error as AppError;
  }
  throw new Error("expected a BAD_INPUT error, but nothing was thrown");
}

const ascii = (text: string) => new Uint8Array([...text].map((c) => c.charCodeAt(0)));

describe("decodeImage: PNG and JPEG (SPEC §3.4, §8)", () => {
  it("round-trips a PNG exactly", () => {
    const rgba = noise(13, 7);
    const decoded = decodeImage(encodePng(rgba, 13, 7));
    expect(decoded).toMatchObject({ width: 13, height: 7, format: "png" });
    expect([...decoded.rgba]).toEqual([...rgba]);
  });

  it("decodes grey and palette PNGs to RGBA", () => {
    const png = new PNG({ width: 4, height: 2 });
    png.data.set(pattern(4, 2));
    const grey = decodeImage(PNG.sync.write(png, { colorType: 0 }));
    expect(grey.rgba.length).toBe(4 * 2 * 4);
    expect([...grey.rgba.subarray(0, 4)]).toEqual([grey.rgba[0], grey.rgba[0], grey.rgba[0], 255]);
  });

  it("decodes a JPEG, sniffed by content whatever it is called", () => {
    const rgba = pattern(32, 16);
    const bytes = jpeg.encode({ data: rgba, width: 32, height: 16 }, 95).data;
    const decoded = decodeImage(new Uint8Array(bytes));
    expect(decoded).toMatchObject({ width: 32, height: 16, format: "jpeg" });
    // lossy: each channel within a few levels away from the edge between the halves
    for (const [x, expected] of [[2, [40, 90, 210]], [29, [245, 245, 240]]] as const) {
      const at = (8 * 32 + x) * 4;
      [0, 1, 2].forEach((c) => expect(Math.abs(decoded.rgba[at + c]! - expected[c]!)).toBeLessThan(8));
    }
  });

  it("says which format it is when it is not PNG or JPEG", () => {
    expect(badInputOf(() => decodeImage(ascii("GIF89a\x01\x00\x01\x00"))).message).toBe("GIF is not supported; upload a PNG or JPEG");
    expect(badInputOf(() => decodeImage(ascii("RIFF\x00\x00\x00\x00WEBPVP8 "))).message).toMatch(/^WebP is not supported/);
    expect(badInputOf(() => decodeImage(ascii("<svg xmlns="))).message).toMatch(/^SVG\/XML\/HTML text is not supported/);
    const random = badInputOf(() => decodeImage(new Uint8Array([0x13, 0x37, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02])));
    expect(random.message).toBe("not a PNG or JPEG image (the file starts with bytes 13 37 de ad be ef 00 01)");
    expect(random.details).toMatchObject({ reason: "unsupported_format" });
    expect(badInputOf(() => decodeImage(new Uint8Array())).details).toMatchObject({ reason: "empty" });
  });

  it("refuses files over the byte limit before looking inside (default 10 MB)", () => {
    const big = new Uint8Array(DEFAULT_MAX_IMAGE_BYTES + 1);
    const error = badInputOf(() => decodeImage(big));
    expect(error.message).toBe("the image is 10,485,761 bytes; the limit is 10,485,760 bytes (10 MB)");
    expect(error.details).toMatchObject({ reason: "too_large" });
    expect(badInputOf(() => decodeImage(encodePng(noise(8, 8), 8, 8), { maxBytes: 100 })).details).toMatchObject({ reason: "too_large" });
  });

  it("refuses images over the pixel limit from the header, before allocating pixels", () => {
    // A PNG header declaring 50 000 × 50 000 (10 GB of RGBA) with no image data at all.
    const bomb = encodePng(noise(1, 1), 1, 1).slice(0, 33);
    const header = new DataView(bomb.buffer, bomb.byteOffset);
    header.setUint32(16, 50_000);
    header.setUint32(20, 50_000);
    const error = badInputOf(() => decodeImage(bomb));
    expect(error.message).toBe("the image is 50000×50000 = 2,500,000,000 pixels; the limit is 16,777,216 pixels");
    expect(error.details).toMatchObject({ reason: "too_many_pixels" });
    const jpg = new Uint8Array(jpeg.encode({ data: pattern(40, 30), width: 40, height: 30 }, 80).data);
    expect(badInputOf(() => decodeImage(jpg, { maxPixels: 1000 })).message).toBe("the image is 40×30 = 1,200 pixels; the limit is 1,000 pixels");
  });

  it("fails a truncated PNG with a clear message at every cut point", () => {
    const png = encodePng(noise(24, 16), 24, 16);
    for (let length = 8; length < png.length; length++) {
      const error = badInputOf(() => decodeImage(png.subarray(0, length)));
      expect(error.message).toMatch(/^truncated PNG: the file ends (inside its header|before its image data is complete)$/);
      expect(error.details).toMatchObject({ reason: "truncated", format: "png" });
    }
  });

  it("fails a corrupt PNG (bad checksum) as corrupt", () => {
    const png = encodePng(noise(24, 16), 24, 16).slice();
    png[60] = png[60]! ^ 0xff; // inside IDAT
    const error = badInputOf(() => decodeImage(png));
    expect(error.message).toMatch(/^corrupt PNG: /);
    expect(error.details).toMatchObject({ reason: "corrupt" });
  });

  it("fails a truncated JPEG with a clear message at every cut point", () => {
    const jpg = new Uint8Array(jpeg.encode({ data: noise(24, 16), width: 24, height: 16 }, 90).data);
    for (let length = 3; length < jpg.length - 1; length += 7) {
      const error = badInputOf(() => decodeImage(jpg.subarray(0, length)));
      expect(error.message).toMatch(/^truncated JPEG: /);
    }
  });

  it("never throws anything but BAD_INPUT on arbitrary bytes, or bytes behind a PNG/JPEG signature", () => {
    const signatures = [[], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0xff, 0xd8, 0xff]];
    fc.assert(
      fc.property(fc.constantFrom(...signatures), fc.uint8Array({ maxLength: 300 }), (signature, tail) => {
        const bytes = new Uint8Array([...signature, ...tail]);
        try {
          const image = decodeImage(bytes);
          expect(image.rgba.length).toBe(image.width * image.height * 4);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          expect((error as AppError).code).toBe("BAD_INPUT");
        }
      }),
      { numRuns: 300 },
    );
  });

  it("encodePng rejects a buffer of the wrong size", () => {
    expect(() => encodePng(new Uint8Array(15), 2, 2)).toThrow("RGBA buffer has 15 bytes; a 2×2 image needs 16");
  });
});
