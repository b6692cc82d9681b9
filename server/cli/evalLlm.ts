/**
 * `boig eval llm`: Table 1 (SPEC §6, paper §3.1) for BoigLLM, the no-KPI baseline and the 3/5-shot
 * retrieval baselines, per dataset and KPI bucket (server/eval/evalLlm.ts). With --json one JSON
 * object on stdout; otherwise a readable table per dataset. Notes and progress go to stderr.
 */
import path from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { defaultBoigLlmDir } from "../ml/boigLlm";
import { ensureDemoInstructions } from "../eval/demoInstructions";
import { DEFAULT_EVAL_BATCH_SIZE, evalLlm, requireModelDirs, type Accuracy, type DatasetReport, type EvalLlmReport } from "../eval/evalLlm";
import { TABLE1_ROWS, type BaselineId } from "../eval/table1";
import { METRIC_DIRECTION, METRIC_NAMES, type MetricName, type MetricsAggregate } from "../eval/verbalizationMetrics";
import { parseInput } from "../services/validation";
import { DEFAULT_CONSENSUS } from "../llm/consensusDecode";
import { DEFAULT_MBR } from "../llm/mbrDecode";
import { MIN_BOOTSTRAP_IMAGES, type Advantage } from "../eval/table1Intervals";
import { createProgress } from "./progress";

const optionsSchema = z.object({
  data: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  nokpi: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).optional(),
  batchSize: z.coerce.number().int().min(1).max(256).default(DEFAULT_EVAL_BATCH_SIZE),
  decoding: z.enum(["greedy", "consensus", "mbr", "mbr-sections", "mbr-kpi"]).default("greedy"),
  reward: z.string().min(1).optional(),
  samples: z.coerce.number().int().min(2).max(64).optional(),
  temperature: z.coerce.number().gt(0).max(2).default(DEFAULT_MBR.temperature),
  kpiGuidance: z.coerce.number().min(0).max(20).default(0),
});

export function registerEvalLlm(evalCmd: Command, program: Command) {
  evalCmd
    .command("llm")
    .description("Table 1: verbalization metrics of BoigLLM vs the no-KPI and 3/5-shot retrieval baselines, per dataset and KPI bucket")
    .option("--data <dir>", "instruction folder (`boig instructions`); default: the demo world's (seed 7), built once under the data dir")
    .option("--model <dir>", "BoigLLM artifact (default: models/artifacts/boigllm)")
    .option("--nokpi <dir>", "no-KPI baseline artifact (default: models/artifacts/boigllm-nokpi)")
    .option("--reward <dir>", "reward checkpoint for --decoding mbr-kpi (default: models/artifacts/boigllm-reward)")
    .option("--limit <n>", "at most n test images per dataset and bucket (quick runs)")
    .option("--batch-size <n>", "rows per decoding batch", String(DEFAULT_EVAL_BATCH_SIZE))
    .option(
      "--decoding <kind>",
      "greedy | consensus (medoid of --samples seeded samples) | mbr (minimum Bayes risk against Table 1's metrics over greedy + --samples samples) | mbr-sections (the same, colors, tones and objects chosen separately), for BoigLLM and the no-KPI row alike | mbr-kpi (mbr-sections, BoigLLM's evidence weighted by --reward's P(KPI | candidate))",
      "greedy",
    )
    .option("--samples <n>", `samples per prompt with --decoding consensus (default ${DEFAULT_CONSENSUS.samples}) or mbr / mbr-sections (default ${DEFAULT_MBR.samples})`)
    .option("--temperature <t>", "sampling temperature with --decoding mbr / mbr-sections", String(DEFAULT_MBR.temperature))
    .option("--kpi-guidance <g>", "KPI guidance scale for BoigLLM (server/llm/kpiGuidance.ts): steer each token toward what tells the prompt's KPI apart; 0 = off", "0")
    .action(async (raw) => {
      const opts = parseInput(optionsSchema, raw);
      const json = program.opts().json as boolean;
      const note = (message: string) => process.stderr.write(`${message}\n`);
      const models = { boigllm: opts.model ?? defaultBoigLlmDir("boigllm"), nokpi: opts.nokpi ?? defaultBoigLlmDir("boigllm-nokpi") };
      requireModelDirs(models); // before building the default data, which takes minutes
      const dataDir = opts.data ? path.resolve(opts.data) : await ensureDemoInstructions(note);
      const progress = json ? null : createProgress({ json: false, label: "eval llm" });
      let shown = -1;
      try {
        const report = await evalLlm({
          dataDir,
          models,
          rewardModel: opts.decoding === "mbr-kpi" ? (opts.reward ?? defaultBoigLlmDir("boigllm-reward")) : undefined,
          limit: opts.limit,
          batchSize: opts.batchSize,
          kpiGuidance: opts.kpiGuidance,
          decoding:
            opts.decoding === "greedy"
              ? { kind: "greedy" }
              : opts.decoding === "consensus"
                ? { kind: "consensus", samples: opts.samples ?? DEFAULT_CONSENSUS.samples }
                : {
                    kind: "mbr", samples: opts.samples ?? DEFAULT_MBR.samples, temperature: opts.temperature,
                    bySection: opts.decoding === "mbr-sections" || opts.decoding === "mbr-kpi",
                    kpiWeighted: opts.decoding === "mbr-kpi",
                  },
          onProgress: (fraction, message) => {
            // Every 5% is enough on a log; a terminal bar redraws anyway.
            const step = Math.floor(fraction * 20);
            if (step === shown && fraction < 1) return;
            shown = step;
            progress?.update(fraction, message);
          },
        });
        progress?.stop();
        if (json) process.stdout.write(JSON.stringify(report) + "\n");
        else printReport(report);
      } finally {
        progress?.stop();
      }
    });
}

