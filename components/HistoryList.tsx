"use client";
import Link from "next/link";
import { useState } from "react";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useTRPC } from "./trpc";
import { errorText } from "./errorText";
import { inputClass, labelClass } from "./PromptFields";
import { useCompareTray } from "./compareTray";
import { ordinal } from "./ScoredImageCard";
import { STATUS_STYLE } from "./statusStyle";

const card = "rounded-xl border border-slate-200 bg-white p-5";

/**
 * History (issue 6): every generation and scored upload, newest first, filterable by brand, with
 * thumbnails and scores, the models that made them, and exports (one generation, or the brand's
 * whole campaign, as a ZIP of images plus scores.csv).
 */
export function HistoryList() {
  const trpc = useTRPC();
  const tray = useCompareTray();
  const [brand, setBrand] = useState("");
  const brands = useQuery(trpc.data.brands.queryOptions());
  const history = useInfiniteQuery(
    trpc.studio.history.infiniteQueryOptions(
      { brand: brand || undefined, limit: 10 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, refetchInterval: 5000 },
    ),
  );
  const items = history.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div className="space-y-4">
      <div className={`${card} flex flex-wrap items-end gap-4`}>
        <div className="w-64">
          <label htmlFor="history-brand" className={labelClass}>Brand</label>
          <select id="history-brand" value={brand} onChange={(e) => setBrand(e.target.value)} className={inputClass}>
            <option value="">All brands</option>
            <option value="stock">Stock (no brand)</option>
            {brands.data?.map((b) => <option key={b.name} value={b.name}>{b.name}</option>)}
          </select>
        </div>
        {brand && (
          <a href={`/api/export?brand=${encodeURIComponent(brand)}`} download className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
            Export {brand === "stock" ? "stock" : brand} campaign (ZIP)
          </a>
        )}
        <Link href="/compare" className="ml-auto rounded-md border border-slate-300 px-3 py-2 text-sm text-slate-700 hover:bg-slate-50">
          Compare selected ({tray.ids.length})
        </Link>
      </div>
      {history.error && <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{errorText(history.error)}</p>}
      {history.isPending ? (
        <div className={`${card} h-40 animate-pulse`} aria-busy="true" aria-label="Loading history" />
      ) : items.length === 0 ? (
        <div className={`${card} text-sm text-slate-600`}>
          Nothing here yet{brand ? ` for ${brand}` : ""}. <Link href="/generate" className="text-brand-700 underline">Generate</Link> variants or <Link href="/score" className="text-brand-700 underline">score</Link> an image of your own.
        </div>
      ) : (
        <ul className="space-y-3" aria-label="History">
          {items.map((item) => (
            <li key={item.id} className={card} data-testid="history-item">
              <div className="flex flex-wrap items-baseline justify-between gap-2">
                <div className="min-w-0">
                  <span className="mr-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-700">{item.source === "upload" ? "Scored upload" : "Generation"}</span>
                  <span className="font-medium">{item.brand ?? "stock"}</span>
                  <span className="text-slate-500"> · {item.postDate.slice(0, 10)}{item.targetKpi ? ` · target ${item.targetKpi}` : ""}</span>
                  <p className="mt-1 line-clamp-2 text-sm text-slate-700">{item.prompt}</p>
                </div>
                <div className="flex items-center gap-3 text-xs">
                  <span className={`rounded-full px-2 py-0.5 font-medium ${STATUS_STYLE[item.status] ?? ""}`}>{item.status}</span>
                  <time className="text-slate-500" dateTime={new Date(item.createdAt).toISOString()}>{new Date(item.createdAt).toLocaleString()}</time>
                </div>
              </div>
              <div className="mt-3 flex flex-wrap gap-3">
                {item.images.map((image) => (
                  <label key={image.id} className="w-24 text-xs">
                    <img src={image.url} alt={`${item.source === "upload" ? image.fileName ?? "upload" : `Variant ${image.position + 1}`} of ${item.prompt}`}
                      className={`aspect-square w-24 rounded-md border border-slate-200 bg-slate-50 object-contain ${image.width > 128 ? "" : "[image-rendering:pixelated]"}`} loading="lazy" />
                    <span className="mt-1 block tabular-nums text-slate-700">
                      {image.percentileCalibrated === null ? `P(high) ${(image.probabilityHigh * 100).toFixed(0)}%` : `${ordinal(image.percentileCalibrated)} pct`}
                    </span>
                    <span className="flex items-center gap-1 text-slate-600">
                      <input type="checkbox" checked={tray.ids.includes(image.id)} disabled={!tray.ids.includes(image.id) && tray.full}
                        onChange={() => tray.toggle(image.id)} aria-label={`Compare ${item.source === "upload" ? "upload" : `variant ${image.position + 1}`} of ${item.prompt}`} />
                      compare
                    </span>
                  </label>
                ))}
              </div>
              <div className="mt-3 flex flex-wrap items-center gap-4 text-xs text-slate-500">
                <span data-testid="history-models">
                  {Object.entries(item.models).map(([role, m]) => `${role} ${m.version}`).join(" · ") || "models: —"}
                </span>
                {item.error && item.status !== "succeeded" && <span className="text-red-700">{item.error}</span>}
                <span className="ml-auto flex gap-3">
                  {item.source === "generate" && <Link href={`/generate?g=${item.id}`} className="text-brand-700 hover:underline">Open</Link>}
                  {item.images.length > 0 && <a href={`/api/export?generation=${item.id}`} download className="text-brand-700 hover:underline">Download ZIP</a>}
                </span>
              </div>
            </li>
          ))}
        </ul>
      )}
      {history.hasNextPage && (
        <button type="button" onClick={() => history.fetchNextPage()} disabled={history.isFetchingNextPage}
          className="rounded-md border border-slate-300 px-4 py-2 text-sm text-slate-700 hover:bg-slate-50 disabled:opacity-60">
          {history.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      )}
    </div>
  );
}
