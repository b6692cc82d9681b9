/**
 * The image-only columns of Table 2 (SPEC §6), each from a model the project ships, or left out
 * when that model is not installed:
 *   - fidLike: Fréchet distance between MobileNetV2 features (nsfwjs@4.4.0) of the generated images
 *     and of the real test images of the same bucket — stands in for the paper's FID, and is NOT
 *     comparable to Inception FID (server/eval/fidLike.ts);
 * (image–text agreement and the quality proxy join here when their models are installed).
 * The real images' features are computed once per set (cached by identity).
 */
import fs from "node:fs";
import path from "node:path";
import { defaultImageFeaturesDir, loadImageFeatureExtractor } from "../ml/imageFeatures";
import type { RgbaImage } from "../verbalize/types";
import type { ExtraMetrics } from "./evalSd";
import { fidLike } from "./fidLike";

export async function sdExtraMetrics(onInfo: (message: string) => void = () => {}): Promise<ExtraMetrics> {
  const featuresDir = defaultImageFeaturesDir();
  const extractor = fs.existsSync(path.join(featuresDir, "manifest.json")) ? await loadImageFeatureExtractor(featuresDir) : null;
  if (!extractor) onInfo(`no image-feature model at ${featuresDir}: the FID-like column is left out`);
  const realFeatures = new WeakMap<readonly RgbaImage[], Float32Array[]>();
  const names = extractor ? ["fidLike"] : [];
  return {
    names,
    async compute({ generated, real }) {
      const out: Record<string, number | null> = {};
      if (extractor) {
        let reference = realFeatures.get(real);
        if (!reference) {
          reference = await extractor.features(real);
          realFeatures.set(real, reference);
        }
        out.fidLike = real.length >= 2 && generated.length >= 2 ? fidLike(await extractor.features(generated), reference) : null;
      }
      return out;
    },
  };
}
