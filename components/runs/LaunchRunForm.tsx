"use client";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useTRPC } from "../trpc";
import { splitFieldErrors } from "../fieldErrors";
import { buttonClass, inputClass, labelClass } from "../PromptFields";
import { refreshQueries } from "../refreshQueries";

/** The runs an admin can launch, in the words of the paper's pipeline (task + fixed options). */
const RUN_KINDS = [
  { value: "llm-behavior", label: "BoigLLM behavior fine-tuning", task: "llm", variant: "behavior", data: "instructions" },
  { value: "llm-reward", label: "BoigLLM reward model (scores images)", task: "llm", variant: "behavior", servesAs: "reward", data: "instructions" },
  { value: "llm-nokpi", label: "No-behavior baseline (BoigLLM without KPI)", task: "llm", variant: "nokpi", data: "instructions" },
  { value: "detector", label: "Scene detector (verbalizer)", task: "detector", data: "world" },
  { value: "detector-eval", label: "Evaluation detector (true KPI)", task: "detector", arch: "dilated", data: "world" },
  { value: "sd-base", label: "Base diffusion (BoigSD base)", task: "sd-base", data: "world" },
  { value: "sd-sft", label: "SFT baseline (high-KPI fine-tune)", task: "sd-sft", data: "world" },
  { value: "ddpo", label: "DDPO alignment (BoigSD)", task: "ddpo", data: "world" },
  { value: "clip", label: "Image–text model (agreement metric)", task: "clip", data: "world" },
  { value: "tiny", label: "Tiny demo run (trainer smoke test)", task: "tiny", data: null },
] as const;
type RunKind = (typeof RUN_KINDS)[number];

/** Form fields → trainer settings (`--set`), by task (server/services/launchTrainerRun.ts TRAINER_SETTINGS). */
const NUMBER_SETTINGS: Record<string, { key: string; label: string; step: string; hint: string }[]> = {
  common: [{ key: "learning_rate", label: "Learning rate", step: "any", hint: "preset default when empty" }, { key: "batch_size", label: "Batch size", step: "1", hint: "" }],
  llmBehavior: [
    { key: "learning_rate", label: "Learning rate", step: "any", hint: "preset default when empty" },
    { key: "batch_size", label: "Batch size", step: "1", hint: "" },
    { key: "kpi_contrast_weight", label: "KPI-contrast weight", step: "any", hint: "teaches the reward high vs low (docs/boigllm.md); empty = off" },
    { key: "kpi_pair_weight", label: "Pair-ranking weight", step: "any", hint: "teaches the reward to order one prompt's images (docs/boigllm.md); empty = off" },
  ],
  sd: [{ key: "unet_learning_rate", label: "UNet learning rate", step: "any", hint: "" }, { key: "unet_batch_size", label: "UNet batch size", step: "1", hint: "" }],
  ddpo: [
    { key: "learning_rate", label: "Learning rate", step: "any", hint: "full fine-tune (LoRA rank 0)" },
    { key: "lora_learning_rate", label: "LoRA learning rate", step: "any", hint: "the adapters' rate when LoRA rank > 0" },
    { key: "sample_batch_size", label: "Images per sampling batch", step: "1", hint: "" },
    { key: "batches_per_epoch", label: "Sampling batches per epoch", step: "1", hint: "samples/epoch = images × batches" },
    { key: "ddim_steps", label: "DDIM steps", step: "1", hint: "" },
    { key: "clip_range", label: "PPO clip range", step: "any", hint: "" },
    { key: "train_batch_size", label: "Train batch size", step: "1", hint: "" },
    { key: "anchor_weight", label: "Anchor weight", step: "any", hint: "denoising loss on real high-KPI images in each PPO step: keeps samples real (docs/boigsd.md); empty = off" },
  ],
};
const settingsFor = (kind: RunKind) =>
  kind.task === "ddpo" ? NUMBER_SETTINGS.ddpo!
  : kind.task.startsWith("sd-") ? NUMBER_SETTINGS.sd!
  : kind.value === "llm-behavior" || kind.value === "llm-reward" ? NUMBER_SETTINGS.llmBehavior!
  : NUMBER_SETTINGS.common!;

