/**
 * The ground-truth verbalization of a rendered scene (SPEC §3.4 record): objects come from the
 * scene graph (exact boxes, score 1); colors and tones are measured on the rendered pixels by
 * the app's own verbalizer (server/verbalize: CIELab nearest palette color, HSL tones), so the
 * engagement model and every later measurement name colors the same way. Object accents,
 * occlusion and background shades all count. The caption is built from the above.
 */
import type { Verbalization } from "../verbalize/types";
import { measureColors } from "../verbalize/colors";
import { measureTones } from "../verbalize/tones";
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
  const pixels = rgba ?? renderScene(scene, DEFAULT_IMAGE_SIZE);
  const size = Math.round(Math.sqrt(pixels.length / 4)); // renders are square
  return {
    colors: measureColors(pixels, size, size),
    tones: measureTones(pixels, size, size),
    objects: scene.objects.map((o) => ({ label: o.label, box: { ...o.box }, score: 1 })),
    caption: describeScene(scene),
  };
}
