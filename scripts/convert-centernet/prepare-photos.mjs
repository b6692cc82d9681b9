#!/usr/bin/env node
/**
 * Writes the real test photos of tests/fixtures/photos/ from Debian packages' sample images
 * (see that folder's README.md for sources and licenses): area-average downscale so the longer
 * side is at most MAX_SIDE, then JPEG (jpeg-js, quality 88). Deterministic for the same sources.
 * Usage: node scripts/convert-centernet/prepare-photos.mjs EXTRACTED_DEB_ROOT OUT_DIR
 * (EXTRACTED_DEB_ROOT: where `dpkg-deb -x` unpacked python3-skimage and darknet; run.sh's
 * `photos` step does that.)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import jpeg from "jpeg-js";
import { areaResize, decodeFile } from "./images.mjs";

const MAX_SIDE = 512;
const QUALITY = 88;

/** name in the fixture folder -> path under the extracted packages. */
export const PHOTO_SOURCES = {
  "astronaut.jpg": "usr/lib/python3/dist-packages/skimage/data/astronaut.png",
  "chelsea.jpg": "usr/lib/python3/dist-packages/skimage/data/chelsea.png",
  "coffee.jpg": "usr/lib/python3/dist-packages/skimage/data/coffee.png",
  "dog.jpg": "usr/share/darknet/data/dog.jpg",
  "person.jpg": "usr/share/darknet/data/person.jpg",
  "horses.jpg": "usr/share/darknet/data/horses.jpg",
};

const [root, outDir] = process.argv.slice(2);
if (!root || !outDir) {
  console.error("usage: prepare-photos.mjs EXTRACTED_DEB_ROOT OUT_DIR");
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
for (const [name, rel] of Object.entries(PHOTO_SOURCES)) {
  const src = decodeFile(path.join(root, rel));
  const scale = Math.min(1, MAX_SIDE / Math.max(src.width, src.height));
  const small = areaResize(src, Math.round(src.width * scale), Math.round(src.height * scale));
  const encoded = jpeg.encode({ data: small.rgba, width: small.width, height: small.height }, QUALITY).data;
  writeFileSync(path.join(outDir, name), encoded);
  console.log(`${name}: ${src.width}x${src.height} -> ${small.width}x${small.height}, ${encoded.length} bytes`);
}
