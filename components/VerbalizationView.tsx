"use client";
import { useId } from "react";
import { PALETTE, type ColorName } from "@/server/verbalize/vocabulary";
import { placement } from "@/server/verbalize/caption";
import type { Verbalization } from "@/server/verbalize/types";

const TONE_FILL: Record<string, string> = {
  dark: "#27272a", light: "#d4d4d8", warm: "#ea580c", cool: "#0284c7", vivid: "#db2777", muted: "#a8a29e",
};

const percent = (coverage: number) => `${Math.round(coverage * 100)}%`;
const rgb = (name: string) => {
  const color = PALETTE[name as ColorName];
  return color ? `rgb(${color.join(",")})` : "#9ca3af";
};

/**
 * The server's SVG (server/llm/layoutPreview.ts: self-contained, every text XML-escaped) as an
 * image: an <img> never runs scripts nor joins the page's DOM, so no markup is injected.
 */
export function svgDataUrl(svg: string) {
  return `data:image/svg+xml;utf8,${encodeURIComponent(svg)}`;
}

/**
 * A verbalization (SPEC §3.4) for people: palette swatches with coverage, tone bars, the objects
 * and where they sit, the caption, the canonical text BoigLLM reads and writes, and — for
 * BoigLLM's own answers — the SVG layout preview.
 */
export function VerbalizationView({
  verbalization,
  canonical,
  preview,
  previewAlt = "Layout preview: the objects' boxes, the colors and the tones",
  model,
  truncated,
}: {
  verbalization: Verbalization;
  canonical: string;
  preview?: string;
  previewAlt?: string;
  model?: { name: string; version: string };
  truncated?: boolean;
}) {
  const { colors, tones, objects, caption } = verbalization;
  const uid = useId();
  const rest = Math.max(0, 1 - colors.reduce((s, c) => s + c.coverage, 0));
  return (
    <div className="@container space-y-5" data-testid="verbalization">
      <div className={preview ? "grid gap-5 @xl:grid-cols-[minmax(0,17rem)_minmax(0,1fr)]" : ""}>
        {preview && (
          <figure className="min-w-0">
            <img src={svgDataUrl(preview)} alt={previewAlt} data-testid="layout-preview"
              className="block h-auto w-full max-w-[17rem] rounded-md border border-slate-200 bg-white" />
            <figcaption className="mt-1 text-xs text-slate-500">Layout: object boxes on the canvas, colors, tones.</figcaption>
          </figure>
        )}
        <div className="min-w-0 space-y-5">
          <section aria-labelledby={`${uid}-colors`}>
            <h3 id={`${uid}-colors`} className="mb-2 text-sm font-medium text-slate-700">Colors</h3>
            {colors.length === 0 ? (
              <p className="text-sm text-slate-500">No color covers 5% or more.</p>
            ) : (
              <>
                <div className="mb-2 flex h-3 w-full overflow-hidden rounded-full border border-slate-200" aria-hidden>
                  {colors.map((c) => (
                    <div key={c.name} style={{ width: `${c.coverage * 100}%`, background: rgb(c.name) }} />
                  ))}
                  {rest > 0 && <div style={{ width: `${rest * 100}%` }} className="bg-slate-100" />}
                </div>
                <ul className="flex flex-wrap gap-2" aria-label="Color palette">
                  {colors.map((c) => (
                    <li key={c.name} className="flex items-center gap-2 rounded-md border border-slate-200 bg-white py-1 pl-1 pr-2 text-sm">
                      <span className="inline-block h-6 w-6 rounded border border-slate-300" style={{ background: rgb(c.name) }} aria-hidden />
                      <span>{c.name}</span>
                      <span className="tabular-nums text-slate-500">{percent(c.coverage)}</span>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
          <section aria-labelledby={`${uid}-tones`}>
            <h3 id={`${uid}-tones`} className="mb-2 text-sm font-medium text-slate-700">Tones</h3>
            {tones.length === 0 ? (
              <p className="text-sm text-slate-500">No tone.</p>
            ) : (
              <ul className="space-y-1.5" aria-label="Tones">
                {tones.map((t) => (
                  <li key={t.name} className="grid grid-cols-[4.5rem_minmax(0,1fr)_3rem] items-center gap-2 text-sm">
                    <span>{t.name}</span>
                    <span className="h-2.5 overflow-hidden rounded-full bg-slate-100" role="meter" aria-label={`${t.name} tone`}
                      aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(t.coverage * 100)}>
                      <span className="block h-full rounded-full" style={{ width: `${t.coverage * 100}%`, background: TONE_FILL[t.name] ?? "#9ca3af" }} />
                    </span>
                    <span className="text-right tabular-nums text-slate-500">{percent(t.coverage)}</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby={`${uid}-objects`}>
            <h3 id={`${uid}-objects`} className="mb-2 text-sm font-medium text-slate-700">Objects</h3>
            {objects.length === 0 ? (
              <p className="text-sm text-slate-500">No objects.</p>
            ) : (
              <ul className="flex flex-wrap gap-2 text-sm" aria-label="Objects">
                {objects.map((o, i) => (
                  <li key={i} className="rounded-md border border-indigo-200 bg-indigo-50 px-2 py-1 text-indigo-900">
                    {o.label} <span className="text-indigo-700/80">{placement(o.box)}, {percent(o.box.w)} × {percent(o.box.h)}</span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </div>
      </div>
      {caption && (
        <p className="text-sm text-slate-700"><span className="font-medium">In words: </span>{caption}</p>
      )}
      <div>
        <h3 className="mb-1 text-sm font-medium text-slate-700">Canonical text</h3>
        <pre data-testid="canonical" className="whitespace-pre-wrap break-words rounded-md bg-slate-900 px-3 py-2 font-mono text-xs text-slate-100">{canonical}</pre>
        {truncated && <p className="mt-1 text-xs text-amber-700">The model ran out of tokens before finishing; the complete items are shown.</p>}
        {model && <p className="mt-1 text-xs text-slate-500" data-testid="model-version">Model: {model.name} {model.version}</p>}
      </div>
    </div>
  );
}
