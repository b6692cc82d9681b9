/**
 * The image-only columns of Table 2 (SPEC §6), each from a model the project ships, or left out
 * when that model is not installed (a note says so):
 *   - fidLike: Fréchet distance between MobileNetV2 features (nsfwjs@4.4.0) of the generated images
 *     and of the real test images of the same bucket — stands in for the paper's FID; NOT comparable
 *     to Inception FID (server/eval/fidLike.ts);
 *   - agreement: mean cosine of the project's contrastive image–text model (models/artifacts/clip)
 *     between each image and its prompt — stands in for a CLIP score (server/ml/clipScore.ts);
 *   - quality: mean no-reference quality proxy in [0, 1] (sharpness, contrast, colorfulness, a noise
 *     penalty; server/eval/qualityProxy.ts) — stands in for an aesthetic/quality model.
 * The real images' features are computed once per set (cached by identity).
 */
import fs from "node:fs";
import path from "node:path";
import { env } from "../env";
import { clipAgreement, loadBoigClip } from "../ml/clipScore";
import { defaultImageFeaturesDir, loadImageFeatureExtractor } from "../ml/imageFeatures";
import type { RgbaImage } from "../verbalize/types";
import type { ExtraMetrics } from "./evalSd";
import { fidLike } from "./fidLike";
import { qualityProxy } from "./qualityProxy";

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const installed = (dir: string) => fs.existsSync(path.join(dir, "manifest.json"));

export async function sdExtraMetrics(onInfo: (message: string) => void = () => {}): Promise<ExtraMetrics> {
  const featuresDir = defaultImageFeaturesDir();
  const clipDir = path.join(env().repoRoot, "models/artifacts/clip");
  const extractor = installed(featuresDir) ? await loadImageFeatureExtractor(featuresDir) : null;
  const clip = installed(clipDir) ? await loadBoigClip(clipDir) : null;
  if (!extractor) onInfo(`no image-feature model at ${featuresDir}: the FID-like column is left out`);
  if (!clip) onInfo(`no image-text model at ${clipDir}: the agreement column is left out`);
  const realFeatures = new WeakMap<readonly RgbaImage[], Float32Array[]>();
  return {
    names: [...(extractor ? ["fidLike"] : []), ...(clip ? ["agreement"] : []), "quality"],
    async compute({ generated, prompts, real }) {
      const out: Record<string, number | null> = {};
      if (extractor) {
        let reference = realFeatures.get(real);
        if (!reference) {
          reference = await extractor.features(real);
          realFeatures.set(real, reference);
        }
        out.fidLike = real.length >= 2 && generated.length >= 2 ? fidLike(await extractor.features(generated), reference) : null;
      }
      if (clip) out.agreement = mean(await clipAgreement(clip, generated.map((image, i) => ({ image, prompt: prompts[i]! }))));
      out.quality = mean(generated.map((image) => qualityProxy(image).score));
      return out;
    },
  };
}
