"use client";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTRPC } from "./trpc";
import { errorText } from "./errorText";
import { splitFieldErrors, type FieldErrors } from "./fieldErrors";
import {
  FieldError, PromptFields, STOCK, buttonClass, checkPromptDraft, describedBy, focusFirstError, inputClass, isStock, labelClass,
  promptFieldOf, promptInput, usePromptDraft, type PromptDraft,
} from "./PromptFields";
import { VerbalizationView } from "./VerbalizationView";
import { ScoredImageCard } from "./ScoredImageCard";
import { useCompareTray } from "./compareTray";

type Kpi = "high" | "medium" | "low";
const ID = "generate";
const FIELD_ORDER = ["brand", "date", "prompt", "keywords", "targetKpi", "variants"];
const card = "rounded-xl border border-slate-200 bg-white p-5";
const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

/**
 * Generate (issue 6): brand, date, prompt, keywords, target KPI and the number of variants →
 * a generation job. The page follows it by id (kept in the URL, so a reload resumes it): first
 * BoigLLM's behavior-conditioned verbalization, then each BoigSD variant as it is generated and
 * scored, with per-variant progress.
 */
export function GenerateWorkspace() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const generationId = params.get("g");
  const [draft, setDraft] = usePromptDraft();
  const [targetKpi, setTargetKpi] = useState<Kpi>("high");
  const [variants, setVariants] = useState("4");
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const tray = useCompareTray();
  const stock = isStock(draft);
  const kpis: Kpi[] = stock ? ["high", "medium", "low"] : ["high", "low"];

  const generate = useMutation(trpc.studio.generate.mutationOptions());
  const cancel = useMutation(trpc.studio.cancel.mutationOptions());
  const generation = useQuery(
    trpc.studio.generation.queryOptions(
      { id: generationId ?? "00000000-0000-0000-0000-000000000000" },
      {
        enabled: !!generationId,
        retry: false,
        refetchInterval: (query) => (query.state.data && TERMINAL.has(query.state.data.status) ? false : 700),
      },
    ),
  );
  const data = generationId ? generation.data : undefined;
  const running = !!data && !TERMINAL.has(data.status);

  // Opened from History or reloaded: show the inputs that made this generation.
  const filledFrom = useRef<string | null>(null);
  useEffect(() => {
    if (!data || filledFrom.current === data.id) return;
    filledFrom.current = data.id;
    setDraft({ brand: data.brand ?? STOCK, date: data.postDate.slice(0, 10), prompt: data.prompt, keywords: data.keywords.join(", ") });
    if (data.targetKpi) setTargetKpi(data.targetKpi);
    setVariants(String(data.variants));
  }, [data, setDraft]);

  const server = splitFieldErrors(generate.error, (path) => (path === "targetKpi" || path === "variants" ? path : promptFieldOf(path)));
  const errors: FieldErrors = { ...server.fields, ...clientErrors };
  useEffect(() => {
    if (generate.error) focusFirstError(ID, FIELD_ORDER, server.fields);
    // Only when a new error arrives.
  }, [generate.error]);

  function onDraft(next: PromptDraft) {
    // Medium exists for stock only (terciles); a social prompt takes high or low.
    if (!isStock(next) && targetKpi === "medium") setTargetKpi("high");
    setDraft(next);
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    generate.reset();
    const problems = checkPromptDraft(draft);
    const count = Number(variants);
    if (!Number.isInteger(count) || count < 1 || count > 8) problems.variants = "Variants must be a whole number from 1 to 8";
    setClientErrors(problems);
    if (Object.keys(problems).length > 0) {
      focusFirstError(ID, FIELD_ORDER, problems);
      return;
    }
    try {
      const created = await generate.mutateAsync({ ...promptInput(draft), targetKpi, variants: count });
      filledFrom.current = created.id; // the form already shows these inputs
      router.replace(`${pathname}?g=${created.id}`, { scroll: false });
    } catch {
      /* shown from generate.error */
    }
  }

  const busy = generate.isPending || running;
  const kpiName = data?.kind === "stock" ? "downloads" : "likes";
  const verbalization = data?.verbalization as
    | { canonical: string; verbalization: Parameters<typeof VerbalizationView>[0]["verbalization"]; preview: string; truncated: boolean }
    | null
    | undefined;
  const selectedHere = data ? data.images.filter((i) => tray.ids.includes(i.id)).length : 0;

  return (
    <div className="grid items-start gap-6 lg:grid-cols-[minmax(18rem,22rem)_minmax(0,1fr)]">
      <form onSubmit={onSubmit} noValidate aria-label="Generate" className={`${card} space-y-4`}>
        <PromptFields idPrefix={ID} draft={draft} onChange={onDraft} errors={errors} disabled={generate.isPending} />
        <div className="grid grid-cols-2 gap-3">
          <div>
            <label htmlFor={`${ID}-targetKpi`} className={labelClass}>Target KPI</label>
            <select {...describedBy(`${ID}-targetKpi`, errors.targetKpi)} value={targetKpi} disabled={generate.isPending}
              onChange={(e) => setTargetKpi(e.target.value as Kpi)} className={inputClass}>
              {kpis.map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
          </div>
          <div>
            <label htmlFor={`${ID}-variants`} className={labelClass}>Variants</label>
            <input {...describedBy(`${ID}-variants`, errors.variants)} type="number" min={1} max={8} step={1} value={variants}
              disabled={generate.isPending} onChange={(e) => setVariants(e.target.value)} className={inputClass} />
          </div>
        </div>
        <FieldError id={`${ID}-targetKpi-error`} label="Target KPI" message={errors.targetKpi} />
        <FieldError id={`${ID}-variants-error`} label="Variants" message={errors.variants} />
        <div className="flex items-center gap-3 pt-1">
          <button type="submit" className={buttonClass} disabled={busy || draft.brand === null}>
            {generate.isPending ? "Queueing…" : running ? "Generating…" : "Generate"}
          </button>
          {running && data && (
            <button type="button" onClick={() => cancel.mutate({ id: data.id })} disabled={cancel.isPending}
              className="rounded-md border border-slate-300 px-3 py-2 text-sm text-slate-700 hover:bg-slate-50 disabled:opacity-60">
              Cancel
            </button>
          )}
        </div>
        {server.rest && <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{server.rest}</p>}
        {cancel.error && <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{errorText(cancel.error)}</p>}
      </form>

      <div className="min-w-0 space-y-6">
        <section aria-label="Verbalization" aria-busy={running && !verbalization} className={`${card} min-w-0`}>
          <div className="mb-4 flex flex-wrap items-baseline justify-between gap-2">
            <h2 className="font-medium">{data?.targetKpi ? `What a ${data.targetKpi}-KPI image should show` : "BoigLLM verbalization"}</h2>
            {data && (
              <span className="text-xs text-slate-500" data-testid="result-request">
                {data.brand ?? "stock"} · {data.postDate.slice(0, 10)} · target KPI {data.targetKpi}
              </span>
            )}
          </div>
          {generationId && generation.error ? (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{errorText(generation.error)}</p>
          ) : verbalization && data ? (
            <VerbalizationView
              verbalization={verbalization.verbalization}
              canonical={verbalization.canonical}
              preview={verbalization.preview}
              previewAlt={`BoigLLM layout preview: ${verbalization.canonical}`}
              model={data.models.boigllm ?? { name: "boigllm", version: "?" }}
              truncated={verbalization.truncated}
            />
          ) : (
            <div className="flex h-48 items-center justify-center rounded-lg border border-dashed border-slate-300 px-6 text-center text-sm text-slate-500">
              {generationId
                ? "BoigLLM is writing the verbalization…"
                : "Pick a brand, a date, a prompt and the KPI you want, then Generate: BoigLLM describes the colors, tones and layout its training data ties to that KPI, and BoigSD paints variants, each scored."}
            </div>
          )}
        </section>

        {data && (
          <section aria-label="Variants" aria-busy={running} className={`${card} @container min-w-0`}>
            <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
              <h2 className="font-medium">Variants</h2>
              <div className="flex items-center gap-3 text-sm">
                <span role="status" className="text-slate-500" data-testid="generation-status">
                  {data.status === "succeeded"
                    ? `${data.images.length} of ${data.variants} scored`
                    : data.status === "failed"
                      ? "Failed"
                      : data.status === "cancelled"
                        ? "Cancelled"
                        : data.progress?.message || (data.status === "queued" ? "Queued" : "Working…")}
                </span>
                <Link href="/compare" className={`rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-50 ${tray.ids.length === 0 ? "pointer-events-none opacity-50" : ""}`}
                  aria-disabled={tray.ids.length === 0}>
                  Compare selected ({tray.ids.length})
                </Link>
                {data.images.length > 1 && selectedHere < data.images.length && (
                  <button type="button" onClick={() => tray.set([...tray.ids, ...data.images.map((i) => i.id)].slice(-10))}
                    className="text-brand-700 underline-offset-2 hover:underline">
                    Select all
                  </button>
                )}
              </div>
            </div>
            {running && data.progress && (
              <div className="mb-4 h-1.5 overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-label="Generation progress"
                aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(data.progress.fraction * 100)}>
                <div className="h-full bg-brand-600 transition-[width] duration-500" style={{ width: `${Math.max(2, data.progress.fraction * 100)}%` }} />
              </div>
            )}
            {data.error && data.status !== "succeeded" && (
              <p role="alert" className="mb-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{data.error}</p>
            )}
            <div className="grid grid-cols-2 gap-4 @xl:grid-cols-3 @3xl:grid-cols-4">
              {Array.from({ length: data.variants }, (_, position) => {
                const image = data.images.find((i) => i.position === position);
                if (image) return <ScoredImageCard key={image.id} image={image} title={`Variant ${position + 1}`} kpiName={kpiName} />;
                const current = running && position === data.images.length;
                return (
                  <div key={position} data-testid="variant-placeholder" aria-label={`Variant ${position + 1}: ${current ? "in progress" : running ? "waiting" : "not generated"}`}
                    className="flex min-w-0 flex-col rounded-lg border border-dashed border-slate-300 p-3">
                    <div className={`flex aspect-square w-full items-center justify-center rounded-md bg-slate-50 text-xs text-slate-400 ${current ? "animate-pulse" : ""}`}>
                      {current ? "Generating…" : running ? "Waiting" : "—"}
                    </div>
                    <div className="mt-2 text-sm font-medium text-slate-500">Variant {position + 1}</div>
                    <div className="mt-1 h-14" />
                  </div>
                );
              })}
            </div>
            <p className="mt-4 text-xs text-slate-500">
              Percentile: where the image's predicted KPI (calibrated BoigLLM reward) ranks among {data.brand ?? "the stock library"}'s own imported posts.
              {data.models.boigsd && ` Images by ${data.models.boigsd.name} ${data.models.boigsd.version}.`}
            </p>
          </section>
        )}
      </div>
    </div>
  );
}