export function LaunchRunForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const sources = useQuery(trpc.admin.runs.sources.queryOptions());
  const [kindValue, setKindValue] = useState<RunKind["value"]>("ddpo");
  const kind = RUN_KINDS.find((k) => k.value === kindValue)!;
  const [preset, setPreset] = useState<"tiny" | "default">("tiny");
  const [data, setData] = useState("");
  const [steps, setSteps] = useState("");
  const [seed, setSeed] = useState("0");
  const [device, setDevice] = useState<"cpu" | "cuda">("cpu");
  const [numbers, setNumbers] = useState<Record<string, string>>({});
  const [init, setInit] = useState("");
  const [rewardVariant, setRewardVariant] = useState<"calibrated" | "paper">("calibrated");
  const [promptSet, setPromptSet] = useState<"all" | "social" | "stock">("all");
  // null = the preset's choice (ddpo_config.py: the default preset trains LoRA rank 4, tiny the whole UNet).
  const [loraChoice, setLora] = useState<boolean | null>(null);
  const lora = loraChoice ?? preset === "default";
  const [loraRank, setLoraRank] = useState("4");
  const launch = useMutation(
    trpc.admin.jobs.launchTrainerRun.mutationOptions({
      onSuccess: async (job) => {
        await refreshQueries(queryClient, trpc.admin.runs.list.queryKey());
        router.push(`/admin/runs/${job.id}`);
      },
    }),
  );
  const errors = splitFieldErrors(launch.error, (p) => p);
  const choices = (sources.data ?? []).filter((s) => s.kind === kind.data);
  const chosenData = data || choices[0]?.dir || "";

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const settings: Record<string, number | string> = {};
    for (const field of settingsFor(kind)) if (numbers[field.key]?.trim()) settings[field.key] = Number(numbers[field.key]);
    if (kind.task === "ddpo" && promptSet !== "all") settings.prompt_set = promptSet;
    launch.mutate({
      task: kind.task,
      preset,
      seed: Number(seed) || 0,
      device,
      ...(steps.trim() ? { steps: Number(steps) } : {}),
      ...(kind.data ? { data: chosenData } : {}),
      ...("variant" in kind ? { variant: kind.variant } : {}),
      ...("servesAs" in kind ? { servesAs: kind.servesAs } : {}),
      ...("arch" in kind ? { arch: kind.arch } : {}),
      ...((kind.task === "sd-sft" || kind.task === "ddpo") && init.trim() ? { init: init.trim() } : {}),
      ...(kind.task === "ddpo" ? { rewardVariant, loraRank: lora ? Number(loraRank) : 0 } : {}),
      settings,
    });
  }

  const field = (id: string, label: string, control: React.ReactNode, error?: string, hint?: string) => (
    <div>
      <label htmlFor={id} className={labelClass}>{label}</label>
      {control}
      {hint && <p className="mt-1 text-xs text-slate-500">{hint}</p>}
      {error && <p className="mt-1 text-xs text-red-700" role="alert">{label} {error}</p>}
    </div>
  );
  return (
    <form onSubmit={onSubmit} aria-label="Launch a run" className="space-y-4 rounded-xl border border-slate-200 bg-white p-5">
      <h2 className="font-medium">Launch a run</h2>
      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
        {field("run-kind", "Run", (
          <select id="run-kind" value={kindValue} onChange={(e) => {
            const next = e.target.value as RunKind["value"];
            setKindValue(next);
            setData("");
            // A reward model needs the KPI-contrast term; 1 is what the committed one was trained with.
            setNumbers(next === "llm-reward" ? { kpi_contrast_weight: "1" } : {});
          }} className={inputClass}>
            {RUN_KINDS.map((k) => <option key={k.value} value={k.value}>{k.label}</option>)}
          </select>
        ))}
        {field("run-preset", "Preset", (
          <select id="run-preset" value={preset} onChange={(e) => setPreset(e.target.value as "tiny" | "default")} className={inputClass}>
            <option value="tiny">tiny (seconds to minutes)</option>
            <option value="default">default (the committed models' size)</option>
          </select>
        ), errors.fields.preset)}
        {kind.data && field("run-data", kind.data === "world" ? "World data" : "Instruction data", (
          <>
            <input id="run-data" list="run-data-choices" value={chosenData} onChange={(e) => setData(e.target.value)} className={inputClass}
              placeholder={kind.data === "world" ? "a `boig world` folder" : "a `boig instructions` folder"} />
            <datalist id="run-data-choices">{choices.map((c) => <option key={c.dir} value={c.dir}>{c.label}</option>)}</datalist>
          </>
        ), errors.fields.data, choices.length ? `${choices.length} found on the server` : sources.isLoading ? "looking for data…" : "none found: import a world on the Data page")}
        {field("run-steps", kind.task === "ddpo" ? "Epochs" : "Steps", (
          <input id="run-steps" type="number" min={1} step={1} value={steps} onChange={(e) => setSteps(e.target.value)} placeholder="preset default" className={inputClass} />
        ), errors.fields.steps)}
        {field("run-seed", "Seed", <input id="run-seed" type="number" min={0} step={1} value={seed} onChange={(e) => setSeed(e.target.value)} className={inputClass} />, errors.fields.seed)}
        {field("run-device", "Device", (
          <select id="run-device" value={device} onChange={(e) => setDevice(e.target.value as "cpu" | "cuda")} className={inputClass}>
            <option value="cpu">CPU</option>
            <option value="cuda">CUDA GPU</option>
          </select>
        ), errors.fields.device, "CUDA needs a GPU on the worker's machine")}
        {settingsFor(kind).map((s) =>
          field(`run-${s.key}`, s.label, (
            <input id={`run-${s.key}`} type="number" min={0} step={s.step} value={numbers[s.key] ?? ""} placeholder="preset default"
              onChange={(e) => setNumbers((n) => ({ ...n, [s.key]: e.target.value }))} className={inputClass} />
          ), errors.fields[`settings.${s.key}`], s.hint || undefined),
        )}
        {(kind.task === "sd-sft" || kind.task === "ddpo") && field("run-init", "Start from (BoigSD folder)", (
          <input id="run-init" value={init} onChange={(e) => setInit(e.target.value)} placeholder={kind.task === "ddpo" ? "models/artifacts/boigsd-sft" : "models/artifacts/boigsd-base"} className={inputClass} />
        ), errors.fields.init)}
        {kind.task === "ddpo" && (
          <>
            {field("run-reward", "Reward variant", (
              <select id="run-reward" value={rewardVariant} onChange={(e) => setRewardVariant(e.target.value as "calibrated" | "paper")} className={inputClass}>
                <option value="calibrated">calibrated (log-odds high vs low)</option>
                <option value="paper">paper (sum of token probabilities)</option>
              </select>
            ), errors.fields.rewardVariant)}
            {field("run-prompts", "Prompt set", (
              <select id="run-prompts" value={promptSet} onChange={(e) => setPromptSet(e.target.value as "all" | "social" | "stock")} className={inputClass}>
                <option value="all">all training prompts</option>
                <option value="social">social posts only</option>
                <option value="stock">stock assets only</option>
              </select>
            ), errors.fields["settings.prompt_set"])}
            <div>
              <span className={labelClass}>LoRA</span>
              <div className="mt-2 flex items-center gap-3">
                <label className="flex items-center gap-2 text-sm"><input type="checkbox" checked={lora} onChange={(e) => setLora(e.target.checked)} /> LoRA adapters</label>
                <input aria-label="LoRA rank" type="number" min={1} max={64} value={loraRank} disabled={!lora} onChange={(e) => setLoraRank(e.target.value)} className={`${inputClass} !mt-0 w-20`} />
              </div>
              {errors.fields.loraRank && <p className="mt-1 text-xs text-red-700" role="alert">LoRA rank {errors.fields.loraRank}</p>}
            </div>
          </>
        )}
      </div>
      <div className="flex items-center gap-3">
        <button type="submit" className={buttonClass} disabled={launch.isPending || (!!kind.data && !chosenData)}>
          {launch.isPending ? "Launching…" : "Launch run"}
        </button>
        {errors.rest && <p role="alert" className="text-sm text-red-700">{errors.rest}</p>}
      </div>
    </form>
  );
}
