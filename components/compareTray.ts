"use client";
/**
 * The comparison tray: images picked on Generate, Score and History for the Compare page, kept in
 * localStorage so a selection survives navigation and reloads, and shared between tabs through
 * the `storage` event. At most MAX_COMPARED (the server's limit, services/compareImages.ts).
 */
import { useCallback, useSyncExternalStore } from "react";

export const MAX_COMPARED = 10;
const KEY = "boig.compare";
const CHANGED = "boig-compare-changed";
const EMPTY: string[] = [];
let cache: { raw: string | null; ids: string[] } = { raw: null, ids: EMPTY };

function read(): string[] {
  if (typeof window === "undefined") return EMPTY;
  const raw = window.localStorage.getItem(KEY);
  if (raw === cache.raw) return cache.ids; // same array while unchanged: useSyncExternalStore needs it
  let ids: string[] = EMPTY;
  try {
    const parsed: unknown = JSON.parse(raw ?? "[]");
    if (Array.isArray(parsed)) ids = parsed.filter((v): v is string => typeof v === "string").slice(0, MAX_COMPARED);
  } catch {
    /* a corrupt entry is an empty tray */
  }
  cache = { raw, ids };
  return ids;
}

function write(ids: string[]) {
  window.localStorage.setItem(KEY, JSON.stringify(ids.slice(0, MAX_COMPARED)));
  window.dispatchEvent(new Event(CHANGED));
}

function subscribe(onChange: () => void) {
  window.addEventListener("storage", onChange);
  window.addEventListener(CHANGED, onChange);
  return () => {
    window.removeEventListener("storage", onChange);
    window.removeEventListener(CHANGED, onChange);
  };
}

export function useCompareTray() {
  const ids = useSyncExternalStore(subscribe, read, () => EMPTY);
  const toggle = useCallback((id: string) => {
    const now = read();
    if (now.includes(id)) write(now.filter((x) => x !== id));
    else if (now.length < MAX_COMPARED) write([...now, id]);
  }, []);
  const set = useCallback((next: string[]) => write([...new Set(next)]), []);
  const clear = useCallback(() => write([]), []);
  return { ids, toggle, set, clear, full: ids.length >= MAX_COMPARED };
}
