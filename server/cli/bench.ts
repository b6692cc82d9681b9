import os from "node:os";
import type { Command } from "commander";
import { z } from "zod";
import { benchApi } from "../bench/benchApi";
import { benchDdpo } from "../bench/benchDdpo";
import { benchGenerate } from "../bench/benchGenerate";
import { benchImport } from "../bench/benchImport";
import { benchLlmDecode, benchRewardThroughput, benchSdSampling, measureOrtRate, type Workload } from "../bench/benchModels";
import { DEFAULT_GENERATION } from "../services/generateImages";
import { loadServedBoigLlm } from "../services/loadServedBoigLlm";
import { loadServedBoigSd } from "../services/loadServedBoigSd";
import { parseInput } from "../services/validation";

const WORKLOADS = ["llm", "sd", "reward", "ddpo", "import", "generate", "api"] as const;
const optionsSchema = z.object({
  runs: z.coerce.number().int().min(1).max(50).default(5),
  variants: z.coerce.number().int().min(1).max(8).default(4),
  only: z
    .string()
    .default(WORKLOADS.join(","))
    .transform((s) => s.split(",").map((w) => w.trim()).filter(Boolean))
    .pipe(z.array(z.enum(WORKLOADS, { error: `workloads are ${WORKLOADS.join(", ")}` })).min(1)),
});

/**
 * `boig bench`: every workload timed side by side with its reference in one process run, medians
 * after a warm-up; ratio > 1 means ours is better; FLOP floor = the workload's FLOPs at the
 * measured onnxruntime MatMul rate of this CPU. Results and what bounds each: docs/performance.md.
 */
export function registerBench(program: Command) {
  program
    .command("bench")
    .description(`benchmarks, each beside its reference (${WORKLOADS.join(", ")})`)
    .option("--runs <n>", "timed runs per side after one warm-up", "5")
    .option("--variants <n>", "images per BoigSD / generate workload", "4")
    .option("--only <list>", `comma-separated subset of ${WORKLOADS.join(",")}`)
    .action(async (raw) => {
      const opts = parseInput(optionsSchema, raw);
      const json = program.opts().json as boolean;
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const want = new Set(opts.only);
      const workloads: Workload[] = [];
      log("bench: measuring the onnxruntime MatMul rate of this CPU…");
      const rate = await measureOrtRate();
      let canonicals: string[] = [];
      if (want.has("llm")) {
        log("bench: BoigLLM decoding…");
        workloads.push(...(await benchLlmDecode(await loadServedBoigLlm(), opts.runs)));
      }
      if (want.has("sd")) {
        log("bench: BoigSD sampling (TypeScript/ONNX, then PyTorch eager)…");
        workloads.push(await benchSdSampling(await loadServedBoigSd(), opts.runs, rate, { variants: opts.variants, steps: DEFAULT_GENERATION.steps }));
      }
      if (want.has("ddpo")) {
        log("bench: DDPO epochs (ours, then the ddpo-pytorch-style loop, alternating)…");
        workloads.push(await benchDdpo(Math.min(opts.runs, 3)));
      }
      if (want.has("import") || want.has("reward")) {
        log("bench: import + verbalize…");
        const imported = await benchImport(Math.min(opts.runs, 3));
        canonicals = imported.canonicals.slice(0, 64);
        if (want.has("import")) workloads.push(imported.workload);
      }
      if (want.has("reward")) {
        log("bench: reward scoring…");
        workloads.push(await benchRewardThroughput(await loadServedBoigLlm(), canonicals, opts.runs));
      }
      if (want.has("generate")) {
        const g = await benchGenerate({ runs: opts.runs, variants: opts.variants, log });
        workloads.push({
          workload: g.workload, unit: "ms", ours: g.ours.medianMs, reference: g.reference.medianMs, referenceWhat: g.reference.what,
          ratio: g.ratio, floorMs: null, percentOfFloor: null, notes: [],
        });
      }
      if (want.has("api")) workloads.push(...(await benchApi({ seconds: 10, log })));
      const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "?", node: process.version, date: new Date().toISOString(), ortMatmulGflops: rate / 1e9 };
      if (json) {
        process.stdout.write(`${JSON.stringify({ machine, workloads })}\n`);
        return;
      }
      const fmt = (w: Workload, v: number | null) => (v === null ? "—" : w.unit === "ms" ? `${v.toFixed(0)} ms` : `${v.toFixed(1)}/s`);
      process.stdout.write(`machine: ${machine.cpus} × ${machine.cpu}, node ${machine.node}, onnxruntime MatMul ${machine.ortMatmulGflops.toFixed(1)} GFLOP/s\n`);
      process.stdout.write(`${"workload".padEnd(52)} ${"ours".padStart(10)} ${"reference".padStart(10)} ${"ratio".padStart(6)} ${"floor".padStart(8)} ${"% floor".padStart(8)}\n`);
      for (const w of workloads) {
        process.stdout.write(
          `${w.workload.padEnd(52)} ${fmt(w, w.ours).padStart(10)} ${fmt(w, w.reference).padStart(10)} ${(w.ratio === null ? "—" : w.ratio.toFixed(2)).padStart(6)} ${(w.floorMs === null ? "—" : `${w.floorMs.toFixed(0)} ms`).padStart(8)} ${(w.percentOfFloor === null ? "—" : `${w.percentOfFloor.toFixed(1)}%`).padStart(8)}\n`,
        );
        for (const note of w.notes) process.stdout.write(`    ${note}\n`);
        process.stdout.write(`    reference: ${w.referenceWhat}\n`);
      }
    });
}