// ---------------------------------------------------------------------------------------------
// Readable output

const SHORT_NAMES: Record<MetricName, string> = {
  colorsIoU: "col IoU",
  colorsSimilarity: "col sim",
  colorsRgbDistance: "col RGB",
  colorsCoverageRmse: "col cov",
  tonesCoverageRmse: "tone cov",
  objectsIoU: "obj IoU",
  objectsSimilarity: "obj sim",
  objectAreaRmse: "area",
  relativePositionError: "pos err",
};
const BASELINE_LABELS: Record<BaselineId, string> = { nokpi: "no-KPI", shot3: "3-shot", shot5: "5-shot" };

function printReport(report: EvalLlmReport) {
  const out = (s = "") => process.stdout.write(`${s}\n`);
  out(`Table 1 — behavior-conditioned verbalization (test split of ${report.dataDir})`);
  for (const [id, m] of Object.entries(report.models))
    out(`  ${id}: ${m.name} ${m.version} (${m.dir})${m.vocabMatchesData === false ? "  ! its vocabulary is not this data's: trained on other data?" : ""}`);
  out(`  ↑ higher is better, ↓ lower is better; "all" = mean over buckets; decoding: ${report.options.decoding}; τ = ${report.options.tau}`);
  out(`  metrics: ${METRIC_NAMES.map((n) => `${SHORT_NAMES[n]} = ${n}`).join(", ")}`);
  for (const d of report.datasets) printDataset(d, report.options.requiredWins, out);
  out();
  out(`KPI-label accuracy over all datasets: ${describeLabels(report.kpiLabel)}`);
  out(`${report.counts.images} of ${report.counts.testImages} test images, ${report.counts.decoded} decodes, ${report.seconds.total} s`);
}

