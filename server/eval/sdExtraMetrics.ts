/**
 * The image-only columns of Table 2 (SPEC §6), each from a model the project ships, or null when
 * that model is not installed: FID-like (MobileNetV2 features, not Inception FID), image–text
 * agreement (the project's contrastive model, CLIP-score-like) and a no-reference quality proxy.
 * Filled in below as those models land; an empty set of names means none is installed.
 */
import type { ExtraMetrics } from "./evalSd";

export async function sdExtraMetrics(onInfo: (message: string) => void = () => {}): Promise<ExtraMetrics> {
  onInfo("FID-like, image-text agreement and quality columns: not installed yet");
  return { names: [], compute: async () => ({}) };
}
