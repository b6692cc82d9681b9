import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { parseCanonicalText } from "@/server/verbalize/canonical";

const COLORS = "one of black, white, gray, silver, red, maroon, orange, brown, yellow, gold, beige, green, olive, teal, cyan, blue, navy, purple, magenta, pink";
const CLASSES = "one of person, bottle, cup, car, shoe, phone, laptop, tree, sun, house, dog, bag, watch, plane, bicycle, chair, flower, burger";
const PERCENT = "a coverage percent (a multiple of 5 from 5 to 100)";

/** [malformed text, the exact message] — each names the token (or the end) and what was expected. */
const CASES: [string, string][] = [
  ["", 'canonical text is empty: expected "colors" (canonical text starts with the colors section)'],
  ["hues blue 45 ; tones ; objects", 'canonical text, token 1 "hues" (char 1): expected "colors" (canonical text starts with the colors section)'],
  ["colors", `canonical text ended after token 1 "colors": expected a color name (${COLORS}) or ";"`],
  ["colors blue", `canonical text ended after token 2 "blue": expected ${PERCENT} after "blue"`],
  ["colors blu 45 ; tones ; objects", `canonical text, token 2 "blu" (char 8): expected a color name (${COLORS}) or ";"`],
  ["colors blue 47 ; tones ; objects", `canonical text, token 3 "47" (char 13): expected ${PERCENT} after "blue"`],
  ["colors blue 0 ; tones ; objects", `canonical text, token 3 "0" (char 13): expected ${PERCENT} after "blue"`],
  ["colors blue 105 ; tones ; objects", `canonical text, token 3 "105" (char 13): expected ${PERCENT} after "blue"`],
  ["colors blue 045 ; tones ; objects", `canonical text, token 3 "045" (char 13): expected ${PERCENT} after "blue"`],
  ["colors blue 0.45 ; tones ; objects", `canonical text, token 3 "0.45" (char 13): expected ${PERCENT} after "blue"`],
  ["colors blue 45 ; objects", 'canonical text, token 5 "objects" (char 18): expected "tones"'],
  ["colors blue 45 ; tones cool ; objects", `canonical text, token 7 ";" (char 29): expected ${PERCENT} after "cool"`],
  [
    "colors blue 45 ; tones warmish 10 ; objects",
    'canonical text, token 6 "warmish" (char 24): expected a tone name (one of dark, light, warm, cool, vivid, muted) or ";"',
  ],
  ["colors blue 20 red 45 ; tones ; objects", 'canonical text, token 5 "45" (char 20): expected at most 20 (colors are listed largest coverage first)'],
  [
    "colors blue 20 red 20 ; tones ; objects",
    'canonical text, token 5 "20" (char 20): expected less than 20: at equal coverage colors are listed in palette order, and "red" comes before "blue"',
  ],
  ["colors blue 20 blue 10 ; tones ; objects", 'canonical text, token 4 "blue" (char 16): expected a color not listed yet ("blue" is already token 2)'],
  [
    "colors red 30 blue 25 white 20 green 15 black 10 gray 5 ; tones ; objects",
    'canonical text, token 12 "gray" (char 50): expected ";" (at most 5 colors)',
  ],
  ["colors ; tones cool 50 cool 40 ; objects", 'canonical text, token 6 "cool" (char 24): expected a tone not listed yet ("cool" is already token 4)'],
  ["colors ; tones ; objects cat 1 1 2 2", `canonical text, token 6 "cat" (char 26): expected an object class (${CLASSES})`],
  ["colors ; tones ; objects cup 16 0 1 1", `canonical text, token 7 "16" (char 30): expected x (the box's left column) of "cup": a whole number from 0 to 15`],
  [
    "colors ; tones ; objects cup 10 0 8 1",
    `canonical text, token 9 "8" (char 35): expected w (the box's width in cells, x + w ≤ 16) of "cup": a whole number from 1 to 6`,
  ],
  [
    "colors ; tones ; objects cup 0 0 0 1",
    `canonical text, token 9 "0" (char 34): expected w (the box's width in cells, x + w ≤ 16) of "cup": a whole number from 1 to 16`,
  ],
  [
    "colors ; tones ; objects cup 0 0 1",
    `canonical text ended after token 9 "1": expected h (the box's height in cells, y + h ≤ 16) of "cup": a whole number from 1 to 16`,
  ],
  ["colors ; tones ; objects cup 0 0 1 1 ,", `canonical text ended after token 11 ",": expected an object class (${CLASSES})`],
  ["colors ; tones ; objects cup 0 0 1 1 dog 0 0 2 2", 'canonical text, token 11 "dog" (char 38): expected "," or the end of the text'],
  ["colors ; tones ; objects cup 0 0 1 1 ;", 'canonical text, token 11 ";" (char 38): expected "," or the end of the text'],
  [
    "colors ; tones ; objects cup 0 0 1 1 , dog 0 0 2 2",
    'canonical text, token 12 "dog" (char 40): expected objects in canonical order (largest area w·h first, then y, x, w, class): "dog 0 0 2 2" must come before "cup 0 0 1 1"',
  ],
  [
    "colors ; tones ; objects cup 0 0 1 1 , cup 0 0 1 1",
    'canonical text, token 12 "cup" (char 40): expected a different object (this "cup" repeats the previous one)',
  ],
  [
    `colors ; tones ; objects ${Array.from({ length: 11 }, (_, i) => `cup ${i} 0 1 1`).join(" , ")}`,
    'canonical text, token 66 "cup" (char 166): expected the end of the text (at most 10 objects)',
  ],
];

describe("parseCanonicalText: malformed text gets a precise error", () => {
  it.each(CASES)("%j", (text, message) => {
    let thrown: unknown;
    try {
      parseCanonicalText(text);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect((thrown as AppError).code).toBe("BAD_INPUT");
    expect((thrown as AppError).message).toBe(message);
  });

  it("puts the token, its position and what was expected in the error details", () => {
    expect(() => parseCanonicalText("colors blu 45 ; tones ; objects")).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ token: "blu", tokenNumber: 2, charOffset: 7 }) }),
    );
  });

  it("the lenient mode still rejects what is not the grammar", () => {
    expect(() => parseCanonicalText("colors blue 47 ; tones ; objects", { strict: false })).toThrow(/expected a coverage percent/);
    expect(parseCanonicalText("colors blue 20 red 45 ; tones ; objects", { strict: false }).colors.map((c) => c.name)).toEqual(["red", "blue"]);
  });
});
