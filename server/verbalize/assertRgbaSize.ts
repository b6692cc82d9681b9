import { badInput } from "../errors";

/** Every pixel routine takes (rgba, width, height); a mismatched buffer is a caller bug, said plainly. */
export function assertRgbaSize(rgba: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0 || rgba.length !== width * height * 4)
    throw badInput(`RGBA buffer has ${rgba.length} bytes; a ${width}×${height} image needs ${width * height * 4}`, {
      width,
      height,
      bytes: rgba.length,
    });
}
