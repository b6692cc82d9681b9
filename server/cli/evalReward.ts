import path from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { demoInstructionPaths, ensureDemoInstructions } from "../eval/demoInstructions";
import { evalReward, REWARD_VARIANTS, type RewardEvalReport } from "../eval/evalReward";
import { rewardOnSamples, SAMPLE_RANKERS, type SampleRankingReport } from "../eval/rewardOnSamples";
import type { Interval } from "../eval/pairedBootstrap";
import { badInput } from "../errors";
import { loadServedReward } from "../services/loadServedBoigLlm";
import { parseInput } from "../services/validation";
import { createProgress } from "./progress";

const optionsSchema = z.object({
  data: z.string().min(1).optional(),
  world: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  limit: z.coerce.number().int().positive().optional(),
  batchSize: z.coerce.number().int().positive().max(512).default(32),
  samplesFrom: z.string().min(1).optional(),
  samplePrompts: z.coerce.number().int().positive().max(1000).default(16),
  samplesPerPrompt: z.coerce.number().int().min(3).max(64).default(8),
});

/**
 * `boig eval reward`: which reward variant tracks the true KPI (SPEC §4, §6): AUC on the test
 * buckets, and Spearman with the world's expected KPI when --world is given. Registered under
 * the existing `eval` command (server/cli/eval.ts owns the command itself).
 */
export function registerEvalReward(program: Command) {
  const evalCmd = program.commands.find((c) => c.name() === "eval");
  if (!evalCmd) throw new Error("boig eval must be registered before eval reward");
  evalCmd
    .command("reward")
    .description("does the BoigLLM reward track the KPI? AUC high vs low, Spearman with the world's expected KPI")
    .option("--data <dir>", "instruction folder with test.jsonl (default: the demo world's, built once under the data dir)")
    .option("--world <dir>", "the boig world folder the instructions came from (adds Spearman with the true KPI; default with the demo data: its world)")
    .option("--model <dir>", "BoigLLM artifact folder that scores (default: the served reward model: $BOIG_REWARD_DIR or models/artifacts/boigllm-reward)")
    .option("--limit <n>", "at most this many test images per dataset (taken in turn from each bucket)")
    .option("--batch-size <n>", "rows per onnxruntime batch", "32")
    .option("--samples-from <dir>", "also rank an SD model's own samples of high-KPI test prompts by reward vs true KPI (what DDPO's per-prompt advantages see; needs a world)")
    .option("--sample-prompts <n>", "with --samples-from: high-KPI test prompts per dataset", "16")
    .option("--samples-per-prompt <k>", "with --samples-from: images per prompt (at least 3)", "8")
    .action(async (raw) => {
      const opts = parseInput(optionsSchema, raw);
      const json = program.opts().json as boolean;
      const progress = createProgress({ json, label: "eval reward" });
      try {
        const llm = await loadServedReward(opts.model ? path.resolve(opts.model) : undefined);
        // Without --data: the demo world's instructions (what the committed models trained on) and its world.
        const data = opts.data ? path.resolve(opts.data) : await ensureDemoInstructions((m) => progress.info(m));
        const world = opts.world ? path.resolve(opts.world) : opts.data ? undefined : demoInstructionPaths().world;
        if (opts.samplesFrom && !world) throw badInput("--samples-from needs --world (the true KPI of generated images comes from the world)");
        const report = await evalReward(llm, {
          data,
          world,
          limit: opts.limit,
          batchSize: opts.batchSize,
          onProgress: (f, m) => progress.update(f, m),
        });
        const sdModelDir = opts.samplesFrom ? path.resolve(opts.samplesFrom) : null;
        const samples = sdModelDir
          ? await rewardOnSamples({
              data,
              world: world!,
              sdModelDir,
              boigllmDir: llm.artifactDir,
              prompts: opts.samplePrompts,
              samplesPerPrompt: opts.samplesPerPrompt,
              onProgress: (f, m) => progress.update(f, `samples: ${m}`),
            })
          : undefined;
        progress.stop();
        if (json) progress.result(samples ? { ...report, samples: { sdModel: sdModelDir, reports: samples } } : report);
        else {
          printReport(report);
          if (samples) printSamples(sdModelDir!, samples);
        }
      } finally {
        progress.stop();
      }
    });
}

