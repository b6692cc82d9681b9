"use client";
import { useEffect, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "./trpc";
import { splitFieldErrors, type FieldErrors } from "./fieldErrors";
import {
  FieldError, PromptFields, buttonClass, checkPromptDraft, describedBy, focusFirstError, inputClass, labelClass,
  promptFieldOf, promptInput, usePromptDraft,
} from "./PromptFields";
import { VerbalizationView } from "./VerbalizationView";
import { RewardBreakdown, signed, type Contribution } from "./charts/RewardBreakdown";
import { PercentileBadge, ordinal } from "./ScoredImageCard";
import { useCompareTray } from "./compareTray";
import Link from "next/link";

/** The server's limit (server/verbalize/decodeImage.ts DEFAULT_MAX_IMAGE_BYTES), checked before uploading. */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const IMAGE_TYPES = ["image/png", "image/jpeg"];
const DETECTORS = [
  { value: "auto", label: "Auto" },
  { value: "scene", label: "Scene renders" },
  { value: "coco", label: "Photos (COCO)" },
  { value: "none", label: "None" },
] as const;
type Detector = (typeof DETECTORS)[number]["value"];

const ID = "score";
const FIELD_ORDER = ["image", "brand", "date", "prompt", "keywords", "detector"];
const card = "rounded-xl border border-slate-200 bg-white p-5";
type Picked = { name: string; size: number; dataUrl: string };

const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
const fileSize = (bytes: number) => (bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : megabytes(bytes));

/** The client-side checks of an upload: PNG or JPEG, at most 10 MB. Null when fine. */
export function checkImageFile(file: { name: string; type: string; size: number }): string | null {
  const typeOk = IMAGE_TYPES.includes(file.type) || (!file.type && /\.(png|jpe?g)$/i.test(file.name));
  if (!typeOk) return `${file.name} is not a PNG or JPEG image`;
  if (file.size > MAX_IMAGE_BYTES) return `${file.name} is ${megabytes(file.size)}: images up to ${MAX_IMAGE_BYTES / (1024 * 1024)} MB can be scored`;
  if (file.size === 0) return `${file.name} is empty`;
  return null;
}

function readDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error("The file could not be read"));
    reader.readAsDataURL(file);
  });
}

/**
 * Score (SPEC §1, issue 6): a marketer's own image for a prompt → its verbalization, the BoigLLM
 * reward (calibrated P(high KPI) and the paper's sum of token probabilities, each also as a
 * percentile among the brand's posts) and what each color, tone and object does to it. Saved to
 * History (studio.scoreUpload), so it can join a comparison.
 */