function printDataset(d: DatasetReport, required: number, out: (s?: string) => void) {
  out();
  out(`${d.dataset} (${d.kind}): ${d.images} of ${d.testImages} test images (${d.buckets.map((b) => `${b.bucket} ${b.images}`).join(", ")})`);
  const header = ["KPI".padEnd(6), "model".padEnd(18), ...METRIC_NAMES.map((n) => `${SHORT_NAMES[n]}${METRIC_DIRECTION[n] === "higher" ? "↑" : "↓"}`.padStart(9))];
  out(header.join(" "));
  const blocks: [string, Record<string, MetricsAggregate>][] = [...d.buckets.map((b): [string, Record<string, MetricsAggregate>] => [b.bucket, b.rows]), ["all", d.allBuckets]];
  for (const [bucket, rows] of blocks)
    for (const row of TABLE1_ROWS) {
      const aggregate = rows[row.id]!;
      out([bucket.padEnd(6), row.label.padEnd(18), ...METRIC_NAMES.map((n) => formatMean(aggregate.metrics[n].mean).padStart(9))].join(" "));
    }
  const wins = (Object.keys(BASELINE_LABELS) as BaselineId[]).map((id) => {
    const target = id === "nokpi" || id === "shot5" ? (d.wins[id].wins >= required ? " ✓" : ` ✗ (needs ${required})`) : "";
    return `${BASELINE_LABELS[id]} ${d.wins[id].wins}/${d.wins[id].of}${target}`;
  });
  out(`BoigLLM better than: ${wins.join(", ")}`);
  // The advantage of BoigLLM on each metric (+ = better) with its 95% paired bootstrap interval.
  for (const id of ["nokpi", "shot5"] as const) {
    const a = d.advantages[id];
    if (a.tooFewImages) {
      out(`BoigLLM − ${BASELINE_LABELS[id]}: no intervals (fewer than ${MIN_BOOTSTRAP_IMAGES} images in a bucket)`);
      continue;
    }
    out(
      [`BoigLLM − ${BASELINE_LABELS[id]}`.padEnd(25), ...METRIC_NAMES.map((n) => formatAdvantage(a.metrics[n]).padStart(9))].join(" ") +
        `  95% intervals above 0: ${a.surelyBetter}, below 0: ${a.surelyWorse}`,
    );
  }
  out(`KPI-label accuracy (type ${d.kind === "social" ? 3 : 4}, labels ${d.labels.join("/")}): ${describeLabels(d.kpiLabel)}`);
  const fallbacks = d.retrieval.shot5.fallbacks + d.retrieval.shot3.fallbacks;
  if (fallbacks > 0) out(`retrieval filled shots from other brands for ${d.retrieval.shot3.fallbacks} (3-shot) / ${d.retrieval.shot5.fallbacks} (5-shot) prompts`);
  const truncated = d.truncated.boigllm + d.truncated.nokpi + d.truncated.kpiLabel;
  if (truncated > 0) out(`decodes cut off by the token budget: BoigLLM ${d.truncated.boigllm}, no-KPI ${d.truncated.nokpi}, type 3/4 ${d.truncated.kpiLabel}`);
}

function describeLabels(r: { overall: Accuracy; noisy: Accuracy; clean: Accuracy; repeatPromptLabel: Accuracy }) {
  const a = (x: Accuracy) => `${x.accuracy === null ? "-" : x.accuracy.toFixed(3)} (${x.correct}/${x.total})`;
  return `overall ${a(r.overall)}, noisy prompts ${a(r.noisy)}, clean ${a(r.clean)}; repeating the prompt's label would give ${a(r.repeatPromptLabel)}`;
}

const formatMean = (mean: number | null) => (mean === null ? "-" : mean.toFixed(4));
/** "+0.012*" when the whole 95% interval is above 0, "-0.012*" when below, no star when it spans 0. */
const formatAdvantage = (a: Advantage) =>
  a.value === null ? "-" : `${a.value >= 0 ? "+" : ""}${a.value.toFixed(3)}${(a.low !== null && a.low > 0) || (a.high !== null && a.high < 0) ? "*" : " "}`;