function printReport(report: RewardEvalReport) {
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const f = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? "-" : x.toFixed(digits)).padStart(9);
  out(`reward evaluation: ${report.model.name} ${report.model.version} on ${report.data}${report.world ? ` (world ${report.world})` : ""}`);
  for (const d of report.datasets) {
    out();
    out(`${d.dataset} (${d.kind}): ${d.images} test images`);
    out(`  ${"".padEnd(32)}${REWARD_VARIANTS.map((v) => v.padStart(11)).join("")}`);
    for (const b of d.buckets) out(`  mean ${`${b.bucket} (${b.images})`.padEnd(27)}${REWARD_VARIANTS.map((v) => `  ${f(b.mean[v], 4)}`).join("")}`);
    const rows: [string, Record<string, number | null> | undefined][] = [
      ["AUC high vs low", d.auc.highVsLow],
      ["AUC high vs medium", d.auc.highVsMedium],
      ["AUC medium vs low", d.auc.mediumVsLow],
    ];
    for (const [label, values] of rows) if (values) out(`  ${label.padEnd(32)}${REWARD_VARIANTS.map((v) => `  ${f(values[v])}`).join("")}`);
    if (d.trueKpi) {
      out(`  ${`Spearman with ${d.trueKpi.name}`.padEnd(32)}${REWARD_VARIANTS.map((v) => `  ${f(d.trueKpi!.spearman[v])}`).join("")}   (${d.trueKpi.matched} matched)`);
      out(`  reference: the expected ${d.trueKpi.name} itself has AUC high vs low ${f(d.trueKpi.aucHighVsLow).trim()}`);
    }
    out(`  tracks the ${d.trueKpi ? "true KPI" : "buckets"} best: ${d.tracksBest ?? "-"}`);
  }
  out();
  out(`${report.seconds} s`);
}

/** "+3..+41%": a paired bootstrap interval of a relative change, whole percents, padded to a column. */
function percentRange(interval: Interval | null): string {
  if (!interval) return "-".padStart(11);
  const pct = (x: number) => `${x >= 0 ? "+" : ""}${Math.round(100 * x)}`;
  return ` ${pct(interval.low)}..${pct(interval.high)}%`.padStart(11);
}

function printSamples(sdModel: string, reports: readonly SampleRankingReport[]) {
  const out = (line = "") => process.stdout.write(`${line}\n`);
  const f = (x: number | null, digits = 3) => (x === null || !Number.isFinite(x) ? "-" : x.toFixed(digits)).padStart(11);
  out();
  out(`generated samples of ${sdModel}, high-KPI test prompts: how each ranker orders them by the true KPI`);
  out(`  (ceiling = the world's expected KPI of the verbalization the reward read: no reward reading it can do better)`);
  out(`  ${"".padEnd(44)}${SAMPLE_RANKERS.map((v) => v.padStart(11)).join("")}`);
  for (const r of reports) {
    out(`  ${`${r.dataset} Spearman within a prompt (${r.prompts})`.padEnd(44)}${SAMPLE_RANKERS.map((v) => f(r.withinPrompt[v])).join("")}`);
    out(`  ${`${r.dataset} Spearman pooled (${r.images} images)`.padEnd(44)}${SAMPLE_RANKERS.map((v) => f(r.pooled[v])).join("")}`);
    out(`  ${`${r.dataset} best-of-${r.images / r.prompts} true KPI (mean ${r.meanTrueKpi.toFixed(1)})`.padEnd(44)}${SAMPLE_RANKERS.map((v) => f(r.bestOfN[v], 1)).join("")}`);
    out(`  ${`${r.dataset} best-of-${r.images / r.prompts} vs mean, 95% interval`.padEnd(44)}${SAMPLE_RANKERS.map((v) => percentRange(r.bestOfNChange[v])).join("")}`);
  }
}
