/**
 * The ground-truth verbalization of a rendered scene (SPEC §3.4 record): objects come from the
 * scene graph (exact boxes, score 1); colors and tones are measured on the rendered pixels by
 * pixelStats (nearest-palette count, HSL tones), because that is what a verbalizer sees: object
 * accents, occlusion and background shades all count. The caption is built from the above.
 */
import type { Verbalization } from "../verbalize/types";
import { colorAndToneCoverage } from "./pixelStats";
import { DEFAULT_IMAGE_SIZE, renderScene } from "./render";
import type { Scene } from "./scene";

const article = (word: string) => (/^[aeiou]/.test(word) ? "an" : "a");

/** "a red car and a green tree on a dark blue background" */
export function describeScene(scene: Scene): string {
  const parts = scene.objects.map((o) => `${article(o.color)} ${o.color} ${o.label}`);
  const things = parts.length <= 1 ? (parts[0] ?? "nothing") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  const tone = scene.background.tone === "plain" ? "" : `${scene.background.tone} `;
  return `${things} on ${article(tone || scene.background.color)} ${tone}${scene.background.color} background`;
}

/**
 * Ground truth for `scene`. Pass the pixels if already rendered (any size); otherwise the scene
 * is rendered at the default size for the color and tone count.
 */
export function sceneToVerbalization(scene: Scene, rgba?: Uint8Array): Verbalization {
  const { colors, tones } = colorAndToneCoverage(rgba ?? renderScene(scene, DEFAULT_IMAGE_SIZE));
  return {
    colors,
    tones,
    objects: scene.objects.map((o) => ({ label: o.label, box: { ...o.box }, score: 1 })),
    caption: describeScene(scene),
  };
}
