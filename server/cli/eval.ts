import type { Command } from "commander";
import { closeDb, getDb } from "../db/client";
import { getDatasetInsights } from "../services/getDatasetInsights";
import { listDatasets } from "../services/listDatasets";
import { notFound } from "../errors";
import { registerEvalLlm } from "./evalLlm";

/** `boig eval data|llm|sd`: evaluation reports (SPEC §6). `data` = dataset statistics (Table 3, Figs 7–9). */
export function registerEval(program: Command) {
  const evalCmd = program.command("eval").description("evaluation reports: data (dataset statistics), llm (Table 1), sd (Table 2)");
  evalCmd
    .command("data")
    .description("dataset statistics: size, KPI distribution, posts over time, buckets, attribute frequencies high vs low")
    .option("--dataset <name>", "only this dataset (default: all)")
    .action(async (opts: { dataset?: string }) => {
      const json = program.opts().json as boolean;
      try {
        const db = await getDb();
        const all = await listDatasets(db);
        const chosen = opts.dataset ? all.filter((d) => d.name === opts.dataset) : all;
        if (opts.dataset && chosen.length === 0) throw notFound(`Dataset ${opts.dataset}`);
        const reports = [];
        for (const d of chosen) reports.push(await getDatasetInsights(db, d.id));
        if (json) process.stdout.write(JSON.stringify({ datasets: reports }) + "\n");
        else for (const r of reports) printInsights(r);
      } finally {
        await closeDb();
      }
    });
  registerEvalLlm(evalCmd, program);
}

function printInsights(r: Awaited<ReturnType<typeof getDatasetInsights>>) {
  const out = (s = "") => process.stdout.write(`${s}\n`);
  const s = r.summary;
  out(`${r.dataset.name} (${r.dataset.kind}): ${s.posts} posts, ${s.images} images (${s.verbalized} verbalized), ${s.accounts} accounts`);
  out(`  span: ${s.first ? new Date(s.first).toISOString().slice(0, 10) : "-"} … ${s.last ? new Date(s.last).toISOString().slice(0, 10) : "-"}`);
  const f = (v: number | null) => (v === null ? "-" : v.toFixed(2)).padStart(8);
  out(`  bucket/split       posts   mean ${r.kpiName.padEnd(8)}  objects  quality  agreement`);
  for (const b of r.buckets)
    out(`  ${`${b.bucket}/${b.split}`.padEnd(16)} ${String(b.posts).padStart(7)}   ${b.meanKpi.toFixed(1).padStart(12)} ${f(b.meanObjects)} ${f(b.meanQuality)} ${f(b.meanAgreement)}`);
  const top = [...r.frequencies].sort((a, b) => Math.abs(b.high - b.low) - Math.abs(a.high - a.low)).slice(0, 8);
  if (top.length) {
    out(`  attributes that differ most, high vs low (share of images):`);
    for (const f of top) out(`    ${f.kind.padEnd(6)} ${f.name.padEnd(10)} high ${(f.high * 100).toFixed(1)}%  low ${(f.low * 100).toFixed(1)}%`);
  }
}
