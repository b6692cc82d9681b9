"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "../trpc";
import { splitFieldErrors } from "../fieldErrors";
import { buttonClass, inputClass, labelClass } from "../PromptFields";
import { ModelSelect, modelChoice, type ModelOption } from "./ModelSelect";
import { refreshQueries } from "../refreshQueries";

/** Table 1 decodings the launch accepts (server/jobs/handlers/evalRun.ts TABLE1_DECODINGS). */
type Table1Decoding = "greedy" | "mbr" | "mbr-sections";

type Table = "llm" | "sd";
/** The model rows per table: registry role offered, and what the server uses when left at default. */
const SLOTS = {
  llm: [
    { key: "boigllm", label: "BoigLLM", role: "boigllm", defaultLabel: "Served BoigLLM (active version or built-in)" },
    { key: "nokpi", label: "No-KPI baseline", role: null, defaultLabel: "Committed: models/artifacts/boigllm-nokpi" },
  ],
  sd: [
    { key: "base", label: "Base", role: "boigsd", defaultLabel: "Committed: models/artifacts/boigsd-base" },
    { key: "sft", label: "SFT", role: "boigsd", defaultLabel: "Committed: models/artifacts/boigsd-sft" },
    { key: "boigsd", label: "BoigSD", role: "boigsd", defaultLabel: "Served BoigSD (active version or built-in)" },
  ],
} as const;
const when = (d: Date | string | null) => (d ? new Date(d).toLocaleDateString() : "");

