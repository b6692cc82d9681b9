import type { Verbalization } from "../types";
import { COLOR_NAMES, MAX_COLORS, MAX_OBJECTS, OBJECT_CLASSES, TONES } from "../vocabulary";
import {
  CLASS_INDEX,
  COLOR_INDEX,
  COVERAGE_UNITS,
  GRID_CELLS,
  KEYWORDS,
  OBJECT_SEPARATOR,
  PERCENT_PER_UNIT,
  SECTION_SEPARATOR,
  TONE_INDEX,
  compareGridObjects,
  type GridObject,
} from "./grammar";
import { quantizeVerbalization } from "./quantize";
import { TokenCursor, tokenize, type Token } from "./tokens";

/**
 * Canonical text → verbalization (grammar.ts), the inverse of toCanonicalText: for any v,
 * parseCanonicalText(toCanonicalText(v)) deep-equals quantizeVerbalization(v), and for any
 * canonical t, toCanonicalText(parseCanonicalText(t)) === t (property-tested).
 * Whitespace is only a separator (any run of it; leading/trailing ignored), because a word-level
 * detokenizer may join tokens differently.
 * strict (default): the text must be in canonical form — ordering, no repeats, the limits — so
 *   that text and record correspond one to one; the error says what was expected instead.
 * strict: false: for model output (BoigLLM may list things out of order): syntax is still
 *   checked token by token, then the record is normalized by quantizeVerbalization (sorted,
 *   repeats merged, capped).
 * The result is always a quantized verbalization: scores 1, caption rebuilt.
 */
export type ParseOptions = { strict?: boolean };

const PERCENT_EXPECTED = `a coverage percent (a multiple of ${PERCENT_PER_UNIT} from ${PERCENT_PER_UNIT} to 100)`;
const oneOf = (names: readonly string[]) => `one of ${names.join(", ")}`;

export function parseCanonicalText(text: string, opts: ParseOptions = {}): Verbalization {
  const strict = opts.strict ?? true;
  const cursor = new TokenCursor(tokenize(text));
  cursor.expectWord(KEYWORDS.colors, " (canonical text starts with the colors section)");
  const colors = parseCoverages(cursor, "color", COLOR_NAMES, COLOR_INDEX, strict ? MAX_COLORS : Infinity, strict);
  cursor.expectWord(KEYWORDS.tones);
  const tones = parseCoverages(cursor, "tone", TONES, TONE_INDEX, Infinity, strict);
  cursor.expectWord(KEYWORDS.objects);
  const objects = parseObjects(cursor, strict);
  return quantizeVerbalization({
    colors: colors as Verbalization["colors"],
    tones: tones as Verbalization["tones"],
    objects: objects.map(({ label, x, y, w, h }) => ({
      label,
      box: { x: x / GRID_CELLS, y: y / GRID_CELLS, w: w / GRID_CELLS, h: h / GRID_CELLS },
      score: 1,
    })),
  });
}

/** An unsigned decimal integer without leading zeros, or null. */
function integer(token: Token): number | null {
  return /^(0|[1-9][0-9]{0,5})$/.test(token.text) ? Number(token.text) : null;
}

/** `name percent` pairs up to the section's ";" (which is consumed). */
function parseCoverages(
  cursor: TokenCursor,
  kind: "color" | "tone",
  names: readonly string[],
  index: ReadonlyMap<string, number>,
  max: number,
  strict: boolean,
): { name: string; coverage: number }[] {
  const entries: { name: string; coverage: number; token: Token }[] = [];
  const order = kind === "color" ? "palette order" : "TONES order";
  for (;;) {
    const nameExpected = `a ${kind} name (${oneOf(names)}) or "${SECTION_SEPARATOR}"`;
    const nameToken = cursor.next(nameExpected);
    if (nameToken.text === SECTION_SEPARATOR) return entries.map(({ name, coverage }) => ({ name, coverage }));
    if (!index.has(nameToken.text)) throw cursor.fail(nameToken, nameExpected);
    if (entries.length >= max) throw cursor.fail(nameToken, `"${SECTION_SEPARATOR}" (at most ${max} ${kind}s)`);
    const repeated = entries.find((e) => e.name === nameToken.text);
    if (strict && repeated)
      throw cursor.fail(nameToken, `a ${kind} not listed yet ("${repeated.name}" is already token ${repeated.token.index + 1})`);
    const percentToken = cursor.next(`${PERCENT_EXPECTED} after "${nameToken.text}"`);
    const percent = integer(percentToken);
    if (percent === null || percent < PERCENT_PER_UNIT || percent > 100 || percent % PERCENT_PER_UNIT !== 0)
      throw cursor.fail(percentToken, `${PERCENT_EXPECTED} after "${nameToken.text}"`);
    const units = percent / PERCENT_PER_UNIT;
    const previous = entries.at(-1);
    if (strict && previous) {
      const previousUnits = Math.round(previous.coverage * COVERAGE_UNITS);
      if (units > previousUnits)
        throw cursor.fail(percentToken, `at most ${previousUnits * PERCENT_PER_UNIT} (${kind}s are listed largest coverage first)`);
      if (units === previousUnits && index.get(nameToken.text)! < index.get(previous.name)!)
        throw cursor.fail(
          percentToken,
          `less than ${percent}: at equal coverage ${kind}s are listed in ${order}, and "${nameToken.text}" comes before "${previous.name}"`,
        );
    }
    entries.push({ name: nameToken.text, coverage: units / COVERAGE_UNITS, token: nameToken });
  }
}

/** `class x y w h` items separated by ",", up to the end of the text. */
function parseObjects(cursor: TokenCursor, strict: boolean): GridObject[] {
  const objects: GridObject[] = [];
  if (cursor.atEnd()) return objects;
  for (;;) {
    const labelExpected = `an object class (${oneOf(OBJECT_CLASSES)})`;
    const labelToken = cursor.next(labelExpected);
    if (!CLASS_INDEX.has(labelToken.text)) throw cursor.fail(labelToken, labelExpected);
    if (strict && objects.length >= MAX_OBJECTS) throw cursor.fail(labelToken, `the end of the text (at most ${MAX_OBJECTS} objects)`);
    const label = labelToken.text as GridObject["label"];
    const cell = (what: string, min: number, max: number) => {
      const expected = `${what} of "${label}": a whole number from ${min} to ${max}`;
      const token = cursor.next(expected);
      const value = integer(token);
      if (value === null || value < min || value > max) throw cursor.fail(token, expected);
      return value;
    };
    const x = cell("x (the box's left column)", 0, GRID_CELLS - 1);
    const y = cell("y (the box's top row)", 0, GRID_CELLS - 1);
    const w = cell(`w (the box's width in cells, x + w ≤ ${GRID_CELLS})`, 1, GRID_CELLS - x);
    const h = cell(`h (the box's height in cells, y + h ≤ ${GRID_CELLS})`, 1, GRID_CELLS - y);
    const object = { label, x, y, w, h };
    const previous = objects.at(-1);
    if (strict && previous) {
      const order = compareGridObjects(previous, object);
      if (order === 0) throw cursor.fail(labelToken, `a different object (this "${label}" repeats the previous one)`);
      if (order > 0)
        throw cursor.fail(
          labelToken,
          `objects in canonical order (largest area w·h first, then y, x, w, class): "${describe(object)}" must come before "${describe(previous)}"`,
        );
    }
    objects.push(object);
    if (cursor.atEnd()) return objects;
    cursor.expectWord(OBJECT_SEPARATOR, " or the end of the text");
  }
}

const describe = ({ label, x, y, w, h }: GridObject) => `${label} ${x} ${y} ${w} ${h}`;
