"use client";
import { useEffect, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "./trpc";
import { splitFieldErrors, type FieldErrors } from "./fieldErrors";
import {
  FieldError, PromptFields, buttonClass, checkPromptDraft, describedBy, focusFirstError, inputClass, isStock, labelClass,
  promptFieldOf, promptInput, usePromptDraft, type PromptDraft,
} from "./PromptFields";
import { VerbalizationView } from "./VerbalizationView";

type Kpi = "high" | "medium" | "low";
const ID = "generate";
const FIELD_ORDER = ["brand", "date", "prompt", "keywords", "targetKpi"];
const card = "rounded-xl border border-slate-200 bg-white p-5";

/**
 * Generate (SPEC §1): brand, date, prompt, keywords and target KPI → BoigLLM's behavior-conditioned
 * verbalization (llm.verbalize), with its layout preview. Image variants come with BoigSD.
 */
export function GenerateWorkspace() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = usePromptDraft();
  const [targetKpi, setTargetKpi] = useState<Kpi>("high");
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const stock = isStock(draft);
  const kpis: Kpi[] = stock ? ["high", "medium", "low"] : ["high", "low"];

  const verbalize = useMutation({
    mutationFn: (input: ReturnType<typeof promptInput> & { targetKpi: Kpi }) =>
      queryClient.fetchQuery(trpc.llm.verbalize.queryOptions(input, { retry: false, staleTime: 60_000 })),
  });
  const [shown, setShown] = useState<{ result: NonNullable<typeof verbalize.data>; request: string; kpi: Kpi } | null>(null);

  const server = splitFieldErrors(verbalize.error, (path) => (path === "targetKpi" ? "targetKpi" : promptFieldOf(path)));
  const errors: FieldErrors = { ...server.fields, ...clientErrors };
  useEffect(() => {
    if (verbalize.error) focusFirstError(ID, FIELD_ORDER, server.fields);
    // Only when a new error arrives.
  }, [verbalize.error]);

  function onDraft(next: PromptDraft) {
    // Medium exists for stock only (terciles); a social prompt takes high or low.
    if (!isStock(next) && targetKpi === "medium") setTargetKpi("high");
    setDraft(next);
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    verbalize.reset();
    const problems = checkPromptDraft(draft);
    setClientErrors(problems);
    if (Object.keys(problems).length > 0) {
      focusFirstError(ID, FIELD_ORDER, problems);
      return;
    }
    const input = { ...promptInput(draft), targetKpi };
    try {
      const result = await verbalize.mutateAsync(input);
      setShown({ result, kpi: targetKpi, request: `${input.brand ?? "stock"} · ${input.date} · target KPI ${targetKpi}` });
    } catch {
      /* shown from verbalize.error */
    }
  }

  return (
    <div className="grid items-start gap-6 lg:grid-cols-[minmax(18rem,22rem)_minmax(0,1fr)]">
      <form onSubmit={onSubmit} noValidate aria-label="Generate" className={`${card} space-y-4`}>
        <PromptFields idPrefix={ID} draft={draft} onChange={onDraft} errors={errors} disabled={verbalize.isPending} />
        <div className="grid grid-cols-2 gap-3">
          <div>
            <label htmlFor={`${ID}-targetKpi`} className={labelClass}>Target KPI</label>
            <select {...describedBy(`${ID}-targetKpi`, errors.targetKpi)} value={targetKpi} disabled={verbalize.isPending}
              onChange={(e) => setTargetKpi(e.target.value as Kpi)} className={inputClass}>
              {kpis.map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
          </div>
          <div>
            <label htmlFor={`${ID}-variants`} className={labelClass}>Variants</label>
            <input id={`${ID}-variants`} type="number" min={1} max={8} defaultValue={4} disabled aria-describedby={`${ID}-variants-note`} className={inputClass} />
          </div>
        </div>
        <FieldError id={`${ID}-targetKpi-error`} label="Target KPI" message={errors.targetKpi} />
        <p id={`${ID}-variants-note`} className="-mt-2 text-xs text-slate-500">image variants arrive with BoigSD</p>
        <div className="flex items-center gap-3 pt-1">
          <button type="submit" className={buttonClass} disabled={verbalize.isPending || draft.brand === null}>
            {verbalize.isPending ? "Generating…" : "Generate"}
          </button>
          {verbalize.isPending && <span role="status" className="text-sm text-slate-500">BoigLLM is writing the verbalization…</span>}
        </div>
        {server.rest && (
          <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{server.rest}</p>
        )}
      </form>

      <section aria-label="Verbalization" aria-busy={verbalize.isPending} className={`${card} relative min-h-[28rem] min-w-0`}>
        <div className="mb-4 flex flex-wrap items-baseline justify-between gap-2">
          <h2 className="font-medium">{shown ? `What a ${shown.kpi}-KPI image should show` : "BoigLLM verbalization"}</h2>
          {shown && <span className="text-xs text-slate-500" data-testid="result-request">{shown.request}</span>}
        </div>
        {shown ? (
          <div className={verbalize.isPending ? "opacity-50 transition-opacity" : "transition-opacity"}>
            <VerbalizationView
              verbalization={shown.result.verbalization}
              canonical={shown.result.canonical}
              preview={shown.result.preview}
              previewAlt={`BoigLLM layout preview: ${shown.result.canonical}`}
              model={shown.result.model}
              truncated={shown.result.truncated}
            />
          </div>
        ) : (
          <div className="flex h-80 items-center justify-center rounded-lg border border-dashed border-slate-300 px-6 text-center text-sm text-slate-500">
            {verbalize.isPending
              ? "Generating…"
              : "Pick a brand, a date, a prompt and the KPI you want, then Generate: BoigLLM describes the colors, tones and object layout that its training data ties to that KPI."}
          </div>
        )}
      </section>
    </div>
  );
}