/** "Run an evaluation": Table 1 or 2 for chosen model versions, queued as an eval.run job. */
export function LaunchEvalForm({ onLaunched }: { onLaunched: (id: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const models = useQuery(trpc.admin.models.list.queryOptions());
  const runs = useQuery(trpc.admin.runs.list.queryOptions({ limit: 50 }));
  const [table, setTable] = useState<Table>("llm");
  const [choices, setChoices] = useState<Record<string, { value: string; folder: string }>>({});
  const [limit, setLimit] = useState("1000");
  const [decoding, setDecoding] = useState<Table1Decoding>("greedy");
  const [prompts, setPrompts] = useState("4");
  const [samples, setSamples] = useState("2");
  const [data, setData] = useState("");
  const [world, setWorld] = useState("");
  const launch = useMutation(
    trpc.admin.evals.launch.mutationOptions({
      onSuccess: async (job) => {
        await refreshQueries(queryClient, trpc.admin.evals.list.queryKey());
        onLaunched(job.id);
      },
    }),
  );
  const errors = splitFieldErrors(launch.error, (p) => p);

  const optionsFor = (role: "boigllm" | "boigsd" | null): ModelOption[] => {
    if (role) return (models.data?.versions ?? []).filter((v) => v.role === role).map((v) => ({ value: v.id, label: `${v.name} ${v.version}${v.active ? " · active" : ""}` }));
    // The no-KPI baseline is no registry role: offer the artifacts of finished no-KPI runs.
    return (runs.data ?? [])
      .filter((r) => r.status === "succeeded" && r.task === "llm" && r.payload.variant === "nokpi" && r.result?.artifact?.dir)
      .map((r) => ({ value: r.result!.artifact!.dir, label: `No-KPI run ${r.id.slice(0, 8)} (${when(r.finishedAt)})` }));
  };
  const chosen = (key: string) => modelChoice(choices[key]?.value ?? "", choices[key]?.folder ?? "");
  const number = (s: string) => (s.trim() === "" ? undefined : Number(s));

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const own = { ...(data.trim() ? { data: data.trim() } : {}) };
    if (table === "llm") launch.mutate({ table, models: { boigllm: chosen("boigllm"), nokpi: chosen("nokpi") }, size: { limit: number(limit) }, decoding, ...own });
    else
      launch.mutate({
        table, models: { base: chosen("base"), sft: chosen("sft"), boigsd: chosen("boigsd") },
        size: { prompts: number(prompts), samples: number(samples) }, ...own, ...(world.trim() ? { world: world.trim() } : {}),
      });
  }

  const sizeField = (id: string, label: string, value: string, set: (v: string) => void, error: string | undefined, hint: string) => (
    <div>
      <label htmlFor={id} className={labelClass}>{label}</label>
      <input id={id} type="number" min={1} step={1} value={value} onChange={(e) => set(e.target.value)} className={inputClass} aria-invalid={!!error} />
      <p className="mt-1 text-xs text-slate-500">{hint}</p>
      {error && <p className="mt-1 text-xs text-red-700" role="alert">{label} {error}</p>}
    </div>
  );
  return (
    <form onSubmit={onSubmit} aria-label="Run an evaluation" className="space-y-4 rounded-xl border border-slate-200 bg-white p-5">
      <h2 className="font-medium">Run an evaluation</h2>
      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
        <div>
          <label htmlFor="eval-table" className={labelClass}>Table</label>
          <select id="eval-table" value={table} onChange={(e) => { setTable(e.target.value as Table); launch.reset(); }} className={inputClass}>
            <option value="llm">Table 1 (BoigLLM)</option>
            <option value="sd">Table 2 (BoigSD)</option>
          </select>
          {errors.fields.table && <p className="mt-1 text-xs text-red-700" role="alert">Table {errors.fields.table}</p>}
        </div>
        {SLOTS[table].map((slot) => (
          <ModelSelect key={slot.key} id={`eval-model-${slot.key}`} label={slot.label} defaultLabel={slot.defaultLabel} options={optionsFor(slot.role)}
            value={choices[slot.key]?.value ?? ""} folder={choices[slot.key]?.folder ?? ""} error={errors.fields[`models.${slot.key}`]}
            onChange={(value, folder) => setChoices((c) => ({ ...c, [slot.key]: { value, folder } }))} />
        ))}
        {table === "llm"
          ? (
            <>
              {sizeField("eval-limit", "Test images per dataset and bucket", limit, setLimit, errors.fields["size.limit"], "1000 = the whole test split (the demo world's 900 images: ~40 s greedy on 2 cores)")}
              <div>
                <label htmlFor="eval-decoding" className={labelClass}>Decoding</label>
                <select id="eval-decoding" value={decoding} onChange={(e) => setDecoding(e.target.value as Table1Decoding)} className={inputClass}>
                  <option value="greedy">Greedy</option>
                  <option value="mbr">Minimum Bayes risk (16 samples)</option>
                  <option value="mbr-sections">Minimum Bayes risk by section (16 samples)</option>
                </select>
                <p className="mt-1 text-xs text-slate-500">For BoigLLM and the no-KPI row alike; MBR takes ~8× as long; by section, colors, tones and objects are chosen separately (docs/results.md).</p>
                {errors.fields.decoding && <p className="mt-1 text-xs text-red-700" role="alert">Decoding {errors.fields.decoding}</p>}
              </div>
            </>
          )
          : (
            <>
              {sizeField("eval-prompts", "Prompts per bucket", prompts, setPrompts, errors.fields["size.prompts"], "test posts per dataset and KPI bucket")}
              {sizeField("eval-samples", "Samples per prompt", samples, setSamples, errors.fields["size.samples"], "images per prompt and model")}
            </>
          )}
        <div>
          <label htmlFor="eval-data" className={labelClass}>Instruction data</label>
          <input id="eval-data" value={data} onChange={(e) => setData(e.target.value)} placeholder="the demo world's" className={inputClass} aria-invalid={!!errors.fields.data} />
          <p className="mt-1 text-xs text-slate-500">Empty: the demo world&apos;s instructions, built once (several minutes the first time).</p>
          {errors.fields.data && <p className="mt-1 text-xs text-red-700" role="alert">Instruction data {errors.fields.data}</p>}
        </div>
        {table === "sd" && (
          <div>
            <label htmlFor="eval-world" className={labelClass}>World folder</label>
            <input id="eval-world" value={world} onChange={(e) => setWorld(e.target.value)} placeholder="the demo world" className={inputClass} aria-invalid={!!errors.fields.world} />
            <p className="mt-1 text-xs text-slate-500">The `boig world` folder the instruction data was built from.</p>
            {errors.fields.world && <p className="mt-1 text-xs text-red-700" role="alert">World folder {errors.fields.world}</p>}
          </div>
        )}
      </div>
      <div className="flex items-center gap-3">
        <button type="submit" className={buttonClass} disabled={launch.isPending}>{launch.isPending ? "Starting…" : "Run evaluation"}</button>
        {models.error && <p className="text-xs text-slate-500">Model versions could not be loaded; the defaults still work.</p>}
        {errors.rest && <p role="alert" className="text-sm text-red-700">{errors.rest}</p>}
      </div>
    </form>
  );
}
