/**
 * Per-image latency of the COCO detector (not a test): for each fixture photo, the full
 * detect() (letterbox to 512x512 + onnxruntime-node + decode), and the bare model.run on the
 * prepared 512x512 input. Same threads as the app (onnxSession.ts: intraOpNumThreads 2).
 *   node_modules/.bin/tsx scripts/convert-centernet/bench.ts [runs per photo, default 10]
 */
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
import { letterboxImage, loadCocoDetector } from "../../server/ml/cocoDetector";
import { loadModel } from "../../server/ml/onnxSession";
import { decodeImage } from "../../server/verbalize/decodeImage";

const root = fileURLToPath(new URL("../..", import.meta.url));
const artifact = path.join(root, "models/artifacts/coco-centernet");
const photosDir = path.join(root, "tests/fixtures/photos");
const runs = Number(process.argv[2] ?? 10);

const detector = await loadCocoDetector(artifact);
const model = await loadModel(artifact);
const photos = readdirSync(photosDir)
  .filter((f) => /\.(png|jpe?g)$/i.test(f))
  .sort()
  .map((f) => ({ name: f, image: decodeImage(readFileSync(path.join(photosDir, f))) }));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const warm = photos[0]!.image;
for (let i = 0; i < 3; i++) await detector.detect(warm);

const all: { detect: number[]; run: number[]; prep: number[] } = { detect: [], run: [], prep: [] };
for (const { name, image } of photos) {
  const detect: number[] = [], run: number[] = [], prep: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await detector.detect(image);
    detect.push(performance.now() - t);
    t = performance.now();
    const { tensor } = letterboxImage(image, detector.inputSize);
    prep.push(performance.now() - t);
    const feeds = { images: new ort.Tensor("float32", tensor, [1, detector.inputSize, detector.inputSize, 3]) };
    t = performance.now();
    await model.run(feeds);
    run.push(performance.now() - t);
  }
  all.detect.push(...detect);
  all.run.push(...run);
  all.prep.push(...prep);
  console.log(
    `${name.padEnd(14)} ${image.width}x${image.height}  detect median ${median(detect).toFixed(1)} ms (min ${Math.min(...detect).toFixed(1)})` +
      `  model.run median ${median(run).toFixed(1)} ms (min ${Math.min(...run).toFixed(1)})  letterbox ${median(prep).toFixed(1)} ms`,
  );
}
console.log(
  `all ${photos.length} photos x ${runs}: detect median ${median(all.detect).toFixed(1)} ms, model.run median ${median(all.run).toFixed(1)} ms, ` +
    `letterbox median ${median(all.prep).toFixed(1)} ms; ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), load avg ${os.loadavg()[0]!.toFixed(1)}`,
);