export function ScoreWorkspace() {
  const trpc = useTRPC();
  const [draft, setDraft] = usePromptDraft();
  const [detector, setDetector] = useState<Detector>("auto");
  const [picked, setPicked] = useState<Picked | null>(null);
  const [clientErrors, setClientErrors] = useState<FieldErrors>({});
  const score = useMutation(trpc.studio.scoreUpload.mutationOptions());
  const [shown, setShown] = useState<{ result: NonNullable<typeof score.data>; image: Picked; request: string } | null>(null);
  const tray = useCompareTray();
  const scored = shown?.result.images[0];
  type Verbalized = Parameters<typeof VerbalizationView>[0]["verbalization"];
  const detectorInfo = scored?.detector as { choice: string; model: { name: string; version: string } | null } | undefined;

  const server = splitFieldErrors(score.error, (path) => {
    const top = path.split(".")[0]!;
    if (top === "imageBase64" || top === "image") return "image";
    if (top === "detector") return "detector";
    return promptFieldOf(path);
  });
  const errors: FieldErrors = { ...server.fields, ...clientErrors };
  useEffect(() => {
    if (score.error) focusFirstError(ID, FIELD_ORDER, server.fields);
    // Only when a new error arrives.
  }, [score.error]);

  async function onFile(event: React.ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    score.reset();
    setPicked(null);
    if (!file) return;
    const problem = checkImageFile(file);
    setClientErrors((e) => ({ ...e, image: problem ?? undefined }));
    if (problem) return;
    try {
      setPicked({ name: file.name, size: file.size, dataUrl: await readDataUrl(file) });
    } catch (error) {
      setClientErrors((e) => ({ ...e, image: `${file.name} could not be read: ${(error as Error).message}` }));
    }
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    score.reset();
    const problems = checkPromptDraft(draft);
    if (!picked) problems.image = clientErrors.image ?? "Choose a PNG or JPEG file to score";
    setClientErrors(problems);
    if (Object.keys(problems).length > 0 || !picked) {
      focusFirstError(ID, FIELD_ORDER, problems);
      return;
    }
    const fields = promptInput(draft);
    try {
      const result = await score.mutateAsync({ ...fields, imageBase64: picked.dataUrl, detector, fileName: picked.name });
      setShown({ result, image: picked, request: `${fields.brand ?? "stock"} · ${fields.date}` });
    } catch {
      /* shown from score.error */
    }
  }

  const imageHint = `${ID}-image-hint`;
  return (
    <div className="grid items-start gap-6 lg:grid-cols-[minmax(18rem,22rem)_minmax(0,1fr)]">
      <form onSubmit={onSubmit} noValidate aria-label="Score" className={`${card} space-y-4`}>
        <div>
          <label htmlFor={`${ID}-image`} className={labelClass}>Upload image</label>
          <input {...describedBy(`${ID}-image`, errors.image, imageHint)} type="file" accept="image/png,image/jpeg" disabled={score.isPending}
            onChange={onFile}
            className="mt-1 block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-brand-50 file:px-3 file:py-2 file:text-sm file:font-medium file:text-brand-700 hover:file:bg-brand-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-500" />
          <p id={imageHint} className="mt-1 text-xs text-slate-500">PNG or JPEG, up to 10 MB.</p>
          <FieldError id={`${ID}-image-error`} label="Upload image" message={errors.image} />
          <div className="mt-2 flex h-24 items-center gap-3">
            {picked ? (
              <>
                {/* The picked file, read locally: nothing is uploaded before Score. */}
                <img src={picked.dataUrl} alt={`Selected: ${picked.name}`} className="h-24 w-24 rounded-md border border-slate-200 bg-slate-50 object-contain [image-rendering:pixelated]" />
                <span className="min-w-0 break-words text-xs text-slate-500">{picked.name}<br />{fileSize(picked.size)}</span>
              </>
            ) : (
              <span className="flex h-24 w-24 items-center justify-center rounded-md border border-dashed border-slate-300 text-xs text-slate-400">no image</span>
            )}
          </div>
        </div>
        <PromptFields idPrefix={ID} draft={draft} onChange={setDraft} errors={errors} disabled={score.isPending} />
        <div>
          <label htmlFor={`${ID}-detector`} className={labelClass}>Detector</label>
          <select {...describedBy(`${ID}-detector`, errors.detector, `${ID}-detector-hint`)} value={detector} disabled={score.isPending}
            onChange={(e) => setDetector(e.target.value as Detector)} className={inputClass}>
            {DETECTORS.map((d) => <option key={d.value} value={d.value}>{d.label}</option>)}
          </select>
          <p id={`${ID}-detector-hint`} className="mt-1 text-xs text-slate-500">Finds the objects. Auto: scene detector for small square renders, COCO for photos.</p>
          <FieldError id={`${ID}-detector-error`} label="Detector" message={errors.detector} />
        </div>
        <div className="flex items-center gap-3 pt-1">
          <button type="submit" className={buttonClass} disabled={score.isPending || draft.brand === null}>
            {score.isPending ? "Scoring…" : "Score"}
          </button>
          {score.isPending && <span role="status" className="text-sm text-slate-500">Verbalizing and scoring…</span>}
        </div>
        {server.rest && <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">{server.rest}</p>}
      </form>

      <section aria-label="Score result" aria-busy={score.isPending} className={`${card} @container min-h-[28rem] min-w-0`}>
        {shown && scored ? (
          <div className={`space-y-6 transition-opacity ${score.isPending ? "opacity-50" : ""}`}>
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <h2 className="font-medium">Predicted KPI of {shown.image.name}</h2>
              <span className="text-xs text-slate-500">{shown.request}</span>
            </div>
            <div className="grid gap-5 @xl:grid-cols-[minmax(0,16rem)_minmax(0,1fr)]">
              <ImageWithBoxes src={shown.image.dataUrl} name={shown.image.name} objects={(scored.verbalization as Verbalized).objects} />
              <Rewards image={scored} brand={shown.result.brand} />
            </div>
            <div className="flex flex-wrap items-center gap-4 text-sm">
              <label className="flex items-center gap-2">
                <input type="checkbox" checked={tray.ids.includes(scored.id)} disabled={!tray.ids.includes(scored.id) && tray.full}
                  onChange={() => tray.toggle(scored.id)} className="h-4 w-4 rounded border-slate-300" />
                Add to comparison
              </label>
              <Link href="/compare" className="text-brand-700 hover:underline">Compare selected ({tray.ids.length})</Link>
              <span className="text-xs text-slate-500">Saved to History.</span>
            </div>
            <section aria-labelledby="breakdown-title">
              <h3 id="breakdown-title" className="font-medium">What moves the score</h3>
              <p className="mb-2 text-sm text-slate-500">
                Each color, tone and object: the score with it minus the score without it. <span className="text-green-700">Green raises</span> the chance of a high KPI, <span className="text-red-700">red lowers</span> it.
              </p>
              {(scored.breakdown as Contribution[]).length > 0 ? (
                <div data-testid="reward-breakdown">
                  <RewardBreakdown breakdown={scored.breakdown as Contribution[]} />
                </div>
              ) : (
                <p className="text-sm text-slate-500">The verbalization has no attributes to weigh.</p>
              )}
            </section>
            <section aria-labelledby="seen-title">
              <h3 id="seen-title" className="mb-3 font-medium">What BoigLLM read in the image</h3>
              <VerbalizationView verbalization={scored.verbalization as Verbalized} canonical={scored.canonical} model={shown.result.models.boigllm ?? { name: "boigllm", version: "?" }} />
              <p className="mt-2 text-xs text-slate-500">
                Objects by the {detectorInfo?.choice} detector{detectorInfo?.model ? ` (${detectorInfo.model.name} ${detectorInfo.model.version})` : ""}.
              </p>
              {scored.notes.length > 0 && (
                <ul className="mt-2 list-disc space-y-1 pl-5 text-xs text-amber-800" aria-label="Notes">
                  {scored.notes.map((n) => <li key={n}>{n}</li>)}
                </ul>
              )}
            </section>
          </div>
        ) : (
          <div className="flex h-80 items-center justify-center rounded-lg border border-dashed border-slate-300 px-6 text-center text-sm text-slate-500">
            {score.isPending ? "Scoring…" : "Upload a PNG or JPEG, say which post it is for, then Score: BoigLLM predicts how likely it is to reach a high KPI and why."}
          </div>
        )}
      </section>
    </div>
  );
}

type ScoredValues = { rewardPaper: number; rewardCalibrated: number; probabilityHigh: number; percentilePaper: number | null; percentileCalibrated: number | null; trueKpi: number | null };

function Rewards({ image, brand }: { image: ScoredValues; brand: string | null }) {
  const pct = image.probabilityHigh * 100;
  const among = brand ?? "the stock library";
  return (
    <div className="min-w-0 space-y-4">
      <div className="rounded-lg border border-slate-200 p-4" data-testid="reward-calibrated">
        <div className="text-sm font-medium text-slate-600">P(high KPI)</div>
        <div className="mt-1 text-3xl font-semibold tabular-nums">{pct.toFixed(1)}%</div>
        <div className="mt-2 h-2 overflow-hidden rounded-full bg-slate-100" role="meter" aria-label="P(high KPI)"
          aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
          <div className={`h-full ${pct >= 50 ? "bg-green-600" : "bg-amber-500"}`} style={{ width: `${pct}%` }} />
        </div>
        <p className="mt-2 text-xs text-slate-500">
          Calibrated reward: log-odds of high vs low KPI <span className="font-mono text-slate-700">{signed(image.rewardCalibrated, 2)}</span>
          {image.percentileCalibrated === null ? "" : `, the ${ordinal(image.percentileCalibrated)} percentile of ${among}'s own posts`}.
        </p>
        {image.percentileCalibrated === null && <PercentileBadge value={null} label={`Percentile among ${among}'s posts`} />}
      </div>
      <div className="rounded-lg border border-slate-200 p-4" data-testid="reward-paper">
        <div className="text-sm font-medium text-slate-600">Paper reward</div>
        <div className="mt-1 text-2xl font-semibold tabular-nums">{image.rewardPaper.toFixed(2)}</div>
        <p className="mt-1 text-xs text-slate-500">Sum of the token probabilities of the verbalization given KPI high (the paper's reward).</p>
        <PercentileBadge value={image.percentilePaper} label={`Percentile among ${among}'s posts`} />
      </div>
      {image.trueKpi !== null && (
        <div className="rounded-lg border border-slate-200 p-4 text-sm" data-testid="true-kpi">
          Simulator's true expected KPI: <span className="font-semibold tabular-nums">{Math.round(image.trueKpi).toLocaleString("en-US")}</span>
        </div>
      )}
    </div>
  );
}

function ImageWithBoxes({ src, name, objects }: { src: string; name: string; objects: { label: string; box: { x: number; y: number; w: number; h: number } }[] }) {
  return (
    <figure className="min-w-0">
      <div className="relative w-full max-w-[16rem]">
        <img src={src} alt={name} data-testid="scored-image" className="block h-auto w-full rounded-md border border-slate-200 [image-rendering:pixelated]" />
        {objects.map((o, i) => (
          <div key={i} aria-hidden className="pointer-events-none absolute border-2 border-indigo-500/90"
            style={{ left: `${o.box.x * 100}%`, top: `${o.box.y * 100}%`, width: `${o.box.w * 100}%`, height: `${o.box.h * 100}%` }}>
            <span className="absolute left-0 top-0 bg-indigo-600 px-1 text-[10px] leading-4 text-white">{o.label}</span>
          </div>
        ))}
      </div>
      <figcaption className="mt-1 text-xs text-slate-500">{objects.length ? "Boxes: the objects found." : "No objects found."}</figcaption>
    </figure>
  );
}
