import { describe, expect, it } from "vitest";
import { measureTones } from "@/server/verbalize/tones";
import { PALETTE, type Tone } from "@/server/verbalize/vocabulary";

function image(parts: [readonly number[], number][]) {
  const width = parts.reduce((n, [, count]) => n + count, 0);
  const rgba = new Uint8Array(width * 4);
  let at = 0;
  for (const [c, count] of parts) for (let i = 0; i < count; i++, at += 4) rgba.set([c[0]!, c[1]!, c[2]!, c[3] ?? 255], at);
  return measureTones(rgba, width, 1);
}
const tonesOf = (rgb: readonly number[]) => image([[rgb, 1]]).map((t) => t.name).sort();

describe("measureTones (SPEC §3.4: tones with coverage)", () => {
  it("a dark navy image is dark (and cool)", () => {
    const tones = image([[PALETTE.navy, 100]]);
    expect(tones).toContainEqual({ name: "dark", coverage: 1 });
    expect(tones).toContainEqual({ name: "cool", coverage: 1 });
  });

  it.each<[keyof typeof PALETTE, Tone[]]>([
    ["white", ["light", "muted"]],
    ["silver", ["light", "muted"]],
    ["black", ["dark", "muted"]],
    ["gray", ["muted"]],
    ["navy", ["cool", "dark", "vivid"]],
    ["maroon", ["dark", "vivid", "warm"]],
    ["red", ["vivid", "warm"]],
    ["orange", ["vivid", "warm"]],
    ["yellow", ["vivid", "warm"]],
    ["beige", ["light", "warm"]],
    ["brown", ["warm"]],
    ["green", []],
    ["olive", ["warm"]],
    ["gold", ["warm"]], // S is exactly 0.6: not vivid (> 0.6)
    ["teal", ["cool", "vivid"]],
    ["cyan", ["cool", "vivid"]],
    ["blue", ["cool", "vivid"]],
    ["purple", ["cool"]],
    ["magenta", ["vivid"]],
  ])("palette %s reads as %j", (name, expected) => {
    expect(tonesOf(PALETTE[name])).toEqual(expected);
  });

  it("treats near-grey noise in shadows as grey, not vivid or warm", () => {
    expect(tonesOf([3, 0, 0])).toEqual(["dark", "muted"]);
    expect(tonesOf([250, 246, 240])).toEqual(["light", "muted"]);
  });

  it("counts a pixel for several tones; coverages need not sum to 1; largest first", () => {
    expect(image([[PALETTE.orange, 50], [PALETTE.teal, 30], [PALETTE.white, 20]])).toEqual([
      { name: "vivid", coverage: 0.8 },
      { name: "warm", coverage: 0.5 },
      { name: "cool", coverage: 0.3 },
      { name: "light", coverage: 0.2 },
      { name: "muted", coverage: 0.2 },
    ]);
  });

  it("drops tones under 5% and ignores transparent pixels", () => {
    expect(image([[PALETTE.white, 96], [PALETTE.black, 4]])).toEqual([
      { name: "muted", coverage: 1 },
      { name: "light", coverage: 0.96 },
    ]);
    expect(image([[[...PALETTE.black, 0], 90], [PALETTE.white, 10]])).toEqual([
      { name: "light", coverage: 1 },
      { name: "muted", coverage: 1 },
    ]);
    expect(image([[[0, 0, 0, 0], 3]])).toEqual([]);
  });
});
