import type { Verbalization } from "../types";
import { COVERAGE_UNITS, GRID_CELLS, KEYWORDS, OBJECT_SEPARATOR, PERCENT_PER_UNIT, SECTION_SEPARATOR } from "./grammar";
import { quantizeVerbalization } from "./quantize";

/** Verbalization → canonical text (grammar.ts). Quantizes first, so any verbalization is accepted. */
export function toCanonicalText(v: Pick<Verbalization, "colors" | "tones" | "objects">): string {
  const q = quantizeVerbalization(v);
  const percent = (coverage: number) => String(Math.round(coverage * COVERAGE_UNITS) * PERCENT_PER_UNIT);
  const cells = (fraction: number) => String(Math.round(fraction * GRID_CELLS));
  const objects = q.objects.map(({ label, box }) => [label, cells(box.x), cells(box.y), cells(box.w), cells(box.h)].join(" "));
  return [
    KEYWORDS.colors,
    ...q.colors.flatMap((c) => [c.name, percent(c.coverage)]),
    SECTION_SEPARATOR,
    KEYWORDS.tones,
    ...q.tones.flatMap((t) => [t.name, percent(t.coverage)]),
    SECTION_SEPARATOR,
    KEYWORDS.objects,
    ...objects.flatMap((o, i) => (i === 0 ? [o] : [OBJECT_SEPARATOR, o])),
  ].join(" ");
}
