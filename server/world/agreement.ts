/**
 * Caption–image agreement (SPEC §3.1): which vocabulary objects and colors a post's text and
 * keywords mention, and what share of those mentions the image's verbalization shows.
 * Only whole words count ("sunday" is not "sun"); plurals and "people"/"grey" are folded.
 */
import type { Verbalization } from "../verbalize/types";
import { COLOR_NAMES, OBJECT_CLASSES, type ColorName, type ObjectClass } from "../verbalize/vocabulary";

const WORD_TO_OBJECT = new Map<string, ObjectClass>();
for (const label of OBJECT_CLASSES) {
  WORD_TO_OBJECT.set(label, label);
  WORD_TO_OBJECT.set(label.endsWith("h") ? `${label}es` : `${label}s`, label);
}
WORD_TO_OBJECT.set("people", "person");
const WORD_TO_COLOR = new Map<string, ColorName>(COLOR_NAMES.map((c) => [c, c]));
WORD_TO_COLOR.set("grey", "gray");

export type Mentions = { objects: Set<ObjectClass>; colors: Set<ColorName> };

export function mentionsIn(text: string, keywords: readonly string[]): Mentions {
  const words = `${text} ${keywords.join(" ")}`.toLowerCase().split(/[^a-z]+/);
  const objects = new Set<ObjectClass>();
  const colors = new Set<ColorName>();
  for (const word of words) {
    const object = WORD_TO_OBJECT.get(word);
    if (object) objects.add(object);
    const color = WORD_TO_COLOR.get(word);
    if (color) colors.add(color);
  }
  return { objects, colors };
}

/**
 * Share of mentioned objects and colors that the image shows (detected object labels; colors
 * with coverage in the verbalization). null when the text mentions none: no (dis)agreement.
 */
export function captionImageAgreement(mentions: Mentions, verbalization: Verbalization): number | null {
  const total = mentions.objects.size + mentions.colors.size;
  if (total === 0) return null;
  const shownObjects = new Set(verbalization.objects.map((o) => o.label));
  const shownColors = new Set<string>(verbalization.colors.map((c) => c.name));
  let shown = 0;
  for (const object of mentions.objects) if (shownObjects.has(object)) shown++;
  for (const color of mentions.colors) if (shownColors.has(color)) shown++;
  return shown / total;
}
