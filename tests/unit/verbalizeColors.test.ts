import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { measureColors, nearestPaletteColor } from "@/server/verbalize/colors";
import { COLOR_NAMES, MAX_COLORS, MIN_COLOR_COVERAGE, PALETTE } from "@/server/verbalize/vocabulary";

type Rgba = [number, number, number, number];

/** A 1-row image of `counts[i]` pixels of `colors[i]` each — pixel order does not matter to coverage. */
function stripes(parts: [Rgba | readonly number[], number][]) {
  const width = parts.reduce((n, [, count]) => n + count, 0);
  const rgba = new Uint8Array(width * 4);
  let at = 0;
  for (const [color, count] of parts)
    for (let i = 0; i < count; i++, at += 4) rgba.set([color[0]!, color[1]!, color[2]!, color[3] ?? 255], at);
  return { rgba, width, height: 1 };
}
const opaque = (name: keyof typeof PALETTE): Rgba => [...PALETTE[name], 255];

describe("measureColors (SPEC §3.4: named colors with coverage)", () => {
  it("maps every palette color to itself", () => {
    for (const name of COLOR_NAMES) {
      const [r, g, b] = PALETTE[name];
      expect(nearestPaletteColor(r, g, b)).toBe(name);
      const { rgba, width, height } = stripes([[opaque(name), 10]]);
      expect(measureColors(rgba, width, height)).toEqual([{ name, coverage: 1 }]);
    }
  });

  it("half blue, half white → blue .5, white .5 (equal coverage in palette order)", () => {
    const { rgba, width, height } = stripes([[opaque("blue"), 50], [opaque("white"), 50]]);
    expect(measureColors(rgba, width, height)).toEqual([
      { name: "white", coverage: 0.5 },
      { name: "blue", coverage: 0.5 },
    ]);
  });

  it("names off-palette pixels by their perceptually nearest entry", () => {
    expect(nearestPaletteColor(35, 95, 200)).toBe("blue");
    expect(nearestPaletteColor(15, 28, 80)).toBe("navy"); // a shaded navy stays navy, not black
    expect(nearestPaletteColor(250, 250, 250)).toBe("white");
    expect(nearestPaletteColor(5, 5, 5)).toBe("black");
    expect(nearestPaletteColor(230, 120, 40)).toBe("orange");
  });

  it(`keeps at most ${MAX_COLORS} colors, each ≥ ${MIN_COLOR_COVERAGE * 100}%, largest first`, () => {
    const shares: [keyof typeof PALETTE, number][] = [
      ["red", 30], ["blue", 20], ["green", 15], ["yellow", 10], ["white", 8], ["black", 7], ["pink", 6], ["teal", 4],
    ];
    const { rgba, width, height } = stripes(shares.map(([name, n]) => [opaque(name), n]));
    expect(measureColors(rgba, width, height)).toEqual([
      { name: "red", coverage: 0.3 },
      { name: "blue", coverage: 0.2 },
      { name: "green", coverage: 0.15 },
      { name: "yellow", coverage: 0.1 },
      { name: "white", coverage: 0.08 },
    ]);
  });

  it("keeps a color at exactly 5% and drops one at 4%", () => {
    const { rgba, width, height } = stripes([[opaque("gray"), 91], [opaque("red"), 5], [opaque("blue"), 4]]);
    expect(measureColors(rgba, width, height).map((c) => c.name)).toEqual(["gray", "red"]);
  });

  it("ignores fully transparent pixels; partly transparent ones count", () => {
    const { rgba, width, height } = stripes([[[...PALETTE.red, 0], 75], [[...PALETTE.blue, 255], 20], [[...PALETTE.white, 1], 5]]);
    expect(measureColors(rgba, width, height)).toEqual([
      { name: "blue", coverage: 0.8 },
      { name: "white", coverage: 0.2 },
    ]);
    const transparent = stripes([[[0, 0, 0, 0], 10]]);
    expect(measureColors(transparent.rgba, transparent.width, transparent.height)).toEqual([]);
  });

  it("rejects a buffer that does not match width × height", () => {
    expect(() => measureColors(new Uint8Array(10), 2, 2)).toThrow(AppError);
    expect(() => measureColors(new Uint8Array(10), 2, 2)).toThrow("RGBA buffer has 10 bytes; a 2×2 image needs 16");
  });
});
