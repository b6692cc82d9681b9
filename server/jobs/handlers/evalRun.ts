/**
 * Job `eval.run` (Admin → Evaluation, issue 7): the paper's Table 1 (`boig eval llm`) or Table 2
 * (`boig eval sd`) for the model folders an admin chose, with the same code and defaults as the
 * CLI. The payload holds resolved folders (launchEvaluation turned registry version ids into
 * dirs), so a later promotion or rollback does not change what a queued job evaluates. The result
 * is the full report (plain JSON), which the Evaluation page renders and compares with the
 * previous run of the same table.
 */
import path from "node:path";
import { z } from "zod";
import { evalLlm, type EvalLlmReport } from "../../eval/evalLlm";
import { evalSd, type SdEvalReport } from "../../eval/evalSd";
import { sdExtraMetrics } from "../../eval/sdExtraMetrics";
import { DEFAULT_MBR } from "../../llm/mbrDecode";
import { ensureDemoInstructionsInChild } from "../demoDataProcess";
import type { JobContext, JobHandler } from "../types";

const modelRef = z.object({
  dir: z.string().min(1),
  /** The registry version the folder is (chosen by id, or a registered folder); null = an unregistered folder. */
  versionId: z.string().uuid().nullable(),
  name: z.string(),
  version: z.string(),
});
export type EvalModelRef = z.infer<typeof modelRef>;

/** Table 1's decodings (server/eval/evalLlm.ts), for BoigLLM and the no-KPI row alike. */
export const TABLE1_DECODINGS = ["greedy", "mbr", "mbr-sections"] as const;

export const evalRunPayload = z.discriminatedUnion("table", [
  z.object({
    table: z.literal("llm"),
    models: z.object({ boigllm: modelRef, nokpi: modelRef }),
    size: z.object({ limit: z.number().int().min(1) }),
    /** Greedy, or minimum Bayes risk over DEFAULT_MBR's samples, whole or by section (jobs queued before this field: greedy). */
    decoding: z.enum(TABLE1_DECODINGS).default("greedy"),
    /** Instruction folder; null = the demo world's (built once under BOIG_DATA_DIR/cache). */
    data: z.string().min(1).nullable(),
  }),
  z.object({
    table: z.literal("sd"),
    models: z.object({ base: modelRef, sft: modelRef, boigsd: modelRef }),
    size: z.object({ prompts: z.number().int().min(1), samples: z.number().int().min(1) }),
    /** Instruction folder and its `boig world` folder, both or neither; null = the demo world's. */
    data: z.string().min(1).nullable(),
    world: z.string().min(1).nullable(),
  }).refine((p) => (p.data === null) === (p.world === null), { message: "data and world go together", path: ["world"] }),
]);
export type EvalRunPayload = z.infer<typeof evalRunPayload>;

/** Share of the progress bar before the evaluation proper (finding or building the data). */
const DATA_SHARE = 0.05;

export const evalRunHandler: JobHandler<EvalRunPayload> = async (ctx) => {
  const payload = evalRunPayload.parse(ctx.payload);
  const note = (message: string) => {
    void ctx.progress(0.01, message).catch(() => {});
    void ctx.log(message).catch(() => {});
  };
  await ctx.progress(0, "Preparing the data");
  const demo = payload.data === null ? await ensureDemoInstructionsInChild({ signal: ctx.signal, onInfo: note }) : null;
  stopIfCancelled(ctx);
  const report = payload.table === "llm" ? await table1(ctx, payload, demo?.data) : await table2(ctx, payload, demo);
  await ctx.progress(1, `Done in ${payload.table === "llm" ? (report as EvalLlmReport).seconds.total : (report as SdEvalReport).seconds} s`);
  return report;
};

type LlmPayload = Extract<EvalRunPayload, { table: "llm" }>;
type SdPayload = Extract<EvalRunPayload, { table: "sd" }>;

async function table1(ctx: JobContext<unknown>, payload: LlmPayload, demoData: string | undefined): Promise<EvalLlmReport> {
  const dataDir = payload.data ?? demoData!;
  await ctx.log(`Table 1 on ${dataDir}: BoigLLM ${payload.models.boigllm.dir}, no-KPI ${payload.models.nokpi.dir}, ${payload.size.limit} test images per dataset and bucket, ${payload.decoding} decoding`);
  return evalLlm({
    dataDir,
    models: { boigllm: payload.models.boigllm.dir, nokpi: payload.models.nokpi.dir },
    limit: payload.size.limit,
    decoding: payload.decoding === "greedy"
      ? { kind: "greedy" }
      : { kind: "mbr", samples: DEFAULT_MBR.samples, temperature: DEFAULT_MBR.temperature, bySection: payload.decoding === "mbr-sections" },
    onProgress: progressReporter(ctx),
  });
}

async function table2(ctx: JobContext<unknown>, payload: SdPayload, demo: { data: string; world: string } | null): Promise<SdEvalReport> {
  const data = payload.data ?? demo!.data;
  const world = payload.world ?? demo!.world;
  await ctx.log(`Table 2 on ${data} (world ${world}): ${payload.size.prompts} prompts per bucket × ${payload.size.samples} samples`);
  // Like the CLI: FID-like and agreement where their models are installed, with a note where not.
  const extraMetrics = await sdExtraMetrics((m) => void ctx.log(m, "warn").catch(() => {}));
  return evalSd({
    data: path.resolve(data),
    world: path.resolve(world),
    models: [
      { label: "base", dir: payload.models.base.dir },
      { label: "SFT", dir: payload.models.sft.dir },
      { label: "BoigSD", dir: payload.models.boigsd.dir },
    ],
    promptsPerBucket: payload.size.prompts,
    samplesPerPrompt: payload.size.samples,
    extraMetrics,
    onProgress: progressReporter(ctx),
  });
}

function stopIfCancelled(ctx: JobContext<unknown>) {
  if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error("cancelled");
}

/**
 * evalLlm / evalSd report progress through a synchronous callback; this one writes it to the job
 * at most every 500 ms (each write is a database round trip, and evalLlm calls back per batch),
 * and it is also where a cancel takes effect: neither evaluation takes a signal, so throwing from
 * the callback is what stops them at their next batch instead of after the whole table.
 */
function progressReporter(ctx: JobContext<unknown>) {
  let last = 0;
  return (fraction: number, message: string) => {
    stopIfCancelled(ctx);
    const now = Date.now();
    if (fraction < 1 && now - last < 500) return;
    last = now;
    void ctx.progress(DATA_SHARE + (1 - DATA_SHARE) * fraction, message).catch(() => {});
  };
}
