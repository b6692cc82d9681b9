/**
 * Image features for the FID-like metric (SPEC §6): the ImageNet MobileNetV2 inside nsfwjs@4.4.0,
 * converted to ONNX by scripts/convert-mobilenet/run.sh (artifact
 * models/artifacts/mobilenet-v2-features/). The graph takes RGB 0..255 float32 NHWC
 * [batch, 224, 224, 3] and returns `features` [batch, 1280]: the average-pooled last feature map
 * (Keras layer flatten_1), before nsfwjs's classification head.
 *
 * Preprocessing here: every image is stretched to the model's square input (aspect ratio NOT
 * kept, as nsfwjs and Inception-FID pipelines do) with an antialiased triangle filter — plain
 * bilinear when enlarging, an area-aware average when shrinking — so that a 1024-px photo and a
 * 256-px render of the same scene get close features (nsfwjs's own bilinear resize aliases on big
 * images). Alpha is ignored. Invariants: one Float32Array of `dim` values per input image, in
 * input order; the same pixels always give the same features (one session, fixed thread count).
 */
import path from "node:path";
import * as ort from "onnxruntime-node";
import { env } from "../env";
import { modelInvalid } from "../errors";
import type { RgbaImage } from "../verbalize/types";
import { loadModel, type LoadedModel } from "./onnxSession";
import { assertRgbaImage, resampleRgbInto } from "./resampleTaps";

/** Images per onnxruntime call (16 x 224 x 224 x 3 floats = 9.6 MB of input). */
export const IMAGE_FEATURES_BATCH = 16;

/** The committed feature extractor. */
export const defaultImageFeaturesDir = () => path.join(env().repoRoot, "models/artifacts/mobilenet-v2-features");

export type ImageFeatureExtractor = {
  readonly name: string;
  readonly version: string;
  /** Side of the square model input (224). */
  readonly inputSize: number;
  /** Length of each feature vector (1280). */
  readonly dim: number;
  /** One feature vector per image, in order. */
  features(images: readonly RgbaImage[], options?: { batchSize?: number }): Promise<Float32Array[]>;
};

/**
 * Writes `image` stretched to size x size into `out` at `offset` as RGB float32 NHWC, 0..255.
 * Throws RangeError on a malformed image (rgba length not width * height * 4, empty image).
 */
export function resizeToFeatureInput(image: RgbaImage, size: number, out: Float32Array = new Float32Array(size * size * 3), offset = 0): Float32Array {
  assertRgbaImage(image);
  if (offset < 0 || offset + size * size * 3 > out.length) throw new RangeError(`output buffer too small for a ${size}x${size} image at ${offset}`);
  resampleRgbInto(image, size, size, out, offset, size * 3, Float64Array);
  return out;
}

/** Input size and feature length from the manifest; refuses an artifact this wrapper cannot feed. */
function checkSignature(model: LoadedModel, artifactDir: string): { inputSize: number; dim: number } {
  const { manifest } = model;
  const input = manifest.inputs.find((spec) => spec.name === "images");
  const output = manifest.outputs.find((spec) => spec.name === "features");
  const problems: string[] = [];
  if (manifest.kind !== "image-features") problems.push(`kind is ${manifest.kind}, expected image-features`);
  const [, h, w, c] = input?.dims ?? [];
  if (!input || input.dtype !== "float32" || input.dims.length !== 4 || typeof h !== "number" || h !== w || c !== 3)
    problems.push("input images must be float32 [batch, S, S, 3]");
  const dim = output?.dims[1];
  if (!output || output.dtype !== "float32" || output.dims.length !== 2 || typeof dim !== "number" || dim < 1)
    problems.push("output features must be float32 [batch, D]");
  if (problems.length > 0 || typeof h !== "number" || typeof dim !== "number") {
    throw modelInvalid(`${artifactDir} is not an image-feature model: ${problems.join("; ")}`, { artifactDir, problems });
  }
  return { inputSize: h, dim };
}

/** Loads (sha256-checked, session shared per path) the feature extractor. */
export async function loadImageFeatureExtractor(artifactDir: string = defaultImageFeaturesDir()): Promise<ImageFeatureExtractor> {
  const dir = path.resolve(artifactDir);
  const model = await loadModel(dir);
  const { inputSize, dim } = checkSignature(model, dir);
  const pixels = inputSize * inputSize * 3;

  async function features(images: readonly RgbaImage[], options: { batchSize?: number } = {}): Promise<Float32Array[]> {
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? IMAGE_FEATURES_BATCH));
    const result: Float32Array[] = [];
    for (let first = 0; first < images.length; first += batchSize) {
      const batch = images.slice(first, first + batchSize);
      const input = new Float32Array(batch.length * pixels);
      batch.forEach((image, i) => resizeToFeatureInput(image, inputSize, input, i * pixels));
      const outputs = await model.run({ images: new ort.Tensor("float32", input, [batch.length, inputSize, inputSize, 3]) });
      const out = outputs.features;
      if (!out || out.dims[0] !== batch.length || out.dims[1] !== dim) {
        throw modelInvalid(`${dir}/model.onnx returned features [${out?.dims.join(",")}] for ${batch.length} images`, { artifactDir: dir });
      }
      const data = out.data as Float32Array;
      for (let i = 0; i < batch.length; i++) result.push(data.slice(i * dim, (i + 1) * dim));
    }
    return result;
  }

  return { name: model.manifest.name, version: model.manifest.version, inputSize, dim, features };
}

/**
 * Features of decoded images (any size; stretched to the model input), one Float32Array of
 * `dim` (1280) values per image, in order. Uses the committed artifact unless `artifactDir` is given.
 */
export async function imageFeatures(
  images: readonly RgbaImage[],
  options: { artifactDir?: string; batchSize?: number } = {},
): Promise<Float32Array[]> {
  const extractor = await loadImageFeatureExtractor(options.artifactDir);
  return extractor.features(images, { batchSize: options.batchSize });
}
