/**
 * The layout preview SVG (server/llm/layoutPreview.ts): object boxes sit where their normalized
 * boxes say on the square canvas, color swatches are a stacked bar of coverage × bar width in
 * PALETTE colors, tone bars scale with coverage, every text is escaped and the markup is balanced.
 */
import { describe, expect, it } from "vitest";
import { escapeXml, layoutPreviewSvg, PREVIEW_LAYOUT as L } from "@/server/llm/layoutPreview";
import { parseCanonicalText } from "@/server/verbalize/canonical";
import type { Verbalization } from "@/server/verbalize/types";
import { PALETTE } from "@/server/verbalize/vocabulary";

type Element = { tag: string; attrs: Record<string, string> };

/** Opening tags with their attributes (the SVG has no attribute values containing ">"). */
function elements(svg: string, tag: string): Element[] {
  return [...svg.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, "g"))].map((m) => ({
    tag,
    attrs: Object.fromEntries([...m[1]!.matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!])),
  }));
}
const groups = (svg: string, kind: string) => svg.split(`<g data-kind="${kind}"`).slice(1).map((part) => part.slice(0, part.indexOf("</g>")));
const n = (value: string | undefined) => Number(value);

/** Every opened tag is closed in order (self-closing ones excepted). */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (!m[1]) stack.push(m[2]!);
    else if (stack.pop() !== m[2]) return false;
  }
  return stack.length === 0;
}

const v: Pick<Verbalization, "colors" | "tones" | "objects"> = {
  colors: [
    { name: "blue", coverage: 0.45 },
    { name: "white", coverage: 0.2 },
    { name: "red", coverage: 0.1 },
  ],
  tones: [
    { name: "cool", coverage: 0.6 },
    { name: "light", coverage: 0.3 },
  ],
  objects: [
    { label: "person", box: { x: 0.25, y: 0.5, w: 0.25, h: 0.5 }, score: 1 },
    { label: "bottle", box: { x: 0.625, y: 0.125, w: 0.125, h: 0.25 }, score: 1 },
  ],
};

describe("layoutPreviewSvg", () => {
  const svg = layoutPreviewSvg(v);

  it("is one balanced <svg> element with a title", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith("</svg>")).toBe(true);
    expect(balanced(svg)).toBe(true);
    expect(svg).not.toMatch(/<script|href=|url\(/);
  });

  it("draws each object's box on the square canvas at box × canvas size, with its label", () => {
    const [canvas] = elements(svg, "rect");
    expect(canvas!.attrs).toMatchObject({ x: String(L.margin), y: String(L.margin), width: String(L.canvas), height: String(L.canvas) });
    const boxes = groups(svg, "object");
    expect(boxes).toHaveLength(2);
    v.objects.forEach((o, i) => {
      const rect = elements(boxes[i]!, "rect")[0]!.attrs;
      expect(n(rect.x)).toBeCloseTo(L.margin + o.box.x * L.canvas, 2);
      expect(n(rect.y)).toBeCloseTo(L.margin + o.box.y * L.canvas, 2);
      expect(n(rect.width)).toBeCloseTo(o.box.w * L.canvas, 2);
      expect(n(rect.height)).toBeCloseTo(o.box.h * L.canvas, 2);
      expect(boxes[i]).toContain(`>${o.label}</text>`);
    });
    expect(n(elements(boxes[0]!, "rect")[0]!.attrs.width)).toBe(64);
  });

  it("stacks the color swatches left to right, width = coverage × bar width, in PALETTE colors", () => {
    const swatches = groups(svg, "swatch").map((g) => ({ rect: elements(g, "rect")[0]!.attrs, body: g }));
    expect(swatches).toHaveLength(3);
    let x = L.margin;
    v.colors.forEach((c, i) => {
      const { rect, body } = swatches[i]!;
      expect(n(rect.x)).toBeCloseTo(x, 2);
      expect(n(rect.width)).toBeCloseTo(c.coverage * L.barWidth, 2);
      expect(rect.fill).toBe(`rgb(${PALETTE[c.name].join(",")})`);
      expect(body).toContain(`${c.name} ${Math.round(c.coverage * 100)}%`);
      x += c.coverage * L.barWidth;
    });
    const rest = elements(svg, "rect").find((r) => r.attrs["data-kind"] === "rest")!.attrs;
    expect(n(rest.x)).toBeCloseTo(x, 2);
    expect(n(rest.width)).toBeCloseTo((1 - 0.75) * L.barWidth, 2);
  });

  it("draws one bar per tone, width proportional to coverage", () => {
    const tones = groups(svg, "tone");
    expect(tones).toHaveLength(2);
    const widths = tones.map((g) => n(elements(g, "rect")[0]!.attrs.width));
    expect(widths[0]).toBeCloseTo(0.6 * (L.barWidth - L.labelWidth), 2);
    expect(widths[1]! / widths[0]!).toBeCloseTo(0.5, 6);
    expect(tones[0]).toContain(">cool 60%</text>");
  });

  it("says when there are no objects, and renders an empty verbalization", () => {
    const empty = layoutPreviewSvg(parseCanonicalText("colors ; tones ; objects"));
    expect(balanced(empty)).toBe(true);
    expect(empty).toContain(">no objects</text>");
    expect(groups(empty, "swatch")).toHaveLength(0);
  });

  it("escapes every text", () => {
    expect(escapeXml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;");
    const hostile = layoutPreviewSvg(
      { ...v, objects: [{ label: '<script>alert("x")</script>', box: { x: 0, y: 0, w: 0.5, h: 0.5 }, score: 1 }] },
      'title "with" <tags> & more',
    );
    expect(hostile).not.toContain("<script");
    expect(hostile).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(hostile).toContain('aria-label="title &quot;with&quot; &lt;tags&gt; &amp; more"');
    expect(balanced(hostile)).toBe(true);
  });
});
