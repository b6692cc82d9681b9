/**
 * A verbalization drawn as a self-contained SVG (no scripts, no external references): what
 * BoigLLM "asks for" in an image (SPEC §4 behavior-conditioned verbalization), readable at a
 * glance in the app before any image is generated.
 *   - a square canvas with each object's box (normalized box × CANVAS) and its label;
 *   - colors as one stacked bar: a swatch per color, width = coverage × BAR_WIDTH, PALETTE RGB,
 *     the uncovered rest (colors under 5% are not listed, SPEC §3.4) as a neutral segment;
 *   - tones as horizontal bars, width = coverage × BAR_WIDTH.
 * Every text is XML-escaped, although today's labels come from fixed vocabularies: the function
 * takes any Verbalization, and an SVG string is markup.
 * Geometry is exported so tests (and the UI) can rely on it.
 */
import type { Verbalization } from "../verbalize/types";
import { PALETTE, type ColorName } from "../verbalize/vocabulary";

export const PREVIEW_LAYOUT = {
  margin: 8,
  canvas: 256,
  barWidth: 256,
  colorBarHeight: 24,
  toneRowHeight: 18,
  toneBarHeight: 12,
  labelWidth: 56,
  sectionGap: 20,
} as const;

const TONE_FILL: Record<string, string> = {
  dark: "#27272a", light: "#e4e4e7", warm: "#ea580c", cool: "#0284c7", vivid: "#db2777", muted: "#a8a29e",
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

const num = (value: number) => String(Math.round(value * 100) / 100);
const percent = (coverage: number) => `${Math.round(coverage * 100)}%`;
const rgb = (name: string) => {
  const color = PALETTE[name as ColorName];
  return color ? `rgb(${color.join(",")})` : "#9ca3af";
};
/** Black or white text, whichever reads on this fill (relative luminance). */
const inkOn = (name: string) => {
  const [r, g, b] = PALETTE[name as ColorName] ?? [156, 163, 175];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 140 ? "#111827" : "#ffffff";
};

export function layoutPreviewSvg(v: Pick<Verbalization, "colors" | "tones" | "objects">, title = "layout preview"): string {
  const L = PREVIEW_LAYOUT;
  const x0 = L.margin;
  const parts: string[] = [];
  let y = L.margin;

  // Canvas and object boxes.
  parts.push(`<g data-section="objects"><rect x="${x0}" y="${y}" width="${L.canvas}" height="${L.canvas}" fill="#f4f4f5" stroke="#a1a1aa"/>`);
  v.objects.forEach((o, i) => {
    const [bx, by, bw, bh] = [x0 + o.box.x * L.canvas, y + o.box.y * L.canvas, o.box.w * L.canvas, o.box.h * L.canvas];
    parts.push(
      `<g data-kind="object" data-index="${i}"><rect x="${num(bx)}" y="${num(by)}" width="${num(bw)}" height="${num(bh)}" fill="#6366f1" fill-opacity="0.12" stroke="#4f46e5" stroke-width="2"/>` +
        `<text x="${num(bx + 3)}" y="${num(by + 12)}" font-size="11" fill="#312e81">${escapeXml(o.label)}</text></g>`,
    );
  });
  if (v.objects.length === 0)
    parts.push(`<text x="${x0 + L.canvas / 2}" y="${y + L.canvas / 2}" font-size="12" fill="#71717a" text-anchor="middle">no objects</text>`);
  parts.push("</g>");
  y += L.canvas + L.sectionGap;

  // Colors: one stacked bar.
  parts.push(`<g data-section="colors"><text x="${x0}" y="${y - 6}" font-size="11" fill="#3f3f46">colors</text>`);
  let cursor = x0;
  for (const c of v.colors) {
    const width = Math.max(0, Math.min(1, c.coverage)) * L.barWidth;
    parts.push(
      `<g data-kind="swatch"><rect x="${num(cursor)}" y="${y}" width="${num(width)}" height="${L.colorBarHeight}" fill="${rgb(c.name)}"><title>${escapeXml(`${c.name} ${percent(c.coverage)}`)}</title></rect>` +
        (width >= 36 ? `<text x="${num(cursor + 3)}" y="${y + 16}" font-size="10" fill="${inkOn(c.name)}">${escapeXml(`${c.name} ${percent(c.coverage)}`)}</text>` : "") +
        "</g>",
    );
    cursor += width;
  }
  const rest = x0 + L.barWidth - cursor;
  if (rest > 0.5) parts.push(`<rect data-kind="rest" x="${num(cursor)}" y="${y}" width="${num(rest)}" height="${L.colorBarHeight}" fill="#e4e4e7"><title>other colors</title></rect>`);
  parts.push("</g>");
  y += L.colorBarHeight + L.sectionGap;

  // Tones: one bar per tone.
  parts.push(`<g data-section="tones"><text x="${x0}" y="${y - 6}" font-size="11" fill="#3f3f46">tones</text>`);
  const toneBarWidth = L.barWidth - L.labelWidth;
  v.tones.forEach((t, i) => {
    const rowY = y + i * L.toneRowHeight;
    const width = Math.max(0, Math.min(1, t.coverage)) * toneBarWidth;
    parts.push(
      `<g data-kind="tone"><text x="${x0}" y="${rowY + 10}" font-size="10" fill="#3f3f46">${escapeXml(`${t.name} ${percent(t.coverage)}`)}</text>` +
        `<rect x="${x0 + L.labelWidth}" y="${rowY}" width="${num(width)}" height="${L.toneBarHeight}" fill="${TONE_FILL[t.name] ?? "#9ca3af"}"/></g>`,
    );
  });
  parts.push("</g>");
  y += Math.max(1, v.tones.length) * L.toneRowHeight + L.margin;

  const width = L.canvas + 2 * L.margin;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif" role="img" aria-label="${escapeXml(title)}">` +
    `<title>${escapeXml(title)}</title>${parts.join("")}</svg>`
  );
}
