import { TONES, type Tone } from "./vocabulary";
import type { Box, Verbalization } from "./types";

/**
 * The caption of a verbalization (SPEC §3.4: "a short description built from the above"; no
 * captioning model exists). Deterministic, so it can always be rebuilt from the record, e.g.
 * "a cool, light image in blue and white with a bottle at the center and a person on the left".
 * - tones: the two largest with coverage ≥ CAPTION_MIN_TONE_COVERAGE, skipping one that
 *   contradicts a tone already named (dark/light, warm/cool, vivid/muted);
 * - colors: the three largest;
 * - objects: the first three in the record's order (most confident / largest first), each
 *   placed by its box center in a 3 × 3 grid, or "filling the frame" when it covers half of it.
 */
export const CAPTION_MIN_TONE_COVERAGE = 0.25;
const MAX_TONES = 2;
const MAX_COLORS = 3;
const MAX_OBJECTS = 3;
const FILLS_FRAME_AREA = 0.5;

const OPPOSITE: Record<Tone, Tone> = { dark: "light", light: "dark", warm: "cool", cool: "warm", vivid: "muted", muted: "vivid" };

export function describeVerbalization(v: Pick<Verbalization, "colors" | "tones" | "objects">): string {
  const tones = captionTones(v.tones);
  const colors = [...v.colors].sort((x, y) => y.coverage - x.coverage).slice(0, MAX_COLORS).map((c) => c.name);
  const objects = v.objects.slice(0, MAX_OBJECTS).map((o) => `${article(o.label)} ${o.label} ${placement(o.box)}`);
  const head = tones.length ? `${tones.join(", ")} image` : "image";
  return [`${article(head)} ${head}`, colors.length ? `in ${listPhrase(colors)}` : "", objects.length ? `with ${listPhrase(objects)}` : ""]
    .filter(Boolean)
    .join(" ");
}

function captionTones(tones: Verbalization["tones"]): Tone[] {
  const chosen: Tone[] = [];
  const byCoverage = [...tones].sort((x, y) => y.coverage - x.coverage || TONES.indexOf(x.name) - TONES.indexOf(y.name));
  for (const { name, coverage } of byCoverage) {
    if (chosen.length === MAX_TONES || coverage < CAPTION_MIN_TONE_COVERAGE) break;
    if (!chosen.includes(name) && !chosen.includes(OPPOSITE[name])) chosen.push(name);
  }
  return chosen;
}

/** Where a box sits, from its center in a 3 × 3 grid: "on the left", "at the top right", ... */
export function placement(box: Box): string {
  if (box.w * box.h >= FILLS_FRAME_AREA) return "filling the frame";
  const third = (center: number) => (center < 1 / 3 ? 0 : center > 2 / 3 ? 2 : 1);
  const column = third(box.x + box.w / 2);
  const row = third(box.y + box.h / 2);
  const horizontal = ["left", "center", "right"][column]!;
  if (row === 1) return column === 1 ? "at the center" : `on the ${horizontal}`;
  const vertical = row === 0 ? "top" : "bottom";
  return column === 1 ? `at the ${vertical}` : `at the ${vertical} ${horizontal}`;
}

const article = (phrase: string) => (/^[aeiou]/i.test(phrase) ? "an" : "a");

function listPhrase(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
