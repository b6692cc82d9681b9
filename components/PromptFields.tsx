"use client";
import { useEffect, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "./trpc";
import { errorText } from "./errorText";
import { fieldMessage, type FieldErrors } from "./fieldErrors";

/** The Brand select's value for a stock prompt (SPEC §4 type 2: no brand). */
export const STOCK = "__stock__";

export const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-100 disabled:bg-slate-100 disabled:text-slate-500 aria-[invalid=true]:border-red-500";
export const labelClass = "block text-sm font-medium text-slate-700";
export const buttonClass =
  "inline-flex items-center justify-center rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500 focus-visible:ring-offset-2 disabled:opacity-60";

export type PromptDraft = {
  /** A brand name, STOCK, or null until the brand list has loaded. */
  brand: string | null;
  date: string;
  prompt: string;
  keywords: string;
};

/** Today as YYYY-MM-DD in the browser's time zone. */
export function todayIso(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function usePromptDraft() {
  const [draft, setDraft] = useState<PromptDraft>({ brand: null, date: "", prompt: "", keywords: "" });
  // Today is set after mount so the server's and the browser's render agree (time zones differ).
  useEffect(() => setDraft((d) => (d.date ? d : { ...d, date: todayIso() })), []);
  return [draft, setDraft] as const;
}

export const isStock = (draft: PromptDraft) => draft.brand === STOCK;

/** The prompt fields of llm.verbalize / llm.score. */
export function promptInput(draft: PromptDraft) {
  const stock = isStock(draft);
  return {
    kind: stock ? ("stock" as const) : ("social" as const),
    brand: stock || !draft.brand ? undefined : draft.brand,
    date: draft.date,
    prompt: draft.prompt,
    keywords: draft.keywords.split(",").map((k) => k.trim()).filter(Boolean),
  };
}

/** Checks the server does not make (a prompt is what the image is for) or cannot see (an empty date input). */
export function checkPromptDraft(draft: PromptDraft): FieldErrors {
  const errors: FieldErrors = {};
  if (!draft.brand) errors.brand = "Choose a brand, or stock (no brand)";
  if (!draft.date) errors.date = "Post date is required";
  if (!draft.prompt.trim()) errors.prompt = "Prompt is required: the caption or idea the image is for";
  return errors;
}

/** Maps a server field path to the prompt field it belongs to. */
export function promptFieldOf(path: string): string | null {
  const top = path.split(".")[0]!;
  if (top === "kind") return "brand";
  return ["brand", "date", "prompt", "keywords"].includes(top) ? top : null;
}

export const FIELD_LABELS: Record<string, string> = { brand: "Brand", date: "Post date", prompt: "Prompt", keywords: "Keywords" };

export function FieldError({ id, label, message }: { id: string; label: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={id} className="mt-1 text-sm text-red-700" data-field-error>
      {fieldMessage(label, message)}
    </p>
  );
}

/** Field props wiring a control to its error line (aria-invalid + aria-describedby). */
export function describedBy(id: string, error: string | undefined, hint?: string) {
  const ids = [error ? `${id}-error` : null, hint ?? null].filter(Boolean).join(" ");
  return { id, "aria-invalid": error ? true : undefined, "aria-describedby": ids || undefined } as const;
}

/** Brand, Post date, Prompt and Keywords, shared by Generate and Score. */
export function PromptFields({
  idPrefix,
  draft,
  onChange,
  errors,
  disabled,
}: {
  idPrefix: string;
  draft: PromptDraft;
  onChange: (next: PromptDraft) => void;
  errors: FieldErrors;
  disabled?: boolean;
}) {
  const trpc = useTRPC();
  const brands = useQuery({
    ...trpc.data.brands.queryOptions(),
    // While the demo data is still importing there are no brands yet: look again now and then.
    refetchInterval: (q) => (q.state.data && q.state.data.length === 0 ? 5_000 : false),
  });
  const list = brands.data;
  useEffect(() => {
    if (draft.brand !== null) return;
    if (list) onChange({ ...draft, brand: list[0]?.name ?? STOCK });
    else if (brands.error) onChange({ ...draft, brand: STOCK });
  }, [draft, list, brands.error, onChange]);

  const id = (name: string) => `${idPrefix}-${name}`;
  const set = (patch: Partial<PromptDraft>) => onChange({ ...draft, ...patch });
  const brandHint = id("brand-hint");
  return (
    <>
      <div>
        <label htmlFor={id("brand")} className={labelClass}>Brand</label>
        <select
          {...describedBy(id("brand"), errors.brand, brandHint)}
          value={draft.brand ?? ""}
          disabled={disabled || draft.brand === null}
          onChange={(e) => set({ brand: e.target.value })}
          className={inputClass}
        >
          {draft.brand === null && <option value="">Loading brands…</option>}
          {list?.map((b) => (
            <option key={b.name} value={b.name}>
              {b.name} ({b.posts} posts)
            </option>
          ))}
          <option value={STOCK}>stock (no brand)</option>
        </select>
        <p id={brandHint} className="mt-1 min-h-5 text-xs text-slate-500">
          {brands.error
            ? `Brands could not be loaded: ${errorText(brands.error)}`
            : list && list.length === 0
              ? "No social data imported yet (the demo data may still be importing)."
              : isStock(draft)
                ? "A stock asset: no brand, KPI = forward actions."
                : list && draft.brand
                  ? `Social post; KPI = likes. From ${list.find((b) => b.name === draft.brand)?.datasets.join(", ") ?? "—"}.`
                  : ""}
        </p>
        <FieldError id={`${id("brand")}-error`} label="Brand" message={errors.brand} />
      </div>
      <div>
        <label htmlFor={id("date")} className={labelClass}>Post date</label>
        <input {...describedBy(id("date"), errors.date)} type="date" value={draft.date} disabled={disabled}
          onChange={(e) => set({ date: e.target.value })} className={inputClass} />
        <FieldError id={`${id("date")}-error`} label="Post date" message={errors.date} />
      </div>
      <div>
        <label htmlFor={id("prompt")} className={labelClass}>Prompt</label>
        <textarea {...describedBy(id("prompt"), errors.prompt)} rows={3} value={draft.prompt} disabled={disabled} maxLength={5000}
          placeholder="e.g. Summer sale: our new lemon soda, 20% off this weekend"
          onChange={(e) => set({ prompt: e.target.value })} className={`${inputClass} resize-y`} />
        <FieldError id={`${id("prompt")}-error`} label="Prompt" message={errors.prompt} />
      </div>
      <div>
        <label htmlFor={id("keywords")} className={labelClass}>Keywords</label>
        <input {...describedBy(id("keywords"), errors.keywords, id("keywords-hint"))} value={draft.keywords} disabled={disabled}
          placeholder="summer, sale, bottle" onChange={(e) => set({ keywords: e.target.value })} className={inputClass} />
        <p id={id("keywords-hint")} className="mt-1 text-xs text-slate-500">Comma-separated.</p>
        <FieldError id={`${id("keywords")}-error`} label="Keywords" message={errors.keywords} />
      </div>
    </>
  );
}

/** Moves focus to the first control whose field has an error (after a failed submit). */
export function focusFirstError(idPrefix: string, order: string[], errors: FieldErrors) {
  const first = order.find((k) => errors[k]);
  if (first) (document.getElementById(`${idPrefix}-${first}`) as HTMLElement | null)?.focus();
}
