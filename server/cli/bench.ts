import os from "node:os";
import type { Command } from "commander";
import { benchGenerate } from "../bench/benchGenerate";

/**
 * `boig bench`: workloads timed side by side with their reference in one process run, medians
 * after a warm-up, ratio = reference / ours (> 1: ours is faster). Built so far: `generate` (the
 * marketer's wait from Generate to scored variants); the model-level workloads and the FLOP
 * floor arrive with the performance issue (#8).
 */
export function registerBench(program: Command) {
  program
    .command("bench")
    .description("benchmarks, each side by side with its reference (built: generate)")
    .option("--runs <n>", "timed runs per side after one warm-up", "5")
    .option("--variants <n>", "variants per generation", "4")
    .action(async (opts: { runs: string; variants: string }) => {
      const json = program.opts().json as boolean;
      const runs = Math.max(1, Number.parseInt(opts.runs, 10) || 5);
      const variants = Math.min(8, Math.max(1, Number.parseInt(opts.variants, 10) || 4));
      const result = await benchGenerate({ runs, variants, log: (line) => process.stderr.write(`${line}\n`) });
      const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "?", node: process.version, date: new Date().toISOString() };
      if (json) {
        process.stdout.write(`${JSON.stringify({ machine, workloads: [result] })}\n`);
        return;
      }
      const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      process.stdout.write(`machine: ${machine.cpus} × ${machine.cpu}, node ${machine.node}\n`);
      process.stdout.write(`${"workload".padEnd(44)} ${"ours".padStart(9)} ${"reference".padStart(10)} ${"ratio".padStart(6)}\n`);
      process.stdout.write(`${result.workload.padEnd(44)} ${s(result.ours.medianMs).padStart(9)} ${s(result.reference.medianMs).padStart(10)} ${result.ratio.toFixed(2).padStart(6)}\n`);
      process.stdout.write(`reference: ${result.reference.what}\n`);
    });
}
