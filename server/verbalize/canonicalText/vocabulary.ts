import { COLOR_NAMES, OBJECT_CLASSES, TONES } from "../vocabulary";
import { GRID_CELLS, KEYWORDS, OBJECT_SEPARATOR, PERCENT_PER_UNIT, SECTION_SEPARATOR } from "./grammar";

/**
 * Every token that can appear in canonical text, each once, in a fixed order (for BoigLLM's
 * word-level tokenizer, SPEC §4): section keywords and separators, color names, tones, object
 * classes, then the numbers — grid cells 0…16 and coverage percents 5…100 (shared ones once).
 */
export function canonicalVocabulary(): string[] {
  const gridNumbers = Array.from({ length: GRID_CELLS + 1 }, (_, i) => i);
  const percents = Array.from({ length: 100 / PERCENT_PER_UNIT }, (_, i) => (i + 1) * PERCENT_PER_UNIT);
  const numbers = [...new Set([...gridNumbers, ...percents])].sort((a, b) => a - b).map(String);
  return [
    KEYWORDS.colors,
    KEYWORDS.tones,
    KEYWORDS.objects,
    SECTION_SEPARATOR,
    OBJECT_SEPARATOR,
    ...COLOR_NAMES,
    ...TONES,
    ...OBJECT_CLASSES,
    ...numbers,
  ];
}
